package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs {@link SluiceCli#execute} in-process with stdout and stderr captured, for command-line tests:
 * {@code @RegisterExtension final CapturedCli cli = new CapturedCli();} then {@code cli.run(...)}.
 */
final class CapturedCli implements BeforeEachCallback, AfterEachCallback {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @Override
    public void beforeEach(ExtensionContext context) {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    /** Runs the command line with fresh buffers; returns its exit status. */
    int run(String... args) {
        out.reset();
        err.reset();
        return SluiceCli.execute(args);
    }

    String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The one JSON object line on stdout (a test classpath may route other modules' logs to stdout too). */
    String jsonLine() {
        List<String> json = stdout().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(1, json.size(), stdout());
        return json.get(0);
    }
}
