package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} (and here without the native kernels) falls
 * back to scalar code, and one with the module but without the native kernels runs the Vector API's 8-bit
 * kernel: both compute the same bits as this JVM's paths (native kernels where this machine has them).
 */
class ScalarFallbackTest {
    @Test
    void runsWithoutTheVectorModuleAndComputesTheSameBits() throws IOException, InterruptedException {
        String[] probe = probe("-Dsluice.cpu.native=false");
        assertEquals("scalar", probe[0]);
        assertEquals("scalar", probe[2]);
        assertEquals(FallbackProbe.results(), probe[1]);
    }

    @Test
    void runsTheVectorInt8KernelWithoutTheNativeKernelsAndComputesTheSameBits() throws IOException, InterruptedException {
        String[] probe = probe("--add-modules", "jdk.incubator.vector", "-Dsluice.cpu.native=false");
        assertEquals("vector", probe[0]);
        assertEquals("java-vector", probe[2]);
        assertEquals(FallbackProbe.results(), probe[1]);
    }

    /** FallbackProbe's three lines in a JVM with these options. */
    private static String[] probe(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FallbackProbe.class.getName()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String[] lines = new String[3];
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (int k = 0; k < lines.length; k++) {
                lines[k] = r.readLine();
            }
        }
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue());
        return lines;
    }
}
