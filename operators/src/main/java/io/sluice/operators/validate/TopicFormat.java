package io.sluice.operators.validate;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How records are written on a topic: the values of {@code kafka.format} and {@code kafka.output-format}. */
public enum TopicFormat {
    /** Avro single-object encoding: C3 01, the writer schema's fingerprint, the binary datum. */
    AVRO("avro", "Avro single-object encoding"),
    /** One JSON object per record, the fields of the schema in snake_case. */
    JSON("json", "a JSON object"),
    /** Confluent's Schema Registry framing: byte 0, a 4-byte schema id, the binary datum. */
    AVRO_CONFLUENT("avro-confluent", "Avro in Schema Registry framing");

    private final String configName;
    private final String description;

    TopicFormat(String configName, String description) {
        this.configName = configName;
        this.description = description;
    }

    /** The name in job.yaml and on the command line. */
    public String configName() {
        return configName;
    }

    /** What a record of this format is, and the setting's name: for dead-letter reasons. */
    public String expected() {
        return "expected " + description + " (format " + configName + ")";
    }

    /** The format of a setting's value; IllegalArgumentException naming the setting and the choices. */
    public static TopicFormat of(String setting, String value) {
        for (TopicFormat f : values()) {
            if (f.configName.equals(value == null ? null : value.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException(setting + " must be " + choices() + ", got " + value);
    }

    public static String choices() {
        return Arrays.stream(values()).map(TopicFormat::configName).collect(Collectors.joining(", "));
    }
}
