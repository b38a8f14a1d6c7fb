package io.meterflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class StreamsLifecycleTest {

    private static Properties with(String key, String value) {
        Properties properties = new Properties();
        properties.put(key, value);
        return properties;
    }

    @Test
    void staticMembershipIsRecognisedInEveryFormKafkaStreamsAccepts() {
        assertThat(StreamsLifecycle.isStaticMember(new Properties())).isFalse();
        assertThat(StreamsLifecycle.isStaticMember(with("group.instance.id", " "))).isFalse();
        assertThat(StreamsLifecycle.isStaticMember(with("group.instance.id", "ingest-0"))).isTrue();
        assertThat(StreamsLifecycle.isStaticMember(with("consumer.group.instance.id", "ingest-0"))).isTrue();
        assertThat(StreamsLifecycle.isStaticMember(with("main.consumer.group.instance.id", "ingest-0"))).isTrue();
    }
}
