package io.sluice.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.sluice.engine.Completion;
import io.sluice.engine.EngineConfig;
import io.sluice.engine.EngineException;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.LlamaEngine;
import io.sluice.model.LlamaModel;
import io.sluice.operators.validate.JsonRequestDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
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
 * {@code sluice batch}: offline bulk generation from a JSONL file (or a pipe such as /dev/stdin) to a JSONL
 * file. Input lines are requests in the one JSON request format ({@link BatchRequests}: the job's, so a file
 * runs here, through {@code sluice produce} and as a bulk job alike). Every input line gets exactly one output
 * line, whatever bytes it holds: a valid request its result, an invalid one (not UTF-8, not one JSON object,
 * ids outside the vocabulary, max_tokens below 1 ...) an {@code {"request_id", "error"}} line, and the rest of the
 * file still runs. The exception is a line in the old flat format (a field such as {@code id} or
 * {@code repeat_penalty}): the whole file is likely in it, so the run ends there, after the requests in flight,
 * with one line naming the replacement (exit 2). A line is answered under its {@code request_id} or, when it
 * has none it can use, under {@code #line:N}, a prefix real ids may not take, so no two lines share an id. Output lines are written as requests complete (so in completion order)
 * and flushed one by one. Rerunning with an existing output file resumes: ids already answered (results and
 * errors alike) are skipped, and a partly written last line is cut off. A write error ends the run (exit 1).
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Generate completions for every line of a JSONL file.")
final class BatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    DeviceOption device;

    @picocli.CommandLine.Mixin
    SpeculationOptions speculation;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "GGUF model file.")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "One JSON request per line, as the job reads them (request_id, prompt, sampling ...).")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl", description = "One result per line (appended to: resumes).")
    Path output;

    @Option(names = "--concurrency", defaultValue = "16", description = "Requests in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    /** Ids that {@code sluice batch} makes up for lines without a usable one: real ids may not start so. */
    static final String LINE_ID_PREFIX = "#line:";

    /**
     * Strings as long as a line may be; a key twice in one object is an error (which "request_id" would
     * count?); NaN and Infinity are read as the job's decoder reads them, so that the checks name them.
     */
    private final ObjectMapper mapper = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(JsonlLines.DEFAULT_MAX_BYTES).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build()).build();

    /**
     * A line of the input: a request, or the error that makes it invalid. {@code key} is the id it is
     * answered under (its own, or {@code #line:N}), {@code id} the same as it goes into the output.
     */
    private record Line(String key, JsonNode id, GenerationRequest request, String error, boolean endsRun) {
        static Line error(long number, String message) {
            String key = LINE_ID_PREFIX + number;
            return new Line(key, TextNode.valueOf(key), null, "line " + number + ": " + message, false);
        }

        static Line formerFormat(long number, String message) {
            return new Line(null, null, null, "line " + number + ": " + message, true);
        }
    }

    @Override
    public Integer call() throws Exception {
        CliFiles.requireFile(model, "model file");
        CliFiles.requireReadable(input, "--input");
        if (Files.isDirectory(output)) {
            throw new UserError("--output " + output + " is a directory");
        }
        if (Files.exists(output) && Files.exists(input) && Files.isSameFile(input, output)) {
            throw new UserError("--output " + output + " is the input file: give another file for the results");
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UserError("no such directory: " + parent);
        }
        if (concurrency <= 0) {
            throw new UserError("--concurrency must be > 0, got " + concurrency);
        }
        Set<String> answered = BatchOutput.answeredIds(output, spec.commandLine().getErr());
        long total = Files.isRegularFile(input) ? countLines(input) : -1;
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long skipped = 0;
        String stoppedBy = null;
        EngineConfig config = speculation.apply(device.apply(EngineConfig.builder(model)).maxSequences(concurrency))
                .build();
        // the model loads before the output opens: a model that cannot load leaves no empty output file
        try (LlamaModel m = device.load(model);
             BatchOutput out = BatchOutput.append(output)) {
            try (LlamaEngine engine = DeviceOption.engine(m, config);
                 ProgressBar bar = progressBar(total);
                 JsonlLines lines = new JsonlLines(Files.newInputStream(input))) {
                Semaphore slots = new Semaphore(concurrency);
                AtomicLong tokens = new AtomicLong();
                long start = System.nanoTime();
                Map<String, CompletableFuture<?>> pending = new ConcurrentHashMap<>();
                Set<String> seen = new HashSet<>();
                for (JsonlLines.Line raw = lines.next(); raw != null && out.failure() == null; raw = lines.next()) {
                    Line line = parse(raw, seen);
                    if (line != null && line.endsRun()) {
                        stoppedBy = line.error();
                        break;
                    }
                    if (line == null || answered.contains(line.key())) {
                        skipped += line == null ? 0 : 1;
                        step(bar, tokens, start);
                        continue;
                    }
                    if (line.error() != null) {
                        out.write(errorLine(line.id(), line.error()));
                        failed.incrementAndGet();
                        step(bar, tokens, start);
                        continue;
                    }
                    slots.acquire();
                    CompletableFuture<?> f = engine.submit(line.request()).handle((c, e) -> {
                        try {
                            if (e == null) {
                                out.write(resultLine(line.id(), c));
                                ok.incrementAndGet();
                                tokens.addAndGet(c.completionTokens());
                            } else {
                                out.write(errorLine(line.id(), message(e)));
                                failed.incrementAndGet();
                            }
                            step(bar, tokens, start);
                        } finally {
                            pending.remove(line.key());
                            slots.release();
                        }
                        return null;
                    });
                    pending.put(line.key(), f);
                    if (f.isDone()) {
                        pending.remove(line.key());
                    }
                }
                if (out.failure() != null) {
                    // nothing more can be written: stop the requests in flight instead of finishing them
                    pending.keySet().forEach(engine::cancel);
                }
                for (CompletableFuture<?> f : List.copyOf(pending.values())) {
                    f.join();
                }
            }
            if (console != null) {
                console.ensureClosed();
            }
            if (out.failure() != null) {
                throw new OutputError(out.describeFailure());
            }
        }
        if (stoppedBy != null) {
            throw new UserError(stoppedBy);
        }
        spec.commandLine().getErr().printf("batch: %d completed, %d errors, %d already answered%n", ok.get(),
                failed.get(), skipped);
        return 0;
    }

    /** Lines of a regular file, for the progress bar (a pipe is read once, without a total). */
    private static long countLines(Path file) throws IOException {
        long count = 0;
        boolean partial = false;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        count++;
                    }
                }
                partial = buf[n - 1] != '\n';
            }
        }
        return count + (partial ? 1 : 0);
    }

    private ProgressBar progressBar(long total) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName("batch").setInitialMax(total).setUnit(" req", 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().continuousUpdate();
        if (noProgress) {
            b.setConsumer(new me.tongfei.progressbar.DelegatingProgressBarConsumer(s -> { }));
        } else {
            // a fixed width: asking the terminal would make jline open it, which stdout must not see
            console = new ClosingConsole(new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true,
                    StandardCharsets.UTF_8), barWidth());
            b.setConsumer(console);
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

    private ObjectNode resultLine(JsonNode id, Completion c) {
        ObjectNode o = mapper.createObjectNode();
        o.set("request_id", id);
        return CompletionJson.putResult(o, c);
    }

    private ObjectNode errorLine(JsonNode id, String error) {
        ObjectNode o = mapper.createObjectNode();
        o.set("request_id", id);
        o.put("error", error);
        return o;
    }

    /**
     * One input line as a request or an error, under an id that names it alone: its own id when it has a
     * usable one, else {@code #line:N}, which no real id may take. Null for a blank line.
     */
    private Line parse(JsonlLines.Line raw, Set<String> seen) {
        long number = raw.number();
        if (raw.text() == null) {
            return Line.error(number, raw.problem());
        }
        if (raw.text().isBlank()) {
            return null;
        }
        JsonNode node;
        try (JsonParser p = mapper.createParser(raw.text())) {
            node = mapper.readTree(p);
            if (p.nextToken() != null) {
                return Line.error(number, "more than one JSON value on the line (one request per line)");
            }
        } catch (JsonProcessingException e) {
            return Line.error(number, "not valid JSON (" + abbreviate(e.getOriginalMessage()) + ")");
        } catch (IOException e) {
            return Line.error(number, "not readable (" + e.getMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            return Line.error(number, "not a JSON object");
        }
        ObjectNode object = (ObjectNode) node;
        Optional<String> former = JsonRequestDecoder.formerSpelling(object);
        if (former.isPresent()) {
            return Line.formerFormat(number, former.get());
        }
        JsonNode id = object.get("request_id");
        String key;
        if (id == null || !id.isTextual() || id.textValue().isBlank()) {
            // the request's own checks name what is wrong with it
            key = LINE_ID_PREFIX + number;
            id = TextNode.valueOf(key);
        } else {
            key = id.textValue();
            if (key.startsWith(LINE_ID_PREFIX)) {
                return Line.error(number, "ids beginning with '" + LINE_ID_PREFIX + "' are reserved for lines "
                        + "without a usable request_id");
            }
        }
        if (!seen.add(key)) {
            // reported under the line's number: the id itself belongs to the first line that has it
            return Line.error(number, "duplicate request_id " + id);
        }
        try {
            return new Line(key, id, BatchRequests.fromJson(object), null, false);
        } catch (IllegalArgumentException e) {
            return new Line(key, id, null, "line " + number + ": " + e.getMessage(), false);
        }
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        String first = s.lines().findFirst().orElse("");
        return first.length() <= 120 ? first : first.substring(0, 120) + "...";
    }

    /** The visible progress bar's consumer, or null. */
    private ClosingConsole console;

    /**
     * The bar's console, which knows whether the bar ended its line: a bar closed before its first refresh
     * never does (progressbar 0.10), and the summary would be glued to it.
     */
    private static final class ClosingConsole extends ConsoleProgressBarConsumer {
        private volatile boolean closed;

        ClosingConsole(PrintStream out, int width) {
            super(out, width);
        }

        @Override
        public void close() {
            closed = true;
            super.close();
        }

        void ensureClosed() {
            if (!closed) {
                close();
            }
        }
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
