package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.job.bulk.BulkFileFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BulkConfigTest {

    private static JobConfig bulk(Path input, String... more) {
        List<String> settings = new java.util.ArrayList<>(List.of("mode=bulk", "bulk.input=" + input,
                "bulk.output=out"));
        settings.addAll(List.of(more));
        return JobConfigLoader.load(null, settings);
    }

    @Test
    void theFormatFollowsTheExtensionUnlessSet(@TempDir Path dir) throws Exception {
        Path avro = Files.createFile(dir.resolve("a.avro"));
        Path jsonl = Files.createFile(dir.resolve("b.jsonl"));
        assertEquals(BulkFileFormat.AVRO, bulk(avro).bulk().inputFileFormat());
        assertEquals(BulkFileFormat.AVRO, bulk(avro).bulk().outputFileFormat());
        assertEquals(BulkFileFormat.JSONL, bulk(jsonl).bulk().inputFileFormat());
        assertEquals(BulkFileFormat.AVRO, bulk(jsonl, "bulk.output-format=avro").bulk().outputFileFormat());
        assertEquals(BulkFileFormat.JSONL, bulk(avro, "bulk.format=jsonl").bulk().inputFileFormat());
        assertEquals("bulk.input " + dir + " holds .avro files and other files: keep one format per input, or set"
                + " bulk.format", assertThrows(IllegalArgumentException.class,
                        () -> bulk(dir).bulk().inputFileFormat()).getMessage());
        Files.delete(jsonl);
        assertEquals(BulkFileFormat.AVRO, bulk(dir).bulk().inputFileFormat());
    }

    @Test
    void anUnknownFormatNamesTheSetting() {
        assertEquals("bulk.output-format must be auto, jsonl or avro, got parquet",
                assertThrows(IllegalArgumentException.class,
                        () -> bulk(Path.of("in.jsonl"), "bulk.output-format=parquet")).getMessage());
    }
}
