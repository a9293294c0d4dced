package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.local.SamplePrompts;
import io.sluice.operators.validate.TopicFormat;
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
                .contains("micro-batch.max-requests must be >= 1"));
        assertEquals("delivery must be exactly-once, at-least-once or none, got twice", assertThrows(
                IllegalArgumentException.class, () -> JobConfigLoader.load(null,
                        List.of("kafka.bootstrap-servers=b:1", "delivery=twice"))).getMessage());
        assertEquals("no such config file: " + dir.resolve("none.yaml"), assertThrows(IllegalArgumentException.class,
                () -> JobConfigLoader.load(dir.resolve("none.yaml"), List.of())).getMessage());
    }

    @Test
    void sizeLimitsMustLeaveRoomUnderTheProducersMaxRequestSize() {
        JobConfig defaults = JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=b:1"));
        assertEquals(262144, defaults.limits().maxRequestBytes());
        assertEquals(262144, defaults.validationLimits().maxRequestBytes());
        assertEquals(65536, defaults.limits().deadLetterOriginalBytes());
        assertEquals("limits.max-request-bytes (524288) + limits.dead-letter-original-bytes (65536) must be at most"
                        + " half of the producer's max.request.size (1048576; kafka.properties.max.request.size)",
                assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(null,
                        List.of("kafka.bootstrap-servers=b:1", "limits.max-request-bytes=524288"))).getMessage());
        JobConfig larger = JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=b:1",
                "limits.max-request-bytes=524288", "kafka.properties.max.request.size=2097152"));
        assertEquals(524288, larger.validationLimits().maxRequestBytes());
        assertEquals("limits.dead-letter-original-bytes must be >= 0, got -1", assertThrows(
                IllegalArgumentException.class, () -> JobConfigLoader.load(null,
                        List.of("kafka.bootstrap-servers=b:1", "limits.dead-letter-original-bytes=-1"))).getMessage());
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

    private static String error(List<String> overrides) {
        return assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(null, overrides)).getMessage();
    }

    private static List<String> kafka(String... more) {
        List<String> all = new java.util.ArrayList<>(List.of("kafka.bootstrap-servers=b:9092"));
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void errorsNameTheSettingsAsTheYamlSpellsThem() {
        assertEquals("model.max-sequences must be > 0, got 0", error(kafka("model.max-sequences=0")));
        assertEquals("model.max-batch-tokens must be > 0, got -1", error(kafka("model.max-batch-tokens=-1")));
        assertEquals("model.kv-block-size must be in 1..4096, got 0", error(kafka("model.kv-block-size=0")));
        assertEquals("model.kv-cache-fraction must be in (0, 0.9], got 2.0", error(kafka("model.kv-cache-fraction=2")));
        assertEquals("inference.max-in-flight-requests must be >= 1, got 0",
                error(kafka("inference.max-in-flight-requests=0")));
        assertEquals("limits.max-tokens must be >= 1, got 0", error(kafka("limits.max-tokens=0")));
        assertEquals("micro-batch.max-wait-ms must be >= 0, got -5", error(kafka("micro-batch.max-wait-ms=-5")));
    }

    @Test
    void aSectionGivenOneValueNamesItsKeysNotJackson(@TempDir Path dir) throws Exception {
        String message = error(kafka("model=3"));
        assertTrue(message.startsWith("'model' is a section, not a value: set its keys (model.name, model.path"),
                message);
        assertFalse(message.contains("Cannot construct"), message);
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "kafka:\n  bootstrap-servers: b:9092\nmicro-batch: 7\n");
        message = assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(yaml, List.of())).getMessage();
        assertTrue(message.startsWith("'micro-batch' is a section"), message);
        assertEquals("bad setting 'micro-batch.max-requests': expected a whole number, got 'lots'",
                error(kafka("micro-batch.max-requests=lots")));
        assertEquals("bad setting 'model.kv-8bit': expected true or false, got 'maybe'",
                error(kafka("model.kv-8bit=maybe")));
    }

    @Test
    void duplicateYamlKeysAreAnError(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "kafka:\n  bootstrap-servers: a:9092\n  bootstrap-servers: b:9092\n");
        String message = assertThrows(IllegalArgumentException.class, () -> JobConfigLoader.load(yaml, List.of()))
                .getMessage();
        assertEquals(yaml + ": duplicate key 'bootstrap-servers' (line 3)", message);
    }

    @Test
    void bootstrapServersMustBeHostAndPort() {
        assertEquals("kafka.bootstrap-servers: 'localhost' is not host:port (e.g. broker:9092)",
                error(List.of("kafka.bootstrap-servers=localhost")));
        assertEquals("kafka.bootstrap-servers: 'b:99999' is not host:port (e.g. broker:9092)",
                error(List.of("kafka.bootstrap-servers=a:1,b:99999")));
        assertEquals("kafka.bootstrap-servers: 'not a host:1' is not host:port (e.g. broker:9092)",
                error(List.of("kafka.bootstrap-servers=not a host:1")));
        JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=broker-1.example.com:9092, [::1]:9093"));
    }

    @Test
    void formatsAndTheRegistryAreChecked() {
        JobConfig config = JobConfigLoader.load(null, kafka("kafka.format=json", "kafka.output-format=avro-confluent",
                "schema-registry.url=https://registry:8081", "schema-registry.username=svc",
                "schema-registry.password=hunter2"));
        assertEquals(TopicFormat.JSON, config.kafka().inputFormat());
        assertEquals(TopicFormat.AVRO_CONFLUENT, config.kafka().outputTopicFormat());
        assertFalse(config.schemaRegistry().toString().contains("hunter2"), config.schemaRegistry().toString());
        assertEquals(TopicFormat.AVRO, JobConfigLoader.load(null, kafka()).kafka().inputFormat());
        assertEquals("kafka.format must be avro, json, avro-confluent, got protobuf",
                error(kafka("kafka.format=protobuf")));
        assertEquals("kafka.output-format must be avro, json, avro-confluent, got xml",
                error(kafka("kafka.output-format=xml")));
        assertEquals("kafka.format avro-confluent needs schema-registry.url", error(kafka("kafka.format=avro-confluent")));
        assertEquals("schema-registry.url must be an http:// or https:// URL, got ftp://r:1",
                error(kafka("kafka.format=avro-confluent", "schema-registry.url=ftp://r:1")));
        assertTrue(error(kafka("kafka.format=avro-confluent", "schema-registry.url=http://u:secret@r:1"))
                .startsWith("schema-registry.url must not carry credentials"));
    }

    @Test
    void aUsersIsolationLevelCannotReplaceReadCommitted() {
        assertEquals("kafka.properties.isolation.level must be read_committed (records of aborted transactions are "
                + "not requests), got read_uncommitted", error(kafka("kafka.properties.isolation.level=read_uncommitted")));
        JobConfigLoader.load(null, kafka("kafka.properties.isolation.level=read_committed"));
    }

    @Test
    void secretsInKafkaPropertiesAreMasked() {
        JobConfig config = JobConfigLoader.load(null, kafka("kafka.properties.sasl.jaas.config=user pass",
                "kafka.properties.ssl.truststore.password=pw", "kafka.properties.security.protocol=SASL_SSL"));
        assertEquals(java.util.Map.of("sasl.jaas.config", "***", "ssl.truststore.password", "***",
                "security.protocol", "SASL_SSL"), config.kafka().maskedProperties());
        assertFalse(config.toString().contains("user pass"), config.toString());
    }
}
