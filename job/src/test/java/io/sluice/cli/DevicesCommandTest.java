package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.tensor.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code sluice devices}: the CPU section names the processor, its features and the kernel paths. */
class DevicesCommandTest {

    @RegisterExtension
    final CapturedCli cli = new CapturedCli();

    @Test
    void printsTheCpuBackendInUse() {
        assertEquals(0, cli.run("devices"), cli.stderr());
        String out = cli.stdout();
        assertTrue(out.startsWith("cpu: ") && out.contains(", " + Parallel.threads() + " threads"), out);
        assertTrue(out.contains("  features: "), out);
        assertTrue(out.matches("(?s).*quantized weights \\(Q4_0, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K\\): "
                + "(native-avx512-vnni\\+amx|native-avx512-vnni|native-avx2|java-vector|scalar), 8-bit activations.*"), out);
        assertTrue(out.matches("(?s).*other weights: (java-vector|scalar), float activations.*"), out);
        boolean nativeBuilt = getClass().getResource("/native/linux-x86_64/libsluice_cpu.so") != null;
        if (nativeBuilt && System.getProperty("os.arch").equals("amd64") && out.contains(" avx2 ")) {
            // Built with gcc on an x86-64 machine with AVX2: the native kernels must be the ones in use.
            assertTrue(out.contains("): native-"), out);
        }
    }
}
