package io.sluice.job;

import io.sluice.job.bulk.AvroPromptFiles;
import io.sluice.job.bulk.BulkFileFormat;
import io.sluice.job.bulk.BulkOutput;
import io.sluice.kv.BlockTable;
import io.sluice.model.LlamaModel;
import io.sluice.operators.validate.RegistrySettings;
import io.sluice.operators.validate.TopicFormat;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a local run can check before it submits the job, so that a mistake is one line at once instead of a
 * job that hangs or restarts forever: the model loads, the KV budget holds one sequence of the model's full
 * context, the bulk paths make sense, and the registry's TLS stores can be read. Connects to nothing.
 * Each failure is an IllegalArgumentException naming the setting.
 */
public final class Preflight {

    private Preflight() {
    }

    /** All checks; the model is loaded (memory-mapped) and closed again. */
    public static void check(JobConfig config) {
        if (config.isBulk()) {
            checkBulk(config.bulk());
        } else {
            checkRegistryStores(config);
            checkKafkaSecurity(config.kafka().properties());
        }
        checkModel(config);
    }

    /** The kafka.properties settings that name a TLS store file. */
    static final java.util.List<String> TLS_STORES = java.util.List.of("ssl.truststore.location",
            "ssl.keystore.location");

    /** The model file loads, and the KV budget (kv-cache-bytes, or kv-cache-fraction of this JVM's heap) fits it. */
    public static void checkModel(JobConfig config) {
        checkModel(config, true);
    }

    /**
     * The model file loads, and the KV budget fits it: kv-cache-bytes always, kv-cache-fraction only when
     * {@code engineInThisJvm} (it is a fraction of the heap of the JVM the engine runs in, which a {@code flink
     * run} client does not know).
     */
    static void checkModel(JobConfig config, boolean engineInThisJvm) {
        JobConfig.Model m = config.model();
        Path path = Path.of(m.path());
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("model.path " + m.path() + " is a directory, not a GGUF file");
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("model.path " + m.path() + ": no such file");
        }
        try (LlamaModel model = load(path)) {
            int context = model.config().contextLength();
            long perToken = model.kvBytesPerToken(m.kvCacheType());
            if (!engineInThisJvm && m.kvCacheBytes() <= 0) {
                return;
            }
            long need = (long) BlockTable.blocksFor(context, m.kvBlockSize()) * m.kvBlockSize() * perToken;
            long budget = kvBudget(m);
            if (budget < need) {
                String source = m.kvCacheBytes() > 0 ? "model.kv-cache-bytes (" + m.kvCacheBytes() + ")"
                        : String.format(Locale.ROOT, "model.kv-cache-fraction (%s of a %d MiB heap = %d bytes)",
                                m.kvCacheFraction(), Runtime.getRuntime().maxMemory() >> 20, budget);
                throw new IllegalArgumentException(source + " does not hold one sequence of " + path.getFileName()
                        + ": its context of " + context + " tokens needs " + need + " bytes of KV cache"
                        + " (" + m.kvCacheType() + ")");
            }
        }
    }

    /** The KV memory the engine will get in this JVM. */
    static long kvBudget(JobConfig.Model m) {
        return m.kvCacheBytes() > 0 ? m.kvCacheBytes()
                : (long) (Runtime.getRuntime().maxMemory() * m.kvCacheFraction());
    }

    private static LlamaModel load(Path path) {
        try {
            return LlamaModel.load(path);
        } catch (UncheckedIOException e) {
            String why = e.getCause() instanceof NoSuchFileException ? "no such file" : e.getCause().getMessage();
            throw new IllegalArgumentException("model.path " + path + ": " + why, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model.path " + path + " cannot be loaded: " + e.getMessage(), e);
        }
    }

    private static void checkBulk(JobConfig.Bulk bulk) {
        Path input = Path.of(bulk.input());
        if (!Files.exists(input)) {
            throw new IllegalArgumentException("bulk.input " + bulk.input() + ": no such file or directory");
        }
        if (!Files.isReadable(input)) {
            throw new IllegalArgumentException("bulk.input " + bulk.input() + " cannot be read");
        }
        Path output = Path.of(bulk.output());
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new IllegalArgumentException("bulk.output " + bulk.output()
                    + " is a file; it must be a directory (existing or not)");
        }
        if (output.toAbsolutePath().startsWith(input.toAbsolutePath()) && Files.isDirectory(input)) {
            throw new IllegalArgumentException("bulk.output " + bulk.output() + " is inside bulk.input " + bulk.input());
        }
        if (bulk.inputFileFormat() == BulkFileFormat.AVRO) {
            AvroPromptFiles.writerSchemas(bulk.input());
        }
        bulk.outputFileFormat();
        // Reads what earlier runs wrote (and refuses a directory that holds other files than a bulk job's).
        BulkOutput.answered(output);
    }

    private static void checkRegistryStores(JobConfig config) {
        boolean registry = config.kafka().inputFormat() == TopicFormat.AVRO_CONFLUENT
                || config.kafka().outputTopicFormat() == TopicFormat.AVRO_CONFLUENT;
        RegistrySettings s = config.schemaRegistry().settings();
        if (registry) {
            checkReadable(s.truststore(), "schema-registry.truststore");
            checkReadable(s.keystore(), "schema-registry.keystore");
        }
    }

    /**
     * The Kafka clients' security settings that can be checked offline: a known {@code security.protocol}, a
     * JAAS configuration for SASL, TLS stores that exist. (A wrong password shows when the brokers are asked.)
     */
    static void checkKafkaSecurity(java.util.Map<String, String> properties) {
        checkKafkaLogin(properties);
        for (String store : TLS_STORES) {
            String file = properties.get(store);
            if (file != null) {
                checkReadable(file, "kafka.properties." + store);
            }
        }
    }

    /** The security settings that need no file: a known {@code security.protocol}, a JAAS configuration for SASL. */
    static void checkKafkaLogin(java.util.Map<String, String> properties) {
        String protocol = properties.getOrDefault("security.protocol", "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
        if (!java.util.Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL").contains(protocol)) {
            throw new IllegalArgumentException("kafka.properties.security.protocol must be PLAINTEXT, SSL,"
                    + " SASL_PLAINTEXT or SASL_SSL, got " + properties.get("security.protocol"));
        }
        if (protocol.startsWith("SASL_") && !properties.containsKey("sasl.jaas.config")
                && System.getProperty("java.security.auth.login.config") == null) {
            throw new IllegalArgumentException("kafka.properties.security.protocol " + protocol
                    + " needs kafka.properties.sasl.jaas.config (the login module, user and password)");
        }
    }

    private static void checkReadable(String file, String setting) {
        if (file != null && !Files.isRegularFile(Path.of(file))) {
            throw new IllegalArgumentException(setting + " " + file + ": no such file");
        }
    }
}
