package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.model.LlamaModel;
import io.sluice.tensor.ComputeBackends;
import io.sluice.tensor.Device;
import io.sluice.tensor.cuda.CudaCompute;
import io.sluice.tensor.cuda.CudaDeviceInfo;
import io.sluice.tensor.cuda.CudaStatus;
import io.sluice.tensor.cuda.CudaUnavailableException;
import io.sluice.tensor.cuda.TypeCheck;
import io.sluice.tensor.quant.QuantType;
import io.sluice.tools.ModelSynthesizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice gpu-check}: on a machine with an NVIDIA GPU, the GPU correctness suite (every weight type against
 * the CPU backend and a float64 reference, batch invariance on the GPU, stories260K's golden ids, shakespeare's
 * greedy text) and then a short benchmark, printed as one summary. Exit status: 0 when every check passed, 1
 * when one failed, 2 (one line on stderr) when there is no usable GPU.
 */
@Command(name = "gpu-check", mixinStandardHelpOptions = true,
        description = "Check the CUDA backend on this machine's GPU against the CPU backend, then benchmark it.")
final class GpuCheckCommand implements Callable<Integer> {

    /** GPU log-probabilities within this of the CPU backend's on F32/F16 weights (the goal). */
    static final double LOGPROB_TOLERANCE = 1e-3;
    /** Decode at one sequence on the 1B-class F16 model reads its weights at this share of peak bandwidth. */
    static final double DECODE_BANDWIDTH_GOAL = 0.70;
    /** Aggregate decode at 64 sequences over decode at one, on the same model. */
    static final double AGGREGATE_GOAL = 10.0;

    @Spec
    CommandSpec spec;

    @Option(names = "--device", defaultValue = "cuda:0", description = "The GPU to check (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--models", defaultValue = "models", paramLabel = "DIR",
            description = "Where stories260K.gguf, stories260K.greedy-bos.txt, shakespeare.gguf and "
                    + "shakespeare.greedy-romeo.json are (default: ${DEFAULT-VALUE}, then under the Sluice home).")
    Path models;

    @Option(names = "--work", paramLabel = "DIR",
            description = "Where to write the synthetic benchmark models (default: a temporary directory).")
    Path work;

    @Option(names = "--skip-bench", description = "Run the correctness suite only.")
    boolean skipBench;

    @Option(names = "--bench-model", paramLabel = "GGUF",
            description = "Also benchmark this model file (e.g. a real Q4_K_M file); repeatable.")
    List<Path> benchModels = new ArrayList<>();

    private final List<String[]> summary = new ArrayList<>();
    private boolean failed;

