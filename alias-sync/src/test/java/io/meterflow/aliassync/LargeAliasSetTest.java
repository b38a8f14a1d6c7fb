package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.aliassync.customer.CustomerStores;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/**
 * Finding 8 of issue 12: a customer with Metronome's largest alias set (2000 aliases of 128 characters) is created
 * in time linear in its aliases. Each claim's answer used to rewrite the customer's whole record and bookkeeping
 * (every alias, twice over), which made a create quadratic: seconds of CPU for one request.
 */
class LargeAliasSetTest extends AliasSyncTestBase {

    static List<String> aliases(String prefix, int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> (prefix + "-" + i + "-").repeat(128).substring(0, 128)).toList();
    }

    @Test
    void createsACustomerWith2000AliasesOf128CharactersWritingItsRecordAFewTimesNotOncePerAlias() {
        List<String> aliases = aliases("big", 2000);
        String customerStoreChangelog = app.changelog(CustomerStores.CUSTOMER_STORE);
        String claimsStoreChangelog = app.changelog(CustomerStores.CUSTOMER_CLAIMS_STORE);

        long start = System.nanoTime();
        app.create("big", aliases.toArray(String[]::new));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(app.aliasesOf("big")).containsExactlyElementsOf(aliases);
        assertThat(app.owners()).hasSize(2001).allSatisfy((alias, owner) -> assertThat(owner).isEqualTo("big"));
        assertThat(app.customerRecords()).hasSize(1);
        assertThat(app.rejections()).isEmpty();
        List<KeyValue<byte[], byte[]>> customerWrites = app.rawRecords(customerStoreChangelog);
        List<KeyValue<byte[], byte[]>> claimsWrites = app.rawRecords(claimsStoreChangelog);
        long bytes = customerWrites.stream().mapToLong(kv -> kv.value.length).sum()
                + claimsWrites.stream().mapToLong(kv -> kv.value.length).sum();
        System.out.printf("created a customer with 2000 aliases of 128 characters in %d ms: %d customer-store and %d"
                + " customer-claims-store changelog records, %d bytes%n", millis, customerWrites.size(),
                claimsWrites.size(), bytes);
        // The aliases take 2000 x 130 bytes: the state is written a few times, not once per answered claim.
        assertThat(customerWrites.size()).as("customer-store changelog records").isLessThanOrEqualTo(3);
        assertThat(bytes).isLessThan(5L * 2000 * 130);
    }
}
