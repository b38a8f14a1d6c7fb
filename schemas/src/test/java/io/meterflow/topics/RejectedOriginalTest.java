package io.meterflow.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.Rejection;
import io.meterflow.serde.SpecificAvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RejectedOriginalTest {

    private static Rejection.Builder base() {
        return Rejection.newBuilder().setReason("MALFORMED").setDetail("d").setSourceTopic("t").setSourcePartition(0)
                .setSourceOffset(1).setRejectedAt(Instant.EPOCH);
    }

    @Test
    void keepsARecordThatFitsWholeWithItsSizesAndDigest() {
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        byte[] value = "hello".getBytes(StandardCharsets.UTF_8);
        Rejection r = RejectedOriginal.fill(base(), key, value, 100).build();
        assertThat(r.getOriginalKey()).isEqualTo(ByteBuffer.wrap(key));
        assertThat(r.getOriginalValue()).isEqualTo(ByteBuffer.wrap(value));
        assertThat(r.getOriginalTruncated()).isFalse();
        assertThat(r.getOriginalKeySize()).isEqualTo(1);
        assertThat(r.getOriginalValueSize()).isEqualTo(5);
        assertThat(r.getOriginalValueSha256())
                .isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    }

    @Test
    void keepsOnlyPrefixesOfARecordOverTheBudgetAndSaysSo() {
        byte[] key = new byte[5000];
        byte[] value = new byte[2_000_000];
        Arrays.fill(value, (byte) 7);
        Rejection r = RejectedOriginal.fill(base(), key, value, 10_000).build();
        assertThat(r.getOriginalTruncated()).isTrue();
        assertThat(r.getOriginalKey().remaining()).isEqualTo(RejectedOriginal.MAX_TRUNCATED_KEY_BYTES);
        assertThat(r.getOriginalKey().remaining() + r.getOriginalValue().remaining()).isEqualTo(10_000);
        assertThat(r.getOriginalKeySize()).isEqualTo(5000);
        assertThat(r.getOriginalValueSize()).isEqualTo(2_000_000);
        assertThat(r.getOriginalValueSha256()).isEqualTo(RejectedOriginal.sha256(value));
    }

    @Test
    void aRejectionOfAnyRecordEncodesWithinTheBudgetPlusItsFixedFields() {
        byte[] value = new byte[1_048_480];
        try (SpecificAvroSerde<Rejection> serde = SpecificAvroSerde.of(Rejection.class,
                Map.of("schema.registry.url", "mock://rejected-original-test"), false)) {
            byte[] encoded = serde.serializer().serialize("usage-rejected",
                    RejectedOriginal.fill(base(), null, value).build());
            assertThat(encoded.length).isLessThan(RejectedOriginal.DEFAULT_MAX_BYTES + 1024);
        }
    }

    @Test
    void leavesKeyAndValueNullWhenTheRecordHadNone() {
        Rejection r = RejectedOriginal.fill(base(), null, null, 100).build();
        assertThat(r.getOriginalKey()).isNull();
        assertThat(r.getOriginalValue()).isNull();
        assertThat(r.getOriginalKeySize()).isNull();
        assertThat(r.getOriginalValueSha256()).isNull();
        assertThat(r.getOriginalTruncated()).isFalse();
    }
}
