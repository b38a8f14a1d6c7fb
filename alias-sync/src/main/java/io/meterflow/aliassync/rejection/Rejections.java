package io.meterflow.aliassync.rejection;

import io.meterflow.schemas.Rejection;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds the {@link Rejection} records alias-sync writes to {@code customer-changes-rejected}. */
public final class Rejections {

    private Rejections() {
    }

    /** Where a refused change came from, and its bytes when they are at hand. */
    public record Source(String topic, int partition, long offset, byte[] key, byte[] value) {
    }

    public static Rejection of(RefusalReason reason, String detail, Source source, String changeId, String subject,
            Instant rejectedAt) {
        return Rejection.newBuilder()
                .setReason(reason.name())
                .setDetail(detail)
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setOriginalKey(source.key() == null ? null : ByteBuffer.wrap(source.key()))
                .setOriginalValue(source.value() == null ? null : ByteBuffer.wrap(source.value()))
                .setChangeId(changeId)
                .setSubject(subject)
                .setRejectedAt(rejectedAt)
                .build();
    }
}
