package io.meterflow.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The objects {@code helm template} rendered for one value set (a file written by check-chart.sh). */
record RenderedChart(String valueSet, List<JsonNode> objects) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static RenderedChart read(Path file) {
        String name = file.getFileName().toString().replaceFirst("\\.yaml$", "");
        try (var parser = YAML.createParser(file.toFile())) {
            List<JsonNode> objects = new ArrayList<>();
            YAML.readValues(parser, JsonNode.class).forEachRemaining(node -> {
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    objects.add(node);
                }
            });
            return new RenderedChart(name, List.copyOf(objects));
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not YAML", e);
        }
    }

    Stream<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText()));
    }

    JsonNode named(String kind, String name) {
        return ofKind(kind).filter(o -> name.equals(name(o))).findFirst()
                .orElseThrow(() -> new AssertionError(valueSet + ": no " + kind + " named " + name));
    }

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    /** The one container of a StatefulSet's pods. */
    static JsonNode container(JsonNode statefulSet) {
        JsonNode containers = podSpec(statefulSet).path("containers");
        if (containers.size() != 1) {
            throw new AssertionError(name(statefulSet) + " has " + containers.size() + " containers, expected one");
        }
        return containers.get(0);
    }

    static JsonNode podSpec(JsonNode statefulSet) {
        return statefulSet.path("spec").path("template").path("spec");
    }

    /** A container's environment in order, by name (each entry: the EnvVar object). */
    static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        container.path("env").forEach(e -> {
            if (env.put(e.path("name").asText(), e) != null) {
                throw new AssertionError("environment variable " + e.path("name").asText() + " is set twice");
            }
        });
        return env;
    }

    static String envValue(JsonNode container, String name) {
        JsonNode entry = env(container).get(name);
        if (entry == null || !entry.has("value")) {
            throw new AssertionError("container " + container.path("name").asText() + " has no plain " + name);
        }
        return entry.path("value").asText();
    }

    static Map<String, String> strings(JsonNode map) {
        Map<String, String> strings = new LinkedHashMap<>();
        map.properties().forEach(e -> strings.put(e.getKey(), e.getValue().asText()));
        return strings;
    }

    static List<RenderedChart> readAll(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().map(RenderedChart::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return valueSet;
    }
}
