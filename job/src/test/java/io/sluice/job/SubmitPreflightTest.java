package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.local.LocalKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks of the job's main under {@code flink run}, before it builds the graph: brokers that do not answer
 * or lack a topic end the submission with one line; what the client machine cannot judge (a model or a trust
 * store that exists only on the TaskManagers, a KV fraction of their heap) is skipped, not refused.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SubmitPreflightTest {
    private static final String MODEL = Path.of("../models/shakespeare.gguf").toAbsolutePath().toString();

    /** The job main's checks with these arguments; what they printed on standard error, or the config. */
    private record Outcome(JobConfig config, String err, SluiceJob.SubmissionRefused refused) {
    }

    private static Outcome check(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(SluiceJob.checkedConfig(args), printed.toString(StandardCharsets.UTF_8), null);
        } catch (SluiceJob.SubmissionRefused e) {
            return new Outcome(null, printed.toString(StandardCharsets.UTF_8), e);
        } finally {
            System.setErr(original);
        }
    }

    private static String[] args(String... sets) {
        List<String> all = new ArrayList<>();
        for (String s : sets) {
            all.add("--set");
            all.add(s);
        }
        return all.toArray(String[]::new);
    }

    /** The model's checks alone: the brokers are skipped. */
    private static Outcome modelCheck(String... sets) {
        List<String> all = new ArrayList<>(List.of("--skip-broker-check", "--set", "kafka.bootstrap-servers=127.0.0.1:1"));
        all.addAll(List.of(args(sets)));
        return check(all.toArray(String[]::new));
    }

    /** One line on standard error, the same in the exception, and no stack trace to bury it. */
    private static void assertRefused(Outcome o, String line) {
        assertTrue(o.refused() != null, "not refused; stderr: " + o.err());
        assertEquals(line, o.err().strip());
        assertEquals(line, o.refused().getMessage());
        assertEquals(0, o.refused().getStackTrace().length);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void brokersThatDoNotAnswerRefuseTheSubmissionWithinSeconds() throws Exception {
        String servers = "127.0.0.1:" + closedPort();
        long start = System.nanoTime();
        Outcome o = check(args("kafka.bootstrap-servers=" + servers, "model.path=" + MODEL));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertRefused(o, "sluice: cannot reach Kafka at " + servers + " (no answer within 10 s)");
        assertTrue(seconds < 30, "took " + seconds + " s");
    }

    @Test
    void aMissingTopicRefusesTheSubmissionAndPresentOnesPass() throws Exception {
        try (LocalKafka kafka = LocalKafka.start()) {
            kafka.createTopics(Map.of("p", 1, "c", 1));
            String[] missing = args("kafka.bootstrap-servers=" + kafka.bootstrapServers(), "kafka.input-topic=p",
                    "kafka.output-topic=c", "kafka.dead-letter-topic=dl", "model.path=" + MODEL);
            assertRefused(check(missing), "sluice: no topic dl on the Kafka cluster at " + kafka.bootstrapServers());

            kafka.createTopics(Map.of("dl", 1));
            Outcome ok = check(missing);
            assertTrue(ok.refused() == null, ok.err());
            assertEquals("", ok.err());
            assertEquals(List.of(), SubmitPreflight.check(ok.config(), true), "every check ran");
        }
    }

    @Test
    void theBrokerCheckIsSkippedOnlyWhenAskedOrWhenAStoreIsNotOnThisMachine(@TempDir Path dir) throws Exception {
        String servers = "127.0.0.1:" + closedPort();
        JobConfig asked = SluiceJob.checkedConfig(new String[] {"--set", "kafka.bootstrap-servers=" + servers,
                "--set", "model.path=" + MODEL, "--skip-broker-check"});
        assertEquals(List.of("the brokers are not checked before submitting (--skip-broker-check)"),
                SubmitPreflight.check(asked, false));

        Path store = dir.resolve("trust.p12");
        JobConfig tmStore = JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=" + servers,
                "model.path=" + MODEL, "kafka.properties.security.protocol=SSL",
                "kafka.properties.ssl.truststore.location=" + store));
        assertEquals(List.of("the brokers are not checked before submitting: kafka.properties.ssl.truststore.location "
                + store + " is not on this machine"), SubmitPreflight.check(tmStore, true));

        // The login settings that need no file are still checked.
        assertRefused(check(args("kafka.bootstrap-servers=" + servers, "model.path=" + MODEL,
                        "kafka.properties.security.protocol=SASL_SSL")),
                "sluice: kafka.properties.security.protocol SASL_SSL needs kafka.properties.sasl.jaas.config"
                        + " (the login module, user and password)");
    }

    @Test
    void theModelIsCheckedWhereThisMachineHasIt(@TempDir Path dir) throws Exception {
        // Not here: the TaskManagers' path; skipped with the reason.
        Path elsewhere = dir.resolve("on-the-taskmanagers.gguf");
        List<String> skipped = SubmitPreflight.check(JobConfigLoader.load(null, List.of("model.path=" + elsewhere,
                "mode=bulk", "bulk.input=" + dir.resolve("in.jsonl"), "bulk.output=" + dir.resolve("out"))), true);
        assertEquals(List.of("model.path " + elsewhere + " is not on this machine; the TaskManagers load it (one"
                + " that cannot fails the job without restarts)"), skipped);

        // Here and broken: refused.
        Path broken = Files.write(dir.resolve("broken.gguf"), new byte[] {'G', 'G', 'U', 'F', 1});
        Outcome o = modelCheck("model.path=" + broken);
        assertTrue(o.refused() != null && o.err().strip().startsWith("sluice: model.path " + broken
                + " cannot be loaded"), o.err());

        // An explicit KV budget that cannot hold one sequence is refused; a fraction of a heap elsewhere is not judged.
        Outcome small = modelCheck("model.path=" + MODEL, "model.kv-cache-bytes=1024");
        assertTrue(small.refused() != null && small.err().strip().startsWith("sluice: model.kv-cache-bytes (1024)"
                + " does not hold one sequence of shakespeare.gguf: its context of "), small.err());
        Outcome fraction = modelCheck("model.path=" + MODEL, "model.kv-cache-fraction=0.000001");
        assertTrue(fraction.refused() == null, fraction.err());
    }

    @Test
    void aBadArgumentIsOneLineToo() {
        assertRefused(check("--conifg", "job.yaml"),
                "sluice: unknown argument '--conifg' (usage: --config FILE [--set KEY=VALUE ...] [--skip-broker-check])");
    }
}
