package io.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code sluice} launcher script itself: run from a copy whose {@code job/target/sluice.jar} is a jar of
 * nothing but a manifest naming the test classpath, so the real script starts the real main class.
 */
class LauncherTest {

    static final Path STORIES = Path.of("../gpu-runtime/src/test/resources/models/stories260K.gguf").toAbsolutePath();

    @TempDir
    Path home;

    private Path jar;

    private record Run(int exitCode, String stdout, String stderr) {
    }

    @BeforeEach
    void copyTheLauncher() throws IOException {
        Path script = home.resolve("sluice");
        Files.copy(Path.of("../sluice"), script);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = home.resolve("job/target/sluice.jar");
        Files.createDirectories(jar.getParent());
    }

    private void writeManifestJar(Path file) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, SluiceCli.class.getName());
        List<String> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(Path.of(entry).toAbsolutePath().toUri().toString());
        }
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("sluice").toString()));
        command.addAll(List.of(args));
        Path out = home.resolve("stdout.txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        // read to the end: the launcher's stderr filter may write after the JVM exits
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Run(p.exitValue(), Files.readString(out), err);
    }

    @Test
    void keepsTheJvmsIncubatorWarningOffTheScreenAndErrorsToOneLine() throws Exception {
        writeManifestJar(jar);
        Run ok = run(Map.of(), "generate", "--model", STORIES.toString(), "--prompt-ids", "1", "--max-tokens", "2",
                "--temperature", "0", "--json");
        assertEquals(0, ok.exitCode(), ok.stderr());
        assertEquals("", ok.stderr());
        assertTrue(ok.stdout().startsWith("{\"token_ids\":["), ok.stdout());

        Path link = Files.createDirectories(home.resolve("elsewhere")).resolve("sluice");
        Files.createSymbolicLink(link, home.resolve("sluice"));
        Process viaLink = new ProcessBuilder(link.toString(), "--version").redirectErrorStream(true).start();
        assertEquals("sluice 0.1.0\n", new String(viaLink.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                "run through a symbolic link, it still finds its jar");

        Run bad = run(Map.of(), "generate", "--model", home.toString(), "--prompt", "a");
        assertEquals(2, bad.exitCode(), "the JVM's exit status comes through");
        assertEquals("sluice: " + home + " is a directory, not a model file\n", bad.stderr());
    }

    @Test
    void aMissingJavaOrMavenIsOneLine() throws Exception {
        writeManifestJar(jar);
        Run noJava = run(Map.of("JAVA_HOME", home.resolve("no-jdk").toString()), "--version");
        assertEquals(1, noJava.exitCode());
        assertEquals("sluice: no Java found at '" + home.resolve("no-jdk") + "/bin/java': install a JDK 17 or newer,"
                + " or set JAVA_HOME to one\n", noJava.stderr());
        Files.delete(jar);
        Path bin = Files.createDirectories(home.resolve("empty-bin"));
        Path bash = Path.of("/bin/bash");
        Files.createSymbolicLink(bin.resolve("bash"), bash);
        Files.createSymbolicLink(bin.resolve("dirname"), Path.of("/usr/bin/dirname"));
        Run noMaven = run(Map.of("PATH", bin.toString()), "--version");
        assertEquals(1, noMaven.exitCode());
        assertEquals("sluice: " + jar + " is missing and building it needs Maven (mvn) on the PATH\n",
                noMaven.stderr());
    }

    @Test
    void firstBuildSpeaksFirstAndPrintsNoColourCodes() throws Exception {
        Path ready = home.resolve("prepared.jar");
        writeManifestJar(ready);
        Path bin = home.resolve("bin");
        Files.createDirectories(bin);
        Path mvn = bin.resolve("mvn");
        // a stand-in for Maven that colours its output as the one on these machines does, then "builds"
        Files.writeString(mvn, "#!/usr/bin/env bash\n"
                + "echo \"$@\" > " + home.resolve("mvn-args.txt") + "\n"
                + "printf '\\033[0m\\033[1;33mWARNING\\033[0m something\\n'\n"
                + "printf '\\033[0m\\033[0m' >&2\n"
                + "if [ -n \"${FAIL_BUILD:-}\" ]; then exit 1; fi\n"
                + "cp " + ready + " " + jar + "\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH"), "FAIL_BUILD", "1");
        Run failed = run(env, "--version");
        assertEquals(1, failed.exitCode(), failed.stderr());
        assertTrue(failed.stderr().endsWith("sluice: the build failed (Maven's messages above)\n"), failed.stderr());

        env = Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        Run built = run(env, "--version");
        assertEquals(0, built.exitCode(), built.stderr());
        assertEquals("sluice 0.1.0\n", built.stdout());
        List<String> lines = built.stderr().lines().toList();
        assertTrue(lines.get(0).startsWith("sluice: building " + jar), built.stderr());
        assertFalse(built.stderr().contains("\u001b"), "no colour codes: " + built.stderr());
        assertTrue(built.stderr().contains("WARNING something"), built.stderr());
        assertTrue(Files.readString(home.resolve("mvn-args.txt")).contains("-Dstyle.color=never"));
    }
}
