package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.cli.SluiceCli;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulk jobs over files, as {@code ./sluice run --bulk-input --bulk-output} runs them: Avro container files of
 * PromptRequests in, Avro Completion and DeadLetter files out (read back with the schema classes); and a run
 * cut short — records finished, one half written, dead letters never written — resumes on a rerun with every
 * request answered exactly once, in both Avro and JSON lines.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BulkFilesEndToEndTest {
    @RegisterExtension
    final ConsoleCapture console = ConsoleCapture.withSluiceHome();

    private int run(Path input, Path output, String... more) {
        console.reset();
        List<String> args = new ArrayList<>(List.of("run", "--bulk-input", input.toString(), "--bulk-output",
                output.toString(), "--set", "micro-batch.max-requests=4"));
        args.addAll(List.of(more));
        return SluiceCli.execute(args.toArray(String[]::new));
    }

    private static List<PromptRequest> requests() {
        List<PromptRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(Requests.ids("good-" + i, i, 4, 0.7f));
        }
        PromptRequest empty = Requests.ids("bad-empty", 7, 4, 0.7f);
        empty.setPromptIds(List.of());
        requests.add(2, empty);
        PromptRequest zero = Requests.ids("bad-zero-tokens", 8, 4, 0.7f);
        zero.getSampling().setMaxTokens(0);
        requests.add(5, zero);
        PromptRequest unknown = Requests.ids("bad-model", 9, 4, 0.7f);
        unknown.setModel("no-such-model");
        requests.add(unknown);
        return requests;
    }

    private static final Map<String, String> EXPECTED_DEAD = Map.of("bad-empty", "EMPTY_PROMPT",
            "bad-zero-tokens", "INVALID_PARAMETERS", "bad-model", "UNKNOWN_MODEL");

    @Test
    void avroFilesInAvroFilesOutAndARerunResumes(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("prompts.avro");
        List<PromptRequest> requests = requests();
        try (DataFileWriter<PromptRequest> writer = new DataFileWriter<>(new SpecificDatumWriter<>(PromptRequest.class))) {
            writer.setCodec(org.apache.avro.file.CodecFactory.deflateCodec(6));
            writer.setSyncInterval(1024); // several blocks
            writer.create(PromptRequest.getClassSchema(), input.toFile());
            requests.forEach(r -> append(writer, r));
        }
        Path output = dir.resolve("out");
        assertEquals(0, run(input, output), console.err());
        assertEquals("run: 6 completions, 3 dead letters in " + output.toAbsolutePath(),
                console.out().strip());

        Path completionsFile = output.resolve("completions/part-0.avro");
        List<Completion> completions = read(completionsFile, Completion.class);
        assertEquals(List.of("good-0", "good-1", "good-2", "good-3", "good-4", "good-5"),
                completions.stream().map(Completion::getRequestId).sorted().toList());
        assertTrue(completions.stream().allMatch(c -> c.getTokenIds().size() == 4 && c.getModel().equals("shakespeare")));
        assertEquals("e2e", completions.get(0).getAttributes().get("suite"));

        Path deadFile = output.resolve("dead-letters/part-0.avro");
        List<DeadLetter> dead = read(deadFile, DeadLetter.class);
        Map<String, String> reasons = new TreeMap<>();
        for (DeadLetter d : dead) {
            reasons.put(d.getRequestId(), d.getErrorCode());
            assertEquals(input.toAbsolutePath().toString(), d.getTopic());
            // the offset is the record's number in the file, and the original bytes are that record exactly
            PromptRequest original = requests.get((int) d.getOffset() - 1);
            assertEquals(original.getRequestId(), d.getRequestId());
            assertArrayEquals(AvroCodec.PROMPT_REQUEST.encode(original), bytes(d.getOriginal()));
        }
        assertEquals(new TreeMap<>(EXPECTED_DEAD), reasons);

        // A run killed while writing: two completions finished, the third half written, no dead letters yet.
        byte[] full = Files.readAllBytes(completionsFile);
        rewrite(completionsFile, completions.subList(0, 2), Completion.class);
        int finished = (int) Files.size(completionsFile);
        Files.write(completionsFile, java.util.Arrays.copyOfRange(full, finished, finished + 9),
                StandardOpenOption.APPEND);
        Files.delete(deadFile);

        assertEquals(0, run(input, output), console.err());
        assertTrue(console.err().contains("run: resuming: " + output.toAbsolutePath()
                + " already holds 2 completions and 0 dead letters"), console.err());
        assertEquals("run: 6 completions, 3 dead letters in " + output.toAbsolutePath(),
                console.out().strip());
        List<Completion> resumed = read(completionsFile, Completion.class);
        assertEquals(completions.stream().map(Completion::getRequestId).sorted().toList(),
                resumed.stream().map(Completion::getRequestId).sorted().toList(), "each request once");
        assertEquals(completions.subList(0, 2), resumed.subList(0, 2), "the finished ones were kept, not redone");
        assertEquals(new TreeMap<>(EXPECTED_DEAD), new TreeMap<>(read(deadFile, DeadLetter.class).stream()
                .collect(java.util.stream.Collectors.toMap(DeadLetter::getRequestId, DeadLetter::getErrorCode))));

        // Everything answered: a third run does nothing and adds nothing.
        assertEquals(0, run(input, output), console.err());
        assertEquals(6, read(completionsFile, Completion.class).size());
        assertEquals(3, read(deadFile, DeadLetter.class).size());
    }

    @Test
    void jsonLinesResumeAfterAPartlyWrittenLineAndUndecodableLinesAreNotDeadLetteredTwice(@TempDir Path dir)
            throws Exception {
        Path input = dir.resolve("prompts.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"request_id\": \"j1\", \"prompt\": \"ROMEO:\", \"sampling\": {\"max_tokens\": 4}}",
                "{\"request_id\": \"j2\", \"prompt_ids\": [1, 957], \"sampling\": {\"max_tokens\": 4}}",
                "not json at all",
                "{\"request_id\": \"j3\", \"prompt\": \"JULIET:\", \"sampling\": {\"max_tokens\": 4}}",
                "{\"request_id\": \"j4\", \"prompt\": \"HAMLET:\", \"sampling\": {\"max_tokens\": 4}}") + "\n");
        Path output = dir.resolve("out");
        assertEquals(0, run(input, output), console.err());
        Path completions = output.resolve("completions/part-0.jsonl");
        List<String> lines = Files.readAllLines(completions);
        assertEquals(4, lines.size());

        Files.writeString(completions, lines.get(0) + "\n" + lines.get(1).substring(0, 30));
        assertEquals(0, run(input, output), console.err());
        assertEquals("run: 4 completions, 1 dead letters in " + output.toAbsolutePath(),
                console.out().strip());
        ObjectMapper json = new ObjectMapper();
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(completions)) {
            ids.add(json.readTree(line).get("request_id").asText());
        }
        assertEquals(List.of("j1", "j2", "j3", "j4"), ids.stream().sorted().toList());
        List<String> dead = Files.readAllLines(output.resolve("dead-letters/part-0.jsonl"));
        assertEquals(1, dead.size(), "the undecodable line once: " + dead);
        assertEquals(3, json.readTree(dead.get(0)).get("offset").asInt());
    }

    @Test
    void oneRequestsFileRunsAsABulkJobAndAsABatchWithTheSameTokens(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("prompts.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"request_id\": \"s1\", \"prompt\": \"ROMEO:\", \"sampling\": {\"max_tokens\": 6}}",
                "{\"request_id\": \"s2\", \"prompt_ids\": [1, 957], \"sampling\": {\"max_tokens\": 6, "
                        + "\"temperature\": 0.9, \"top_k\": 0, \"repetition_penalty\": 1.2, \"seed\": 5}, "
                        + "\"priority\": 3}",
                "{\"id\": \"old\", \"prompt\": \"JULIET:\", \"max_tokens\": 6}") + "\n");
        Path output = dir.resolve("out");
        assertEquals(0, run(input, output), console.err());
        ObjectMapper json = new ObjectMapper();
        Map<String, String> bulk = new TreeMap<>();
        for (String line : Files.readAllLines(output.resolve("completions/part-0.jsonl"))) {
            bulk.put(json.readTree(line).get("request_id").asText(), json.readTree(line).get("token_ids").toString());
        }
        List<String> dead = Files.readAllLines(output.resolve("dead-letters/part-0.jsonl"));
        assertEquals(1, dead.size(), dead.toString());
        assertEquals("WRONG_SCHEMA", json.readTree(dead.get(0)).get("error_code").asText());
        assertEquals("field 'id' is not part of the request format; use 'request_id'",
                json.readTree(dead.get(0)).get("error_message").asText());

        // the same file through batch: the same tokens (same defaults, same seed from the request_id), and the
        // old-format line ends the run with the same words
        console.reset();
        Path batchOutput = dir.resolve("batch.jsonl");
        assertEquals(2, SluiceCli.execute("batch", "--model", TestPaths.root().resolve("models/shakespeare.gguf")
                .toString(), "--input", input.toString(), "--output", batchOutput.toString(), "--no-progress"));
        Map<String, String> batch = new TreeMap<>();
        for (String line : Files.readAllLines(batchOutput)) {
            batch.put(json.readTree(line).get("request_id").asText(), json.readTree(line).get("token_ids").toString());
        }
        assertEquals(2, bulk.size(), bulk.toString());
        assertEquals(bulk, batch);
        List<String> err = console.err().strip().lines().toList(); // the engine's log lines may come first
        assertEquals("sluice: line 3: field 'id' is not part of the request format; use 'request_id'",
                err.get(err.size() - 1), console.err());
    }

    @Test
    void aFileThatIsNotAPromptRequestAvroFileIsOneLine(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("completions.avro");
        try (DataFileWriter<Completion> writer = new DataFileWriter<>(new SpecificDatumWriter<>(Completion.class))) {
            writer.create(Completion.getClassSchema(), input.toFile());
        }
        assertEquals(2, run(input, dir.resolve("out")));
        assertEquals("sluice: bulk.input " + input.toAbsolutePath() + " holds io.sluice.schemas.Completion records,"
                + " not io.sluice.schemas.PromptRequest", console.err().strip());
    }

    private static void append(DataFileWriter<PromptRequest> writer, PromptRequest r) {
        try {
            writer.append(r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static <T extends SpecificRecordBase> List<T> read(Path file, Class<T> type) throws IOException {
        List<T> records = new ArrayList<>();
        try (DataFileReader<T> reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(type))) {
            reader.forEach(records::add);
        }
        return records;
    }

    /** A file holding these records, one block each, as the job writes them. */
    private static <T extends SpecificRecordBase> void rewrite(Path file, List<T> records, Class<T> type)
            throws IOException {
        File f = file.toFile();
        try (DataFileWriter<T> writer = new DataFileWriter<>(new SpecificDatumWriter<>(type))) {
            writer.create(records.get(0).getSchema(), f);
            for (T r : records) {
                writer.append(r);
                writer.flush();
            }
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
