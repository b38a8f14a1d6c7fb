package io.meterflow.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The invariants of deploy/compose, checked without a container engine (docker-compose config -q runs in the
 * rehearsal): host networking everywhere, so a port of its own per instance; the replica counts; forwarding and
 * customer lookups wired to instances that exist; a static membership per instance; secrets from files only; a
 * state volume per instance; and the rehearsal override changing the broker's image only.
 */
class ComposeFileTest {

    private static final Path COMPOSE = Path.of("..", "compose");
    private static final Pattern PORT_IN_URL = Pattern.compile(":(\\d+)(?:[,/]|$)");
    private static final Pattern SECRET_LOOKING = Pattern.compile("(?i).*(TOKEN|PASSWORD|SECRET|USER_INFO|KEY).*");

    private static Map<String, Object> compose() throws IOException {
        return ComposeYaml.read(COMPOSE.resolve("compose.yaml"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services(Map<String, Object> file) {
        return (Map<String, Map<String, Object>>) (Map<?, ?>) file.get("services");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(Map<String, Object> service) {
        return (Map<String, String>) service.getOrDefault("environment", Map.of());
    }

    private static String role(Map<String, Object> service) {
        Object command = service.get("command");
        return command instanceof List<?> list && !list.isEmpty() ? list.get(0).toString() : "";
    }

    private static Map<String, Map<String, Object>> withRole(Map<String, Object> file, String role) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        services(file).forEach((name, service) -> {
            if (role(service).equals(role)) {
                out.put(name, service);
            }
        });
        return out;
    }

    private static int httpPort(Map<String, Object> service) {
        return Integer.parseInt(env(service).get("METERFLOW_HTTP_PORT"));
    }

    /** Every port a service listens on, as its settings say. */
    private static List<Integer> ports(String name, Map<String, Object> service) {
        List<Integer> ports = new ArrayList<>();
        Map<String, String> env = env(service);
        if (env.containsKey("METERFLOW_HTTP_PORT")) {
            ports.add(httpPort(service));
        }
        if (env.containsKey("KAFKA_LISTENERS")) {
            Matcher m = PORT_IN_URL.matcher(env.get("KAFKA_LISTENERS"));
            while (m.find()) {
                ports.add(Integer.parseInt(m.group(1)));
            }
        }
        String command = String.valueOf(service.get("command"));
        Matcher listen = Pattern.compile("--web\\.listen-address=[^:]*:(\\d+)").matcher(command);
        if (listen.find()) {
            ports.add(Integer.parseInt(listen.group(1)));
        }
        if (env.containsKey("GF_SERVER_HTTP_PORT")) {
            ports.add(Integer.parseInt(env.get("GF_SERVER_HTTP_PORT")));
        }
        assertThat(ports).as("ports of %s", name).isNotEmpty();
        return ports;
    }

    @Test
    void theFilesAreValidYaml() throws IOException {
        for (String file : List.of("compose.yaml", "compose.rehearsal.yaml", "prometheus.yml")) {
            try (var parser = new YAMLFactory().createParser(COMPOSE.resolve(file).toFile())) {
                while (parser.nextToken() != null) {
                    // reading to the end is the check
                }
            }
        }
    }

    @Test
    void everyServiceUsesTheHostsNetwork() throws IOException {
        services(compose()).forEach((name, service) ->
                assertThat(service.get("network_mode")).as(name).isEqualTo("host"));
    }

    @Test
    void aBrokerTwoAliasSyncAndThreeIngestStreamInstances() throws IOException {
        Map<String, Object> file = compose();
        assertThat(withRole(file, "alias-sync")).hasSize(2);
        assertThat(withRole(file, "ingest-stream")).hasSize(3);
        assertThat(services(file)).containsKeys("kafka", "prometheus", "grafana");
        assertThat(String.valueOf(services(file).get("kafka").get("image"))).startsWith("apache/kafka:");
    }

    @Test
    void noTwoServicesListenOnOnePort() throws IOException {
        Set<Integer> seen = new HashSet<>();
        services(compose()).forEach((name, service) -> ports(name, service).forEach(port ->
                assertThat(seen.add(port)).as("port %d of %s is taken by another service", port, name).isTrue()));
    }

    @Test
    void eachAppInstanceAdvertisesItselfAndReachesTheBroker() throws IOException {
        Map<String, Object> file = compose();
        String kafkaPort = env(services(file).get("kafka")).get("KAFKA_ADVERTISED_LISTENERS").replaceAll(".*:", "");
        List<Map<String, Object>> apps = new ArrayList<>(withRole(file, "alias-sync").values());
        apps.addAll(withRole(file, "ingest-stream").values());
        for (Map<String, Object> app : apps) {
            Map<String, String> env = env(app);
            assertThat(env.get("METERFLOW_BOOTSTRAP_SERVERS")).isEqualTo("127.0.0.1:" + kafkaPort);
            // With host networking the advertised port is the HTTP port: http.advertised.host:http.port.
            assertThat(env.get("METERFLOW_HTTP_ADVERTISED_HOST")).isEqualTo("127.0.0.1");
            assertThat(app.get("stop_grace_period")).isNotNull();
        }
    }

    @Test
    void eachAppInstanceHasAStaticMembershipOfItsOwn() throws IOException {
        Map<String, Object> file = compose();
        Set<String> ids = new HashSet<>();
        List<Map<String, Object>> apps = new ArrayList<>(withRole(file, "alias-sync").values());
        apps.addAll(withRole(file, "ingest-stream").values());
        for (Map<String, Object> app : apps) {
            String id = env(app).get("METERFLOW_KAFKA_GROUP_INSTANCE_ID");
            assertThat(id).isNotBlank();
            assertThat(ids.add(id)).as("group.instance.id %s is used twice", id).isTrue();
        }
    }

    @Test
    void eachIngestInstanceLooksCustomersUpAtAnAliasSyncInstance() throws IOException {
        Map<String, Object> file = compose();
        Set<String> aliasSyncUrls = new HashSet<>();
        withRole(file, "alias-sync").values().forEach(s -> aliasSyncUrls.add("http://127.0.0.1:" + httpPort(s)));
        withRole(file, "ingest-stream").forEach((name, service) ->
                assertThat(aliasSyncUrls).as(name).contains(env(service).get("METERFLOW_CUSTOMERS_API_URL")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void secretsComeFromFilesNeverFromTheFile() throws IOException {
        Map<String, Object> file = compose();
        Map<String, Map<String, Object>> secrets = (Map<String, Map<String, Object>>) (Map<?, ?>) file.get("secrets");
        secrets.forEach((name, secret) -> assertThat(secret).as(name).containsOnlyKeys("file"));
        services(file).forEach((name, service) -> env(service).forEach((variable, value) -> {
            if (variable.startsWith("METERFLOW_") && SECRET_LOOKING.matcher(variable).matches()) {
                assertThat(variable).as("%s in %s", variable, name).endsWith("_FILE");
                String secret = value.replaceFirst("^/run/secrets/", "");
                assertThat((List<Object>) service.get("secrets")).as(name).contains(secret);
                assertThat(secrets).containsKey(secret);
            }
        }));
        assertThat(Files.readString(COMPOSE.resolve(".gitignore"))).contains("secrets/api-tokens");
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachAppInstanceKeepsItsStateInAVolumeOfItsOwn() throws IOException {
        Map<String, Object> file = compose();
        Set<String> volumes = new HashSet<>();
        List<Map<String, Object>> apps = new ArrayList<>(withRole(file, "alias-sync").values());
        apps.addAll(withRole(file, "ingest-stream").values());
        for (Map<String, Object> app : apps) {
            String state = ((List<String>) app.get("volumes")).stream()
                    .filter(v -> v.endsWith(":/var/lib/meterflow")).findFirst().orElseThrow();
            String volume = state.substring(0, state.indexOf(':'));
            assertThat(volumes.add(volume)).as("volume %s is shared", volume).isTrue();
            assertThat((Map<String, Object>) file.get("volumes")).containsKey(volume);
        }
    }

    @Test
    void theRehearsalOverrideRunsTheBrokerFromTheMeterflowImageOnTheSamePort() throws IOException {
        Map<String, Object> base = compose();
        Map<String, Object> override = ComposeYaml.read(COMPOSE.resolve("compose.rehearsal.yaml"));
        assertThat(services(override)).containsOnlyKeys("kafka");
        Map<String, Object> kafka = services(override).get("kafka");
        assertThat(kafka.get("image")).isEqualTo(services(base).get("alias-sync-1").get("image"));
        assertThat(kafka.get("command")).isEqualTo(List.of("kafka"));
        String basePort = env(services(base).get("kafka")).get("KAFKA_ADVERTISED_LISTENERS").replaceAll(".*:", "");
        assertThat(env(kafka).get("METERFLOW_BROKER_PORT")).isEqualTo(basePort);
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesEveryAppInstanceWithTheShippedRulesAndGrafanaLoadsTheDashboard() throws IOException {
        Map<String, Object> file = compose();
        Set<String> instances = new HashSet<>();
        withRole(file, "alias-sync").values().forEach(s -> instances.add("127.0.0.1:" + httpPort(s)));
        withRole(file, "ingest-stream").values().forEach(s -> instances.add("127.0.0.1:" + httpPort(s)));
        Map<String, Object> prometheus = ComposeYaml.read(COMPOSE.resolve("prometheus.yml"));
        Set<String> targets = new HashSet<>();
        for (Object job : (List<Object>) prometheus.get("scrape_configs")) {
            for (Object config : (List<Object>) ((Map<String, Object>) job).get("static_configs")) {
                targets.addAll((List<String>) ((Map<String, Object>) config).get("targets"));
            }
        }
        assertThat(targets).isEqualTo(instances);
        for (String service : List.of("prometheus", "grafana")) {
            for (String mount : (List<String>) services(file).get(service).get("volumes")) {
                String source = mount.substring(0, mount.indexOf(':'));
                if (source.startsWith(".")) {
                    assertThat(COMPOSE.resolve(source)).as("%s mounts %s", service, source).exists();
                }
            }
        }
        assertThat(services(file).get("prometheus").get("profiles")).isEqualTo(List.of("observability"));
    }
}
