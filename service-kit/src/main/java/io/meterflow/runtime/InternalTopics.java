package io.meterflow.runtime;

import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;

/** The names of the topics Kafka Streams creates for a topology, as far as its description tells them. */
public final class InternalTopics {

    private InternalTopics() {
    }

    /**
     * The changelog topic of every state store in {@code topology}: {@code <application.id>-<store>-changelog}
     * (Meterflow's stores all log their changes).
     */
    public static Set<String> changelogs(String applicationId, TopologyDescription topology) {
        Set<String> topics = new TreeSet<>();
        for (TopologyDescription.Subtopology subtopology : topology.subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node instanceof TopologyDescription.Processor processor) {
                    processor.stores().forEach(store -> topics.add(applicationId + "-" + store + "-changelog"));
                }
            }
        }
        return topics;
    }
}
