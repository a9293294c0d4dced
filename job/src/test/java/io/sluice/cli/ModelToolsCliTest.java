package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.gguf.GgmlType;
import io.sluice.gguf.GgufFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice synth} and {@code sluice quantize} through the command line's entry point. */
class ModelToolsCliTest {

    static final Path SHAKESPEARE = Path.of("../models/shakespeare.gguf");
    static final Path STORIES = Path.of("../gpu-runtime/src/test/resources/models/stories260K.gguf");

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    private int run(String... args) {
        return cli.run(args);
    }

    private String stderr() {
        return cli.stderr();
    }

    @Test
    void synthWritesAReadableModel() {
        Path file = dir.resolve("tiny.gguf");
        int code = run("synth", "--dim", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "128",
                "--vocab", "300", "--context", "256", "--type", "q8_0", "--seed", "3", "--out", file.toString());
        assertEquals(0, code, stderr());
        assertTrue(cli.stdout().contains("21 tensors"), cli.stdout());
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals("llama", f.metadata().architecture());
            assertEquals(2, f.metadata().getInt("llama.attention.head_count_kv"));
            assertEquals(256, f.metadata().getInt("llama.context_length"));
            assertEquals(GgmlType.Q8_0, f.tensor("blk.1.ffn_down.weight").type());
            assertEquals(300, f.tensor("output.weight").rows());
        }
    }

    /** A mix quantize writes, and the output file as the first argument (as --out). */
    @Test
    void synthWritesQuantizesMixesToAFileNamedFirst() {
        Path file = dir.resolve("mix.gguf");
        assertEquals(0, run("synth", file.toString(), "--dim", "256", "--layers", "8", "--heads", "4", "--ffn", "512",
                "--vocab", "300", "--type", "q4_k_m"), stderr());
        assertTrue(cli.stdout().startsWith("wrote " + file + ": 75 tensors, Q4_K_M (Q4_K 49, Q6_K 9 matrices),"),
                cli.stdout());
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(15, f.metadata().getInt("general.file_type"));
            assertEquals(GgmlType.Q6_K, f.tensor("output.weight").type());
            assertEquals(GgmlType.Q6_K, f.tensor("blk.0.attn_v.weight").type());
            assertEquals(GgmlType.Q4_K, f.tensor("blk.1.attn_v.weight").type());
            assertEquals(GgmlType.Q4_K, f.tensor("token_embd.weight").type());
        }
        for (String type : new String[] {"Q5_K_M", "Q4_K", "Q5_K", "Q6_K"}) {
            Path each = dir.resolve(type + ".gguf");
            assertEquals(0, run("synth", "--dim", "256", "--layers", "1", "--heads", "4", "--ffn", "256",
                    "--type", type, "--out", each.toString()), stderr());
            try (GgufFile f = GgufFile.open(each)) {
                assertEquals(GgmlType.valueOf(type.replace("_M", "")), f.tensor("blk.0.ffn_up.weight").type());
            }
        }
    }

    @Test
    void synthCopiesAVocabulary() {
        Path file = dir.resolve("vocab.gguf");
        assertEquals(0, run("synth", "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--type", "Q4_0",
                "--vocab-from", STORIES.toString(), "--out", file.toString()), stderr());
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(512, f.metadata().getStringArray("tokenizer.ggml.tokens").length);
        }
    }

    @Test
    void synthUserErrors() {
        String outFile = dir.resolve("x.gguf").toString();
        assertUserError("dim 64 is not divisible by heads 5", "synth", "--dim", "64", "--layers", "1", "--heads",
                "5", "--ffn", "64", "--out", outFile);
        assertUserError("unknown type 'q5'", "synth", "--dim", "64", "--layers", "1", "--heads", "4", "--ffn", "64",
                "--type", "q5", "--out", outFile);
        assertUserError("multiples of 32", "synth", "--dim", "64", "--layers", "1", "--heads", "4", "--ffn", "100",
                "--type", "Q8_0", "--out", outFile);
        assertUserError("Q5_K_M needs dim and ffn to be multiples of 256 (dim 64, ffn 256)", "synth", outFile,
                "--dim", "64", "--layers", "1", "--heads", "4", "--ffn", "256", "--type", "Q5_K_M");
        assertUserError("unknown type 'Q5_1' (expected F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M)",
                "synth", outFile, "--dim", "64", "--layers", "1", "--heads", "4", "--ffn", "64", "--type", "Q5_1");
        assertUserError("two output files: " + outFile + " and --out " + dir.resolve("y.gguf") + "; give one",
                "synth", outFile, "--dim", "64", "--layers", "1", "--heads", "4", "--ffn", "64",
                "--out", dir.resolve("y.gguf").toString());
        assertUserError("no such file", "synth", "--dim", "64", "--layers", "1", "--heads", "4", "--ffn", "64",
                "--vocab-from", dir.resolve("missing.gguf").toString(), "--out", outFile);
        assertUserError("the output file is missing: sluice synth OUT.gguf --dim ... (or --out OUT.gguf)", "synth",
                "--dim", "64", "--layers", "1", "--heads", "4", "--ffn", "64");
        assertUserError("no such directory", "synth", "--dim", "64", "--layers", "1", "--heads", "4", "--ffn", "64",
                "--out", dir.resolve("nodir/x.gguf").toString());
        assertTrue(Files.notExists(Path.of(outFile)));
    }

    @Test
    void synthRefusesNegativeSizesAndWhatTheDiskCannotHold() {
        String outFile = dir.resolve("x.gguf").toString();
        assertUserError("ffn must be positive, not -1", "synth", "--dim", "64", "--layers", "1", "--heads", "4",
                "--ffn", "-1", "--out", outFile);
        assertUserError("vocab must be positive, not -5", "synth", "--dim", "64", "--layers", "1", "--heads", "4",
                "--ffn", "64", "--vocab", "-5", "--out", outFile);
        assertUserError("kv-heads must be positive, not 0", "synth", "--dim", "64", "--layers", "1", "--heads", "4",
                "--kv-heads", "0", "--ffn", "64", "--out", outFile);
        long start = System.nanoTime();
        assertUserError("TB but only", "synth", "--dim", "4096", "--layers", "2000000000",
                "--heads", "32", "--ffn", "16384", "--out", outFile);
        assertTrue(stderr().contains("are free in " + dir.toAbsolutePath()), stderr());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "refused at once");
        assertTrue(Files.notExists(Path.of(outFile)));
        assertTrue(Files.notExists(Path.of(outFile + ".tmp")));
    }

    @Test
    void synthAndQuantizeNeverReplaceADeviceOrPipe() throws Exception {
        Path fifo = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertUserError("--out " + fifo + " is not a regular file", "synth", "--dim", "64", "--layers", "1",
                "--heads", "4", "--ffn", "64", "--out", fifo.toString());
        assertUserError(fifo + " is not a regular file", "quantize", SHAKESPEARE.toString(), fifo.toString(), "Q8_0");
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "still the pipe");
        assertUserError(dir + " is a directory: name the GGUF file to write", "quantize", SHAKESPEARE.toString(),
                dir.toString(), "Q8_0");
        assertUserError("--out needs a file name", "synth", "--dim", "64", "--layers", "1", "--heads", "4",
                "--ffn", "64", "--out", "");
    }

    @Test
    void synthSaysTheSizeFirstAndLeavesNoTmpFileWhenKilled() throws Exception {
        Path out = dir.resolve("big.gguf");
        Path tmp = dir.resolve("big.gguf.tmp");
        // about 3 GB: minutes to write, so the signal lands mid-write
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SluiceCli.class.getName(), "synth", "--dim", "2048",
                "--layers", "16", "--heads", "16", "--ffn", "5632", "--out", out.toString())
                .redirectError(dir.resolve("err.txt").toFile()).redirectOutput(dir.resolve("out.txt").toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!(Files.exists(tmp) && Files.size(tmp) > 0) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(tmp), "the write started: " + Files.readString(dir.resolve("err.txt")));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(Files.notExists(tmp), "half a file left behind");
        assertTrue(Files.notExists(out));
        String err = Files.readString(dir.resolve("err.txt"));
        assertTrue(err.contains("synth: writing " + out + " (3."), err);
    }

    @Test
    void quantizeWritesAReadableModel() throws IOException {
        Path file = dir.resolve("shakespeare-q4.gguf");
        assertEquals(0, run("quantize", SHAKESPEARE.toString(), file.toString(), "Q4_0"), stderr());
        assertTrue(cli.stdout().contains("44 matrices (Q4_0 44)"), cli.stdout());
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(2, f.metadata().getInt("general.file_type"));
            assertEquals(GgmlType.Q4_0, f.tensor("token_embd.weight").type());
            assertEquals(GgmlType.F32, f.tensor("output_norm.weight").type());
        }
        assertTrue(Files.size(file) < Files.size(SHAKESPEARE) / 5);
    }

    @Test
    void quantizeToTheQ4KMixThenGenerate() throws IOException {
        Path file = dir.resolve("shakespeare-q4km.gguf");
        assertEquals(0, run("quantize", SHAKESPEARE.toString(), file.toString(), "q4_k_m"), stderr());
        // dim 192: llama.cpp's fallbacks for rows that are not multiples of 256 (see KQuantModelTest).
        assertTrue(cli.stdout().contains("(Q4_K_M): 44 matrices (Q5_0 35, Q4_K 4, Q8_0 3, Q6_K 2), 0 kept F32"),
                cli.stdout());
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(15, f.metadata().getInt("general.file_type"));
        }
        assertEquals(0, run("generate", "--model", file.toString(), "--prompt", "ROMEO:", "--max-tokens", "12",
                "--json"), stderr());
        assertTrue(cli.stdout().contains("\"completion_tokens\":12"), cli.stdout());
    }

    @Test
    void quantizeUserErrors() throws IOException {
        String outFile = dir.resolve("o.gguf").toString();
        assertUserError("no such file", "quantize", dir.resolve("missing.gguf").toString(), outFile, "Q8_0");
        assertUserError("unknown type 'Q3_K' (expected F32, F16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M)",
                "quantize", SHAKESPEARE.toString(), outFile, "Q3_K");
        assertUserError("TYPE", "quantize", SHAKESPEARE.toString(), outFile);
        Path corrupt = dir.resolve("corrupt.gguf");
        Files.write(corrupt, "not a model".getBytes(StandardCharsets.US_ASCII));
        assertUserError("not a GGUF file", "quantize", corrupt.toString(), outFile, "Q8_0");
        Path q4 = dir.resolve("q4.gguf");
        assertEquals(0, run("quantize", STORIES.toString(), q4.toString(), "Q4_0"), stderr());
        assertUserError("already Q4_0; quantize from an F32, F16 or BF16 file (or allow requantizing)", "quantize",
                q4.toString(), outFile, "Q8_0");
        assertEquals(0, run("quantize", "--allow-requantize", q4.toString(), outFile, "Q8_0"), stderr());
        Files.delete(Path.of(outFile));
        assertUserError("is the input file", "quantize", q4.toString(), q4.toString(), "Q8_0");
        assertTrue(Files.notExists(Path.of(outFile)));
    }

    private void assertUserError(String fragment, String... args) {
        int code = run(args);
        String message = stderr();
        assertEquals(2, code, message);
        assertTrue(message.startsWith("sluice: "), message);
        assertTrue(message.contains(fragment), "'" + message + "' should mention '" + fragment + "'");
        assertTrue(!message.contains("\tat "), "no stack trace: " + message);
    }
}