    @Override
    public Integer call() throws Exception {
        Device gpuDevice = parseDevice(device);
        CudaDeviceInfo info;
        try {
            info = CudaStatus.current().select(gpuDevice.index()).device();
        } catch (CudaUnavailableException e) {
            throw new UserError("gpu-check needs a usable GPU: " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        CudaCompute gpu = (CudaCompute) ComputeBackends.open(gpuDevice);
        out.println(gpu.describe());
        out.println("kernels: " + CudaStatus.current().kernels().describe());
        out.flush();
        checkTypes(gpu, out);
        Path dir = HomePaths.resolve(models);
        checkStories(gpuDevice, dir, out);
        checkShakespeare(gpuDevice, dir, out);
        checkSplit(gpuDevice, dir, out);
        if (!skipBench) {
            bench(gpuDevice, info, out);
        }
        out.println();
        out.println("| check | result |");
        out.println("| --- | --- |");
        for (String[] row : summary) {
            out.println("| " + row[0] + " | " + row[1] + " |");
        }
        out.println(failed ? "gpu-check: FAILED" : "gpu-check: all checks passed");
        out.flush();
        return failed ? 1 : 0;
    }

    static Device parseDevice(String text) {
        Device d = Device.parse(text);
        if (d.kind() != Device.Kind.CUDA) {
            throw new UserError("gpu-check runs on a CUDA device (cuda or cuda:N), not " + d);
        }
        return d;
    }

    private void record(String check, boolean ok, String detail) {
        failed |= !ok;
        summary.add(new String[] {check, (ok ? "PASS " : "FAIL ") + detail});
    }

    private void checkTypes(CudaCompute gpu, PrintWriter out) {
        out.println();
        out.println("| type | product | GPU vs float64 | CPU vs float64 | GPU vs CPU | CPU's bits | batch-invariant |");
        out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (TypeCheck.Result r : TypeCheck.runAll(gpu)) {
            out.printf("| %s | %s | %.2e | %.2e | %.2e | %s | %s |%n", r.type(), r.product().label(),
                    r.gpuVsReference(), r.cpuVsReference(), r.gpuVsCpu(), r.sameBitsAsCpu() ? "yes" : "no",
                    r.batchInvariant() ? "yes" : "NO");
            record("matmul " + r.type(), r.passed(), r.product().label() + ": " + r.describe());
        }
        if (gpu.tensorCores()) {
            record("tensor cores", true, "in use: the check at open agreed with the CPU backend");
        } else if (gpu.tensorCoreProblem().isPresent()) {
            record("tensor cores", false, "turned off at open: " + gpu.tensorCoreProblem().get());
        } else {
            record("tensor cores", true, "off (-Dsluice.cuda.tensorCores=false)");
        }
        out.flush();
    }

    private void checkStories(Device gpuDevice, Path dir, PrintWriter out) throws IOException {
        Path model = dir.resolve("stories260K.gguf");
        Path golden = dir.resolve("stories260K.greedy-bos.txt");
        if (!Files.isRegularFile(model) || !Files.isRegularFile(golden)) {
            record("stories260K golden ids", false, "missing " + model + " or " + golden);
            return;
        }
        int[] expected = Arrays.stream(Files.readString(golden).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
        compareModel("stories260K", model, new int[] {1}, expected, expected.length, gpuDevice, out);
    }

    private void checkShakespeare(Device gpuDevice, Path dir, PrintWriter out) throws IOException {
        Path model = dir.resolve("shakespeare.gguf");
        Path golden = dir.resolve("shakespeare.greedy-romeo.json");
        if (!Files.isRegularFile(model) || !Files.isRegularFile(golden)) {
            record("shakespeare greedy text", false, "missing " + model + " or " + golden);
            return;
        }
        JsonNode g = new ObjectMapper().readTree(golden.toFile());
        int[] prompt = ints(g.get("prompt_ids"));
        int[] expected = ints(g.get("token_ids"));
        // Steps whose two best logits are closer than 0.01 may go either way: compare up to the first one.
        int exact = 0;
        while (exact < expected.length && g.get("margins").get(exact).asDouble() >= 0.01) {
            exact++;
        }
        compareModel("shakespeare", model, prompt, expected, exact, gpuDevice, out);
    }

    /**
     * Greedy ids on the GPU against the golden ids (the first {@code exact} must match), log-probabilities of the
     * CPU's greedy sequence on both backends, and batch invariance on the GPU.
     */
    private void compareModel(String name, Path path, int[] prompt, int[] expected, int exact, Device gpuDevice,
            PrintWriter out) {
        int n = expected.length;
        try (LlamaModel cpu = LlamaModel.load(path, Device.CPU); LlamaModel gpu = LlamaModel.load(path, gpuDevice)) {
            int[] gpuIds = GpuModelRuns.greedy(gpu, prompt, n);
            boolean idsOk = Arrays.equals(Arrays.copyOf(gpuIds, exact), Arrays.copyOf(expected, exact));
            record(name + " golden ids", idsOk, idsOk ? exact + " ids match"
                    : "first mismatch at step " + firstMismatch(gpuIds, expected) + " of " + exact);
            int[] cpuIds = GpuModelRuns.greedy(cpu, prompt, n);
            float[][] lpCpu = GpuModelRuns.logprobs(cpu, prompt, cpuIds);
            float[][] lpGpu = GpuModelRuns.logprobs(gpu, prompt, cpuIds);
            double worst = 0;
            for (int i = 0; i < n; i++) {
                for (int v = 0; v < lpCpu[i].length; v++) {
                    worst = Math.max(worst, Math.abs(lpCpu[i][v] - lpGpu[i][v]));
                }
            }
            record(name + " logprobs vs CPU", worst <= LOGPROB_TOLERANCE,
                    String.format("max |difference| %.2e over %d steps x vocabulary (tolerance %.0e)", worst, n,
                            LOGPROB_TOLERANCE));
            boolean invariant = GpuModelRuns.batchInvariant(gpu, prompt, 7, Math.min(n, 16));
            record(name + " batch invariance on GPU", invariant, invariant ? "same bits alone and among 8"
                    : "logits differ between alone and batched");
        } catch (RuntimeException e) {
            record(name, false, "error: " + CliErrors.describe(e));
        }
        out.println(name + ": done");
        out.flush();
    }

    /**
     * With a second GPU: stories260K's layers split over the two give the same log-probabilities, bit for bit,
     * as the checked GPU alone (the peer copy between them included).
     */
    private void checkSplit(Device gpuDevice, Path dir, PrintWriter out) {
        Optional<Device> other = CudaStatus.current().devices().stream().map(i -> Device.cuda(i.index()))
                .filter(d -> !d.equals(gpuDevice)).findFirst();
        if (other.isEmpty()) {
            out.println("layer split: skipped (one GPU)");
            out.flush();
            return;
        }
        List<Device> devices = List.of(gpuDevice, other.get());
        String check = "layer split over " + devices;
        Path model = dir.resolve("stories260K.gguf");
        try (LlamaModel one = LlamaModel.load(model, gpuDevice); LlamaModel split = LlamaModel.load(model, devices)) {
            int[] prompt = {1};
            int[] ids = GpuModelRuns.greedy(one, prompt, 32);
            boolean same = Arrays.deepEquals(GpuModelRuns.logprobs(one, prompt, ids),
                    GpuModelRuns.logprobs(split, prompt, ids));
            record(check, same, same ? "same bits as one GPU (" + split.placement() + ")"
                    : "log-probabilities differ from one GPU");
        } catch (RuntimeException e) {
            record(check, false, "error: " + CliErrors.describe(e));
        }
        out.println("layer split: done");
        out.flush();
    }

    private static int firstMismatch(int[] a, int[] b) {
        int i = 0;
        while (i < a.length && i < b.length && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private void bench(Device gpuDevice, CudaDeviceInfo info, PrintWriter out) throws IOException {
        Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("sluice-gpu-check");
        List<Path> files = new ArrayList<>();
        files.add(synth(dir, "synthetic-110M-Q8_0.gguf", QuantType.parse("Q8_0"), 768, 12, 12, 12, 2048));
        files.add(synth(dir, "synthetic-110M-Q4_K_M.gguf", QuantType.parse("Q4_K_M"), 768, 12, 12, 12, 2048));
        Path f16 = synth(dir, "synthetic-1B-F16.gguf", QuantType.parse("F16"), 2048, 16, 32, 8, 8192);
        files.add(f16);
        files.addAll(benchModels);
        double peak = info.peakBandwidth();
        out.println();
        out.printf("Peak memory bandwidth of %s: %.2f TB/s%n", info.name(), peak / 1e12);
        out.println("| model | weights | conc. | prefill tok/s | decode tok/s (aggregate) | weight GB/s at decode | of peak |");
        out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (Path f : files) {
            try (LlamaModel model = LlamaModel.load(f, gpuDevice)) {
                double gb = model.weightBytes() / 1e9;
                double one = 0;
                for (int c : new int[] {1, 16, 64}) {
                    GpuModelRuns.Bench b = GpuModelRuns.bench(model, c, 128, 33);
                    double weightRate = gb * 1e9 * b.decodeTokensPerSecond() / c;
                    out.printf("| %s | %.2f GB | %d | %.0f | %.1f | %.0f | %.0f%% |%n", f.getFileName(), gb, c,
                            b.prefillTokensPerSecond(), b.decodeTokensPerSecond(), weightRate / 1e9,
                            100 * weightRate / peak);
                    out.flush();
                    if (f.equals(f16) && c == 1) {
                        one = b.decodeTokensPerSecond();
                        record("1B F16 decode at 1 sequence", weightRate >= DECODE_BANDWIDTH_GOAL * peak,
                                String.format("%.0f%% of peak bandwidth (goal %.0f%%)", 100 * weightRate / peak,
                                        100 * DECODE_BANDWIDTH_GOAL));
                    } else if (f.equals(f16) && c == 64) {
                        double ratio = b.decodeTokensPerSecond() / one;
                        record("1B F16 aggregate decode at 64", ratio >= AGGREGATE_GOAL, String.format(
                                "%.1fx decode at one sequence (goal %.0fx)", ratio, AGGREGATE_GOAL));
                    }
                }
            } catch (RuntimeException e) {
                record("bench " + f.getFileName(), false, "error: " + CliErrors.describe(e));
            }
        }
    }

    private static Path synth(Path dir, String name, QuantType type, int dim, int layers, int heads, int kvHeads,
            int ffn) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            ModelSynthesizer.builder().dim(dim).layers(layers).heads(heads).kvHeads(kvHeads).ffn(ffn).vocab(32000)
                    .context(1024).type(type).seed(42).build().write(file);
        }
        return file;
    }
}
