package io.sluice.tensor.cpu;

import io.sluice.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the CPU backend runs on and with: the processor, the SIMD features that matter to the kernels, the
 * kernel path of each weight family and the number of threads (for {@code sluice devices} and logs).
 *
 * @param model the processor's name ("unknown" where /proc/cpuinfo is not readable)
 * @param features the kernel-relevant instruction-set extensions present, in a fixed order
 * @param quantizedKernels the path of the products with 8-bit activations (Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)
 * @param floatKernels the path of the other types' products (float activations)
 * @param nativeUnavailable why the native kernels are not in use, or null when they are
 */
public record CpuInfo(String model, List<String> features, String quantizedKernels, String floatKernels,
        String nativeUnavailable, int threads) {

    /** /proc/cpuinfo flag names, in the order they are listed. */
    private static final List<String> RELEVANT = List.of("avx", "avx2", "fma", "f16c", "avx512f", "avx512bw",
            "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16");

    /** The machine this JVM runs on. */
    public static CpuInfo detect() {
        String model = "unknown";
        Set<String> flags = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals("unknown")) {
                    model = value;
                } else if (key.equals("flags") && flags.isEmpty()) {
                    flags.addAll(Arrays.asList(value.split("\\s+")));
                }
            }
        } catch (IOException | SecurityException e) {
            // Not Linux or not readable: features stay unknown; the kernels detect them on their own.
        }
        List<String> features = new ArrayList<>();
        for (String f : RELEVANT) {
            if (flags.contains(f)) {
                features.add(f);
            }
        }
        return new CpuInfo(model, features, Int8Kernels.active().name(),
                Backends.active().name().equals("vector") ? "java-vector" : "scalar",
                Int8Kernels.nativeUnavailableReason(), Parallel.threads());
    }
}
