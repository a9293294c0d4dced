package io.sluice.job;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.sluice.operators.validate.RegistrySettings;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a job configuration: the defaults, then a YAML file over them, then {@code key=value} overrides
 * (dotted kebab-case paths such as {@code kafka.bootstrap-servers=host:9092}; under {@code flink.} the rest
 * is one Flink option key, e.g. {@code flink.restart-strategy.type=fixed-delay}). Unknown keys are errors.
 */
public final class JobConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    private static final ObjectMapper BINDER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /** Reads the records' fields only (not helpers such as isBulk()), in kebab-case. */
    private static final ObjectMapper PRINTER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .visibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .visibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .build();
    private static final ObjectMapper YAML_OUT = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());

    private JobConfigLoader() {
    }

    /** The defaults with {@code file} (if not null) and the overrides laid over them, validated. */
    public static JobConfig load(Path file, List<String> overrides) {
        ObjectNode tree = defaults();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no such config file: " + file);
            }
            try {
                JsonNode user = YAML.readTree(file.toFile());
                if (user != null && !user.isMissingNode() && !user.isNull()) {
                    if (!(user instanceof ObjectNode userObject)) {
                        throw new IllegalArgumentException(file + ": expected a YAML mapping of settings");
                    }
                    merge(tree, userObject, "");
                }
            } catch (StreamReadException e) {
                String message = e.getOriginalMessage();
                String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
                if (message != null && message.startsWith("Duplicate field")) {
                    throw new IllegalArgumentException(file + ": duplicate key "
                            + message.substring("Duplicate field ".length()) + where);
                }
                throw new IllegalArgumentException(file + ": not valid YAML" + where + ": " + firstLine(message));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": not valid YAML: " + firstLine(e.getOriginalMessage()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String override : overrides) {
            apply(tree, override);
        }
        return bind(tree).validate();
    }

    /**
     * The configuration as YAML in job.yaml's keys, with every secret masked (registry passwords, Kafka
     * client passwords and JAAS configurations, Flink options that name a password, secret or key): what
     * {@code run --dry-run} prints and the job logs.
     */
    public static String toMaskedYaml(JobConfig config) {
        ObjectNode tree = PRINTER.valueToTree(config);
        ObjectNode registry = (ObjectNode) tree.get("schema-registry");
        for (String secret : List.of("password", "truststore-password", "keystore-password")) {
            if (registry.hasNonNull(secret)) {
                registry.put(secret, RegistrySettings.mask(registry.get(secret).asText()));
            }
        }
        ObjectNode kafka = (ObjectNode) tree.get("kafka");
        kafka.set("properties", PRINTER.valueToTree(config.kafka().maskedProperties()));
        tree.set("flink", PRINTER.valueToTree(JobConfig.masked(config.flink())));
        try {
            return YAML_OUT.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode defaults() {
        try (InputStream in = JobConfigLoader.class.getResourceAsStream("defaults.yaml")) {
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JobConfig bind(ObjectNode tree) {
        try {
            return BINDER.treeToValue(tree, JobConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("unknown setting '" + path(e) + "'");
        } catch (MismatchedInputException e) {
            String path = path(e);
            JsonNode value = tree.at("/" + path.replace(".", "/"));
            throw new IllegalArgumentException("bad setting '" + path + "': expected " + expected(e.getTargetType())
                    + (value.isMissingNode() ? "" : ", got " + shown(value)));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad setting '" + path(e) + "': " + firstLine(e.getOriginalMessage()));
        }
    }

    /** What a setting of this Java type looks like in YAML. */
    private static String expected(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number";
        }
        if (type == double.class || type == Double.class || type == float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a single value";
        }
        return "a mapping of settings";
    }

    private static String shown(JsonNode value) {
        if (value.isObject()) {
            return "a mapping";
        }
        if (value.isArray()) {
            return "a list";
        }
        return value.isTextual() ? "'" + value.textValue() + "'" : value.toString();
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    private static String path(JsonProcessingException e) {
        if (e instanceof JsonMappingException m) {
            StringBuilder sb = new StringBuilder();
            for (var ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
                }
            }
            return sb.toString();
        }
        return "?";
    }

    private static boolean isListOfValues(JsonNode node) {
        if (!node.isArray()) {
            return false;
        }
        for (JsonNode element : node) {
            if (!element.isValueNode()) {
                return false;
            }
        }
        return true;
    }

    /** Lays {@code over} onto {@code base}; keys that the defaults lack are unknown (except in free maps). */
    private static void merge(ObjectNode base, ObjectNode over, String prefix) {
        for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode current = base.get(key);
            if (current == null && !isFreeMap(prefix)) {
                throw new IllegalArgumentException("unknown setting '" + prefix + key + "'");
            }
            if (current instanceof ObjectNode currentObject && e.getValue() instanceof ObjectNode overObject
                    && !isFreeMap(prefix + key + ".")) {
                merge(currentObject, overObject, prefix + key + ".");
            } else if (current instanceof ObjectNode section && !(e.getValue() instanceof ObjectNode)
                    && !e.getValue().isNull()) {
                throw sectionError(prefix + key, section);
            } else if (current != null && current.isValueNode() && e.getValue().isContainerNode()) {
                throw new IllegalArgumentException("bad setting '" + prefix + key + "': expected a single value, got "
                        + shown(e.getValue()));
            } else {
                base.set(key, e.getValue());
            }
        }
    }

    /** A whole section given one value: name the section's keys instead of Jackson's binding error. */
    private static IllegalArgumentException sectionError(String key, ObjectNode section) {
        List<String> keys = new java.util.ArrayList<>();
        section.fieldNames().forEachRemaining(k -> keys.add(key + "." + k));
        return new IllegalArgumentException("'" + key + "' is a section, not a value: set its keys"
                + (keys.isEmpty() ? "" : " (" + String.join(", ", keys) + ")"));
    }

    private static boolean isFreeMap(String prefix) {
        return prefix.equals("flink.") || prefix.equals("kafka.properties.");
    }

    private static void apply(ObjectNode tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("an override is KEY=VALUE, got '" + override + "'");
        }
        String key = override.substring(0, eq).trim();
        String value = override.substring(eq + 1);
        String[] parts;
        if (key.startsWith("flink.")) {
            parts = new String[] {"flink", key.substring("flink.".length())};
        } else if (key.startsWith("kafka.properties.")) {
            parts = new String[] {"kafka", "properties", key.substring("kafka.properties.".length())};
        } else {
            parts = key.split("\\.");
        }
        ObjectNode node = tree;
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof ObjectNode childObject)) {
                throw new IllegalArgumentException("unknown setting '" + key + "'");
            }
            prefix.append(parts[i]).append('.');
            node = childObject;
        }
        String last = parts[parts.length - 1];
        if (!node.has(last) && !isFreeMap(prefix.toString())) {
            throw new IllegalArgumentException("unknown setting '" + key + "'");
        }
        if (node.get(last) instanceof ObjectNode section && !isFreeMap(prefix + last + ".")) {
            throw sectionError(key, section);
        }
        node.set(last, scalar(value));
    }

    /** YAML's reading of a scalar: numbers, booleans and null as such, a flow list of them ([0, 1]), the rest as text. */
    private static JsonNode scalar(String value) {
        try {
            JsonNode parsed = YAML.readTree(value);
            if (parsed != null && (parsed.isValueNode() || isListOfValues(parsed))) {
                return parsed;
            }
        } catch (JsonProcessingException e) {
            // Not a YAML scalar (e.g. a colon inside): plain text.
        }
        return new TextNode(value);
    }
}
