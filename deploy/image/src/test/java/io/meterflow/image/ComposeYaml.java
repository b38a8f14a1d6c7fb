package io.meterflow.image;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compose file as plain maps, lists and strings, read the way docker-compose reads it: anchors and aliases resolved,
 * merge keys ({@code <<: *x}) merged under the map's own keys, and {@code ${VAR:-default}} replaced by its default
 * (Jackson's tree model keeps an alias as its name and a merge key as a field).
 */
final class ComposeYaml {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?::?-([^}]*))?}");

    private ComposeYaml() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> read(Path file) throws IOException {
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            parser.nextToken();
            return (Map<String, Object>) value(parser, new HashMap<>());
        }
    }

    /** {@code ${VAR:-default}} → default; {@code ${VAR}} → "" (no variables are set in the test). */
    static String interpolate(String text) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2) == null ? "" : m.group(2)));
        }
        return m.appendTail(out).toString();
    }

    @SuppressWarnings("unchecked")
    private static Object value(YAMLParser parser, Map<String, Object> anchors) throws IOException {
        if (parser.isCurrentAlias()) {
            Object aliased = anchors.get(parser.getText());
            if (aliased == null) {
                throw new IOException("unknown alias *" + parser.getText());
            }
            return aliased;
        }
        Object anchor = parser.getObjectId();
        Object value;
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            Map<String, Object> own = new LinkedHashMap<>();
            Map<String, Object> merged = new LinkedHashMap<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                parser.nextToken();
                Object field = value(parser, anchors);
                if (key.equals("<<")) {
                    if (field instanceof List<?> list) {
                        list.forEach(each -> merged.putAll((Map<String, Object>) each));
                    } else {
                        merged.putAll((Map<String, Object>) field);
                    }
                } else {
                    own.put(key, field);
                }
            }
            merged.putAll(own);
            value = merged;
        } else if (token == JsonToken.START_ARRAY) {
            List<Object> list = new ArrayList<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                list.add(value(parser, anchors));
            }
            value = list;
        } else if (token == JsonToken.VALUE_NULL) {
            value = null;
        } else {
            value = interpolate(parser.getText());
        }
        if (anchor != null) {
            anchors.put(anchor.toString(), value);
        }
        return value;
    }
}
