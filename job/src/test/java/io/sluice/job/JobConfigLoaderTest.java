package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.local.SamplePrompts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigLoaderTest {

    private static final Path CONF = Path.of("../conf");

    @Test
    void theShippedJobConfigurationLoads() {
        JobConfig config = JobConfigLoader.load(CONF.resolve("job.yaml"), List.of());
        assertEquals("localhost:9092", config.kafka().bootstrapServers());
        assertEquals(DeliveryGuarantee.EXACTLY_ONCE, config.deliveryGuarantee());
        assertEquals("models/shakespeare.gguf", config.model().path());
        assertEquals(16, config.batchLimits().maxRequests());
        assertEquals("exponential-delay", config.flink().get("restart-strategy.type"));
        assertFalse(config.isBulk());
    }

    @Test
    void overridesTakeYamlTypesAndDottedFlinkKeys() {
        JobConfig config = JobConfigLoader.load(CONF.resolve("job.yaml"), List.of(
                "kafka.bootstrap-servers=broker-1:9092,broker-2:9092", "micro-batch.max-wait-ms=5",
                "model.kv-8bit=true", "delivery=at-least-once", "flink.restart-strategy.fixed-delay.attempts=3",
                "kafka.properties.security.protocol=SASL_SSL"));
        assertEquals("broker-1:9092,broker-2:9092", config.kafka().bootstrapServers());
        assertEquals(5, config.microBatch().maxWaitMs());
        assertTrue(config.model().kv8bit());
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, config.deliveryGuarantee());
        assertEquals("3", config.flink().get("restart-strategy.fixed-delay.attempts"));
        assertEquals("SASL_SSL", config.kafka().properties().get("security.protocol"));
    }

    @Test
    void mistakesAreNamedInOneLine(@TempDir Path dir) throws Exception {
        assertEquals("kafka.bootstrap-servers is missing",
                assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(null, List.of())).getMessage());
        assertEquals("unknown setting 'kafka.bootstrap-server'", assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(null, List.of("kafka.bootstrap-server=x"))).getMessage());
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "kafka:\n  bootstrap-servers: b:9092\nmicro-batch:\n  max-requests: lots\n");
        String message = assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(yaml, List.of())).getMessage();
        assertTrue(message.startsWith("bad setting 'micro-batch.max-requests'"), message);
        Files.writeString(yaml, "kafka:\n  bootstrap-servers: b:9092\nmodle:\n  path: x\n");
        assertEquals("unknown setting 'modle'", assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(yaml, List.of())).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(null,
                List.of("kafka.bootstrap-servers=b:1", "micro-batch.max-requests=0"))).getMessage()
                .contains("max requests"));
        assertEquals("delivery must be exactly-once, at-least-once or none, got twice", assertThrows(
                IllegalArgumentException.class, () -> JobConfigLoader.load(null,
                        List.of("kafka.bootstrap-servers=b:1", "delivery=twice"))).getMessage());
        assertEquals("no such config file: " + dir.resolve("none.yaml"), assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(dir.resolve("none.yaml"), List.of())).getMessage());
    }

    @Test
    void kafkaSettingsTheSourceAndSinksNeedAreChecked() {
        assertEquals("kafka.output-topic is missing", assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=b:1", "kafka.output-topic=null")))
                .getMessage());
        assertEquals("kafka.dead-letter-topic is missing", assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=b:1", "kafka.dead-letter-topic=")))
                .getMessage());
        assertEquals("mode must be kafka or bulk, got null", assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=b:1", "mode=null"))).getMessage());
        assertEquals("delivery must be exactly-once, at-least-once or none, got null", assertThrows(
                IllegalArgumentException.class, () -> JobConfigLoader.load(null,
                        List.of("kafka.bootstrap-servers=b:1", "delivery=null"))).getMessage());
        // A transaction that times out before its checkpoint completes is aborted by the broker: data lost.
        String message = assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(null,
                List.of("kafka.bootstrap-servers=b:1", "checkpoint-interval-ms=60000",
                        "kafka.transaction-timeout-ms=30000"))).getMessage();
        assertTrue(message.startsWith("kafka.transaction-timeout-ms (30000) must be longer than"), message);
        JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=b:1", "checkpoint-interval-ms=60000",
                "kafka.transaction-timeout-ms=30000", "delivery=at-least-once"));
    }

    @Test
    void bulkModeNeedsInputAndOutputButNoKafka() {
        JobConfig config = JobConfigLoader.load(null, List.of("mode=bulk", "bulk.input=in.jsonl", "bulk.output=out"));
        assertTrue(config.isBulk());
        assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(null, List.of("mode=bulk")));
    }

    @Test
    void theGpuTaskManagerConfigurationIsValidFlinkConfiguration() {
        Configuration flink = GlobalConfiguration.loadConfiguration(CONF.resolve("flink").toString());
        assertEquals("gpu", flink.toMap().get("external-resources"));
        assertEquals("2", flink.toMap().get("external-resource.gpu.amount"));
        assertEquals(flink.toMap().get("external-resource.gpu.amount"), flink.toMap().get("taskmanager.numberOfTaskSlots"),
                "one slot per GPU");
        assertEquals("org.apache.flink.externalresource.gpu.GPUDriverFactory",
                flink.toMap().get("external-resource.gpu.driver-factory.class"));
        assertTrue(flink.toMap().get("external-resource.gpu.param.discovery-script.path").endsWith("nvidia-gpu-discovery.sh"));
        assertTrue(flink.toMap().get("env.java.opts.all").contains("--add-modules jdk.incubator.vector"));
    }

    @Test
    void theSamplePromptsLoad() throws Exception {
        SamplePrompts.Records records = SamplePrompts.load(CONF.resolve("prompts.jsonl"),
                CONF.resolve("bad-prompts.jsonl"));
        assertEquals(12, records.good());
        assertEquals(8, records.bad());
        assertEquals(20, records.total());
    }
}
