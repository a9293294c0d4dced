package io.sluice.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.Completion;
import io.sluice.engine.EngineConfig;
import io.sluice.engine.EngineException;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.LlamaEngine;
import io.sluice.model.LlamaModel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice batch}: offline bulk generation from a JSONL file to a JSONL file. Each valid input line
 * becomes a request; an invalid one (bad JSON, ids outside the vocabulary, negative max_tokens ...) becomes
 * an {@code {"id", "error"}} line and the rest of the file still runs. Output lines are written as requests
 * complete (so in completion order) and flushed one by one. Rerunning with an existing output file resumes:
 * ids already answered (results and errors alike) are skipped, and a partly written last line is cut off.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Generate completions for every line of a JSONL file.")
final class BatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    SpeculationOptions speculation;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "GGUF model file.")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "One request per line.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl", description = "One result per line (appended to: resumes).")
    Path output;

    @Option(names = "--concurrency", defaultValue = "16", description = "Requests in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--kv-8bit", description = "Store the KV cache as 8-bit blocks.")
    boolean kv8bit;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    private final ObjectMapper mapper = new ObjectMapper();

    /** A line of the input: a request, or the error that makes it invalid. */
    private record Line(String id, GenerationRequest request, String error) {
    }

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new UserError("no such file: " + model);
        }
        if (!Files.isRegularFile(input)) {
            throw new UserError("no such file: " + input);
        }
        if (concurrency <= 0) {
            throw new UserError("--concurrency must be > 0, got " + concurrency);
        }
        Set<String> answered = repairAndReadAnswered(output);
        List<Line> lines = readInput();
        List<Line> todo = lines.stream().filter(l -> !answered.contains(l.id())).toList();
        int skipped = lines.size() - todo.size();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        try (BufferedWriter writer = Files.newBufferedWriter(output, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            EngineConfig config = speculation.apply(EngineConfig.builder(model).maxSequences(concurrency)
                    .kv8bit(kv8bit)).build();
            try (LlamaModel m = LlamaModel.load(model);
                 LlamaEngine engine = new LlamaEngine(m, config, false);
                 ProgressBar bar = progressBar(todo.size())) {
                Semaphore slots = new Semaphore(concurrency);
                AtomicLong tokens = new AtomicLong();
                long start = System.nanoTime();
                List<CompletableFuture<?>> pending = new ArrayList<>();
                for (Line line : todo) {
                    if (line.error() != null) {
                        write(writer, errorLine(line.id(), line.error()));
                        failed.incrementAndGet();
                        step(bar, tokens, start);
                        continue;
                    }
                    slots.acquire();
                    pending.add(engine.submit(line.request()).handle((c, e) -> {
                        try {
                            if (e == null) {
                                write(writer, resultLine(c));
                                ok.incrementAndGet();
                                tokens.addAndGet(c.completionTokens());
                            } else {
                                write(writer, errorLine(line.id(), message(e)));
                                failed.incrementAndGet();
                            }
                            step(bar, tokens, start);
                        } finally {
                            slots.release();
                        }
                        return null;
                    }));
                }
                for (CompletableFuture<?> f : pending) {
                    f.join();
                }
            }
        }
        spec.commandLine().getErr().printf("batch: %d completed, %d errors, %d already answered%n", ok.get(),
                failed.get(), skipped);
        return 0;
    }

    private ProgressBar progressBar(int total) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName("batch").setInitialMax(total).setUnit(" req", 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().continuousUpdate();
        if (noProgress) {
            b.setConsumer(new me.tongfei.progressbar.DelegatingProgressBarConsumer(s -> { }));
        } else {
            // a fixed width: asking the terminal would make jline open it, which stdout must not see
            b.setConsumer(new ConsoleProgressBarConsumer(new PrintStream(
                    new WriterOutputStream(spec.commandLine().getErr()), true, StandardCharsets.UTF_8), barWidth()));
        }
        return b.build();
    }

    private static int barWidth() {
        try {
            return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100").trim()) - 1);
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    private static void step(ProgressBar bar, AtomicLong tokens, long start) {
        synchronized (bar) {
            double seconds = (System.nanoTime() - start) / 1e9;
            bar.setExtraMessage(String.format(" %.1f tok/s", seconds > 0 ? tokens.get() / seconds : 0.0));
            bar.step();
        }
    }

    private static String message(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof EngineException ee) {
            return ee.code().name() + ": " + ee.getMessage();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private void write(BufferedWriter writer, String line) {
        synchronized (writer) {
            try {
                writer.write(line);
                writer.write('\n');
                writer.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private String resultLine(Completion c) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", c.requestId());
        return CompletionJson.putResult(o, c).toString();
    }

    private String errorLine(String id, String error) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("error", error);
        return o.toString();
    }

    /**
     * The ids the output file already answers. A last line without its newline was cut short by an
     * interrupted run: it is removed, so that its request runs again.
     */
    private Set<String> repairAndReadAnswered(Path file) throws IOException {
        Set<String> ids = new HashSet<>();
        if (!Files.exists(file)) {
            return ids;
        }
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (end < bytes.length) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(end);
            }
            spec.commandLine().getErr().printf("batch: removed a partly written last line of %s%n", file);
        }
        for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = mapper.readTree(line);
                if (node.hasNonNull("id")) {
                    ids.add(node.get("id").asText());
                }
            } catch (JsonProcessingException e) {
                throw new UserError("output file " + file + " has a line that is not JSON: " + abbreviate(line));
            }
        }
        return ids;
    }

    private List<Line> readInput() throws IOException {
        List<Line> lines = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int number = 0;
        for (String text : Files.readAllLines(input, StandardCharsets.UTF_8)) {
            number++;
            if (text.isBlank()) {
                continue;
            }
            Line line = parse(text, number);
            if (line.error() == null && !seen.add(line.id())) {
                // reported under the line's number: the id itself belongs to the first line that has it
                line = new Line("line-" + number, null, "line " + number + ": duplicate id '" + line.id() + "'");
            }
            lines.add(line);
        }
        return lines;
    }

    private Line parse(String text, int number) {
        String fallbackId = "line-" + number;
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            return new Line(fallbackId, null, "line " + number + ": not valid JSON");
        }
        if (node == null || !node.isObject()) {
            return new Line(fallbackId, null, "line " + number + ": not a JSON object");
        }
        String id = node.hasNonNull("id") ? node.get("id").asText() : fallbackId;
        try {
            return new Line(id, BatchRequests.fromJson(id, node), null);
        } catch (IllegalArgumentException e) {
            return new Line(id, null, "line " + number + ": " + e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    /** Adapts picocli's error writer to the stream the progress bar wants. */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final java.io.PrintWriter writer;

        WriterOutputStream(java.io.PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            writer.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writer.write(new String(b, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void flush() {
            writer.flush();
        }
    }
}
