package io.meterflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PagingTest {

    @Test
    void aLimitIsAWholeNumberInItsRangeOrTheDefaultWhenAbsent() {
        assertThat(Paging.limit(null, 25, 100)).isEqualTo(25);
        assertThat(Paging.limit("1", 25, 100)).isEqualTo(1);
        assertThat(Paging.limit("100", 25, 100)).isEqualTo(100);
        for (String bad : new String[] {"0", "101", "-1", "ten", "", "1e2", "99999999999"}) {
            assertThatThrownBy(() -> Paging.limit(bad, 25, 100)).as(bad).isInstanceOf(HttpError.class)
                    .hasMessage("limit must be an integer from 1 to 100")
                    .satisfies(e -> assertThat(((HttpError) e).status()).isEqualTo(400));
        }
    }

    @Test
    void aCursorGivesBackTheKeyItWasMadeFromAndAForgedOneIsABadRequest() {
        for (String key : new String[] {"cust-1", "ü/+= x", "a".repeat(300)}) {
            assertThat(Paging.after(Paging.nextPage(key))).isEqualTo(key);
        }
        assertThat(Paging.after(null)).isNull();
        assertThat(Paging.after("")).isNull();
        assertThatThrownBy(() -> Paging.after("not base64!")).isInstanceOf(HttpError.class)
                .hasMessage("next_page is not a cursor this API gave out");
    }
}
