package io.sluice.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A JVM started without {@code --add-modules jdk.incubator.vector} falls back to scalar code, same bits. */
class ScalarFallbackTest {
    @Test
    void runsWithoutTheVectorModuleAndComputesTheSameBits() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                FallbackProbe.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String backend;
        String bits;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            backend = r.readLine();
            bits = r.readLine();
        }
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue());
        assertEquals("scalar", backend);
        assertEquals(FallbackProbe.results(), bits);
    }
}
