package io.sluice.e2e;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures what a command run in this JVM ({@code SluiceCli.execute}) prints on stdout and stderr for the length
 * of each test, and optionally points {@code sluice.home} at the repository as the launcher does (where models/
 * and conf/ are). Register with {@code @RegisterExtension}.
 */
final class ConsoleCapture implements BeforeEachCallback, AfterEachCallback {
    private final boolean sluiceHome;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    private ConsoleCapture(boolean sluiceHome) {
        this.sluiceHome = sluiceHome;
    }

    static ConsoleCapture plain() {
        return new ConsoleCapture(false);
    }

    /** Also sets {@code sluice.home} to the repository root, as the launcher does. */
    static ConsoleCapture withSluiceHome() {
        return new ConsoleCapture(true);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        if (sluiceHome) {
            System.setProperty("sluice.home", TestPaths.root().toString());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.setOut(originalOut);
        System.setErr(originalErr);
        if (sluiceHome) {
            System.clearProperty("sluice.home");
        }
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Forgets what was printed so far (before the next command). */
    void reset() {
        out.reset();
        err.reset();
    }
}
