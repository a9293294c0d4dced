package io.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.Completion;
import io.sluice.engine.EngineConfig;
import io.sluice.engine.EngineStats;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.LlamaEngine;
import io.sluice.kv.BlockTable;
import io.sluice.kv.KvType;
import io.sluice.model.LlamaModel;
import io.sluice.model.ModelConfig;
import io.sluice.tensor.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice bench}: throughput and latency of the engine at several concurrencies. For each
 * concurrency C it submits C requests at once (random prompts, greedy, EOS ignored) to a fresh engine and
 * reports prefill tokens/s (prompt tokens computed until every request has its first token), aggregate
 * decode tokens/s (tokens generated after that point, over the time they took), TTFT and TPOT percentiles,
 * peak KV memory and the achieved GFLOP/s.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill/decode throughput and latency against concurrency.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "GGUF model file.")
    Path model;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,4,16,32",
            description = "Concurrent requests per run, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    @Option(names = "--prompt-len", defaultValue = "128", description = "Prompt tokens per request (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--gen-len", defaultValue = "64", description = "Generated tokens per request (default: ${DEFAULT-VALUE}).")
    int genLen;

    @Option(names = "--shared-prefix", defaultValue = "0",
            description = "Leading prompt tokens shared by all requests, cached by one warm-up request first"
                    + " (default: ${DEFAULT-VALUE}).")
    int sharedPrefix;

    @Option(names = "--max-batch-tokens", defaultValue = "512", description = "Token budget per step (default: ${DEFAULT-VALUE}).")
    int maxBatchTokens;

    @Option(names = "--no-prefix-cache", description = "Disable prefix caching.")
    boolean noPrefixCache;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random prompts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--warm-up", paramLabel = "SECONDS", defaultValue = "3",
            description = "Unmeasured runs of the measured shape first, for at least this long and until the JIT has been"
                    + " idle for a tenth of it (at most twice as long), so that it has compiled the engine (default:"
                    + " ${DEFAULT-VALUE}; 0: one short round).")
    double warmUpSeconds;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @picocli.CommandLine.Mixin
    DeviceOption device;

    @picocli.CommandLine.Mixin
    SpeculationOptions speculation;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Draw throughput and latency against concurrency.")
    Path plot;

    /** One concurrency's measurements. */
    record Result(int concurrency, double prefillTokS, double decodeTokS, double ttftP50, double ttftP99,
                  double tpotP50, double tpotP99, long kvBytesPeak, double prefillGflops, double decodeGflops,
                  long cachedTokens, double acceptanceRate, double tokensPerStep) {
    }

    @Override
    public Integer call() throws Exception {
        CliFiles.requireFile(model, "model file");
        if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c == null || c <= 0)) {
            throw new UserError("--concurrency needs positive numbers, got " + concurrency);
        }
        if (promptLen <= 0 || genLen <= 0 || sharedPrefix < 0 || sharedPrefix > promptLen) {
            throw new UserError("--prompt-len and --gen-len must be > 0 and --shared-prefix in [0, --prompt-len]");
        }
        if (!(warmUpSeconds >= 0 && warmUpSeconds <= 600)) {
            throw new UserError("--warm-up must be between 0 and 600 seconds, got " + warmUpSeconds);
        }
        if (plot != null && !plot.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
            throw new UserError("--plot writes PNG: give a file name ending in .png, got " + plot);
        }
        if (plot != null) {
            checkPlotTarget(); // before the benchmark, not after minutes of it
        }
        try (LlamaModel m = device.load(model)) {
            ModelConfig mc = m.config();
            if ((long) promptLen + genLen > mc.contextLength()) {
                throw new UserError("--prompt-len + --gen-len = " + ((long) promptLen + genLen)
                        + " exceeds the model's context of " + mc.contextLength());
            }
            if (device.device().kind() == Device.Kind.CPU) {
                checkKvFitsTheHeap(m); // on a GPU the engine sizes the KV cache from the device budget
            }
            warmUp(m);
            List<Result> results = new ArrayList<>();
            for (int c : concurrency) {
                results.add(run(m, c));
                if (!json) {
                    spec.commandLine().getErr().printf("concurrency %d done%n", c);
                }
            }
            long modelBytes = Files.size(model);
            if (json) {
                spec.commandLine().getOut().println(toJson(modelBytes, results));
            } else {
                printTable(modelBytes, results);
            }
            if (plot != null) {
                BenchPlot.write(plot, model.getFileName().toString(), results);
            }
        }
        return 0;
    }

    private void checkPlotTarget() {
        if (Files.isDirectory(plot)) {
            throw new UserError("--plot " + plot + " is a directory");
        }
        Path parent = plot.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UserError("--plot: no such directory: " + parent);
        }
        if (parent != null && !Files.isWritable(parent)) {
            throw new UserError("--plot: cannot write into " + parent + ": permission denied");
        }
    }

    private static final int KV_BLOCK_SIZE = 16;

    /** A KV pool for exactly one run: every sequence's full length, the shared prefix once more, slack. */
    private long kvBytes(LlamaModel m, int c) {
        long blocks = (long) c * BlockTable.blocksFor(promptLen + genLen, KV_BLOCK_SIZE)
                + BlockTable.blocksFor(sharedPrefix + 1, KV_BLOCK_SIZE) + 4
                + (speculation.config().enabled() ? c : 0); // a lookahead block per sequence for drafts
        KvType type = device.kvType();
        return blocks * KV_BLOCK_SIZE * (m.kvBytesPerToken(type) + speculation.draftKvBytesPerToken(type));
    }

    /** The KV cache lives on the heap: say so before the largest run dies of OutOfMemoryError. */
    private void checkKvFitsTheHeap(LlamaModel m) {
        int largest = concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
        long needed = kvBytes(m, largest);
        long heap = Runtime.getRuntime().maxMemory();
        if (needed > heap / 10 * 8) {
            throw new UserError(String.format("--concurrency %d needs %.2f GB of KV cache, more than the JVM's "
                    + "%.2f GB heap holds: lower --concurrency, --prompt-len or --gen-len, use --kv-type q8, or raise "
                    + "-Xmx through SLUICE_JAVA_OPTS", largest, needed / 1e9, heap / 1e9));
        }
    }

    private EngineConfig config(LlamaModel m, int c) {
        return speculation.apply(device.apply(EngineConfig.builder(model)).maxSequences(c).maxBatchTokens(maxBatchTokens)
                .kvBlockSize(KV_BLOCK_SIZE).kvCacheBytes(kvBytes(m, c)).prefixCaching(!noPrefixCache)).build();
    }

    /**
     * Unmeasured runs until {@code --warm-up} seconds have passed and the JIT has finished no compilation for a tenth
     * of that (at most twice as long in all), so that it has compiled the kernels, the scheduler and the sampler
     * before anything is timed: a small model's whole measured run otherwise fits in the JIT's first seconds and reports the
     * interpreter's speed. Each round is a measured run itself (a fresh engine, the same listener), at the measured
     * concurrencies up to 4 in turn: a warm-up on one engine left the branches of a fresh engine's first steps
     * (buffers growing to the step's shape) and the listener's call uncompiled, and the first measured run then
     * deoptimised the whole step path and ran much of its decode in the interpreter (0.6 ms per token of the 0.7M
     * draft model against 0.15 ms).
     */
    private void warmUp(LlamaModel m) throws Exception {
        int[] shapes = concurrency.stream().mapToInt(c -> Math.min(4, c)).distinct().toArray();
        boolean shortRounds = warmUpSeconds == 0;
        int length = shortRounds ? Math.min(promptLen, 32) : promptLen;
        Shape shape = new Shape(length, shortRounds ? Math.min(genLen, 8) : genLen, Math.min(sharedPrefix, length));
        long nanos = (long) (warmUpSeconds * 1e9);
        long start = System.nanoTime();
        Random random = new Random(seed ^ 0x5EED);
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        long compiled = jitTimed ? jit.getTotalCompilationTime() : 0;
        long compiledAt = start; // when the JIT was last seen finishing a compilation
        int round = 0;
        while (true) {
            run(m, shapes[round % shapes.length], random, shape);
            round++;
            long now = System.nanoTime();
            long nowCompiled = jitTimed ? jit.getTotalCompilationTime() : 0;
            if (nowCompiled != compiled) {
                compiled = nowCompiled;
                compiledAt = now;
            }
            // quiet for a tenth of the warm-up: a round of a small model is shorter than the JIT's pauses
            boolean jitQuiet = now - compiledAt >= nanos / 10;
            if (now - start >= 2 * nanos || now - start >= nanos && jitQuiet && round >= shapes.length) {
                return;
            }
        }
    }

    private GenerationRequest request(String id, int[] prompt, int maxTokens) {
        return GenerationRequest.builder(id).promptIds(prompt).maxTokens(maxTokens).ignoreEos(true).build();
    }

    private int[] prompt(Random random, LlamaModel m, int length, int[] prefix) {
        int vocab = m.config().vocabSize();
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = i < prefix.length ? prefix[i] : random.nextInt(vocab);
        }
        return p;
    }

    /** Prompt and generated tokens per request, and the leading prompt tokens all requests share. */
    private record Shape(int promptLen, int genLen, int sharedPrefix) {
    }

    private Result run(LlamaModel m, int c) throws Exception {
        // a collection now: its garbage (the last engine, the warm-up's) would otherwise pause a short measured run
        System.gc();
        return run(m, c, new Random(seed + c), new Shape(promptLen, genLen, sharedPrefix));
    }

    private Result run(LlamaModel m, int c, Random random, Shape shape) throws Exception {
        int promptLen = shape.promptLen();
        int genLen = shape.genLen();
        int sharedPrefix = shape.sharedPrefix();
        int[] prefix = prompt(random, m, sharedPrefix, new int[0]);
        try (LlamaEngine engine = DeviceOption.engine(m, config(m, c))) {
            if (sharedPrefix > 0 && !noPrefixCache) {
                // the shared prefix is already cached when the measured requests arrive (a system prompt)
                engine.submit(request("prefix", prompt(random, m, sharedPrefix + 1, prefix), 1)).join();
            }
            long[] firstToken = new long[c];
            AtomicLongArray tokenTimes = new AtomicLongArray(c * genLen);
            java.util.concurrent.atomic.AtomicInteger tokenCount = new java.util.concurrent.atomic.AtomicInteger();
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < c; i++) {
                int index = i;
                fs.add(engine.submit(request("bench" + i, prompt(random, m, promptLen, prefix), genLen), (id, t) -> {
                    long now = System.nanoTime();
                    if (firstToken[index] == 0) {
                        firstToken[index] = now;
                    }
                    int k = tokenCount.getAndIncrement();
                    if (k < tokenTimes.length()) {
                        tokenTimes.set(k, now);
                    }
                }));
            }
            List<Completion> done = new ArrayList<>();
            for (CompletableFuture<Completion> f : fs) {
                done.add(f.join());
            }
            EngineStats stats = engine.stats();
            long allFirst = Arrays.stream(firstToken).max().orElse(start);
            long lastToken = start;
            int decoded = 0;
            for (int k = 0; k < Math.min(tokenCount.get(), tokenTimes.length()); k++) {
                long t = tokenTimes.get(k);
                lastToken = Math.max(lastToken, t);
                if (t > allFirst) {
                    decoded++;
                }
            }
            long cached = done.stream().mapToLong(Completion::cachedTokens).sum();
            long computedPrompt = (long) c * promptLen - cached;
            double prefillSeconds = (allFirst - start) / 1e9;
            double decodeSeconds = (lastToken - allFirst) / 1e9;
            double prefillTokS = computedPrompt / prefillSeconds;
            double decodeTokS = decodeSeconds > 0 ? decoded / decodeSeconds : 0;
            double[] ttft = done.stream().mapToDouble(x -> x.timings().timeToFirstTokenMs()).sorted().toArray();
            double[] tpot = done.stream().mapToDouble(x -> x.timings().timePerOutputTokenMs()).sorted().toArray();
            ModelConfig mc = m.config();
            double prefillFlops = computedPrompt * bodyFlops(mc, sharedPrefix + (promptLen - sharedPrefix) / 2.0)
                    + c * headFlops(mc);
            double decodeFlops = decoded * (bodyFlops(mc, promptLen + genLen / 2.0) + headFlops(mc));
            return new Result(c, prefillTokS, decodeTokS, percentile(ttft, 50), percentile(ttft, 99),
                    percentile(tpot, 50), percentile(tpot, 99), stats.kvBytesPeak(),
                    prefillFlops / prefillSeconds / 1e9, decodeSeconds > 0 ? decodeFlops / decodeSeconds / 1e9 : 0,
                    cached, stats.acceptanceRate(), stats.tokensPerStep());
        }
    }

    /** FLOPs of one token through the transformer blocks, attending over {@code context} positions. */
    static double bodyFlops(ModelConfig c, double context) {
        double matmuls = (double) c.dim() * c.qDim() * 2 + 2.0 * c.dim() * c.kvDim() + 3.0 * c.dim() * c.ffn();
        double attention = 2.0 * c.qDim() * context;
        return 2.0 * c.layers() * (matmuls + attention);
    }

    /** FLOPs of the output projection of one row. */
    static double headFlops(ModelConfig c) {
        return 2.0 * c.dim() * c.vocabSize();
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private String toJson(long modelBytes, List<Result> results) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("model", model.toString());
        root.put("model_bytes", modelBytes);
        root.put("prompt_len", promptLen);
        root.put("gen_len", genLen);
        root.put("shared_prefix", sharedPrefix);
        ArrayNode array = root.putArray("results");
        for (Result r : results) {
            ObjectNode o = array.addObject();
            o.put("concurrency", r.concurrency());
            o.put("prefill_tok_s", round(r.prefillTokS()));
            o.put("decode_tok_s", round(r.decodeTokS()));
            o.put("ttft_ms_p50", round(r.ttftP50()));
            o.put("ttft_ms_p99", round(r.ttftP99()));
            o.put("tpot_ms_p50", round(r.tpotP50()));
            o.put("tpot_ms_p99", round(r.tpotP99()));
            o.put("kv_bytes_peak", r.kvBytesPeak());
            o.put("prefill_gflops", round(r.prefillGflops()));
            o.put("decode_gflops", round(r.decodeGflops()));
            o.put("cached_prompt_tokens", r.cachedTokens());
            o.put("acceptance_rate", Math.round(r.acceptanceRate() * 10000) / 10000.0);
            o.put("tokens_per_step", round(r.tokensPerStep()));
        }
        return mapper.writeValueAsString(root);
    }

    /** Four significant digits: a small model's GFLOP/s on a busy machine is small, not 0. */
    static double round(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v;
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).doubleValue();
    }

    private void printTable(long modelBytes, List<Result> results) {
        var out = spec.commandLine().getOut();
        out.printf("%s (%.1f MB): prompt %d, generate %d, shared prefix %d%s%n", model, modelBytes / 1e6, promptLen,
                genLen, sharedPrefix, ", " + device.kvType() + " KV");
        out.printf("%11s %13s %12s %17s %17s %11s %16s %11s %10s%n", "concurrency", "prefill tok/s", "decode tok/s",
                "TTFT p50/p99 ms", "TPOT p50/p99 ms", "KV peak MB", "GFLOP/s pre/dec", "acceptance", "tok/step");
        boolean speculating = speculation.config().enabled();
        for (Result r : results) {
            // without a drafter the two speculation columns say so instead of a misleading 0%
            out.printf("%11d %13.1f %12.1f %8.1f/%-8.1f %8.1f/%-8.1f %11.1f %7.1f/%-8.1f %11s %10s%n",
                    r.concurrency(), r.prefillTokS(), r.decodeTokS(), r.ttftP50(), r.ttftP99(), r.tpotP50(),
                    r.tpotP99(), r.kvBytesPeak() / 1e6, r.prefillGflops(), r.decodeGflops(),
                    speculating ? String.format("%.1f%%", 100 * r.acceptanceRate()) : "-",
                    speculating ? String.format("%.2f", r.tokensPerStep()) : "-");
        }
    }
}
