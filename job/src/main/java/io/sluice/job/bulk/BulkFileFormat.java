package io.sluice.job.bulk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import org.apache.flink.core.fs.Path;

/**
 * The file formats of bulk jobs: JSON lines, or Avro container files (PromptRequest records in, Completion
 * and DeadLetter records out). {@code auto} chooses by the input's file extension.
 */
public enum BulkFileFormat {
    JSONL("jsonl", ".jsonl"),
    AVRO("avro", ".avro");

    private final String configName;
    private final String extension;

    BulkFileFormat(String configName, String extension) {
        this.configName = configName;
        this.extension = extension;
    }

    public String configName() {
        return configName;
    }

    /** The extension of the part files it writes, with its dot. */
    public String extension() {
        return extension;
    }

    /** A setting's value: {@code jsonl}, {@code avro}, or {@code auto} (null). */
    public static BulkFileFormat parse(String setting, String value) {
        String v = value == null ? "auto" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "auto" -> null;
            case "jsonl", "json" -> JSONL;
            case "avro" -> AVRO;
            default -> throw new IllegalArgumentException(setting + " must be auto, jsonl or avro, got " + value);
        };
    }

    /**
     * The format of an input by its files' extension: {@code .avro} files are Avro, any other JSON lines. A
     * directory must not mix the two.
     */
    public static BulkFileFormat detect(String input) {
        List<Path> files;
        try {
            files = InputFiles.list(input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long avro = files.stream().filter(f -> f.getName().toLowerCase(Locale.ROOT).endsWith(".avro")).count();
        if (avro > 0 && avro < files.size()) {
            throw new IllegalArgumentException("bulk.input " + input + " holds .avro files and other files: keep one"
                    + " format per input, or set bulk.format");
        }
        return avro > 0 ? AVRO : JSONL;
    }
}
