package io.sluice.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobConfigMaskingTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"u\" password=\"jaas-secret-1\";";

    private static JobConfig secured() {
        return JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=broker:9093",
                "kafka.properties.security.protocol=SASL_SSL", "kafka.properties.sasl.mechanism=SCRAM-SHA-256",
                "kafka.properties.sasl.jaas.config=" + JAAS,
                "kafka.properties.ssl.truststore.password=trust-secret-2",
                "kafka.properties.ssl.keystore.password=key-secret-3",
                "kafka.properties.ssl.key.password=key-secret-4",
                "flink.s3.secret-key=flink-secret-5", "flink.fs.azure.account.key.x=flink-secret-6",
                "schema-registry.password=registry-secret-7"));
    }

    @Test
    void theYamlAndToStringMaskEverySecret() {
        JobConfig config = secured();
        for (String printed : List.of(JobConfigLoader.toMaskedYaml(config), config.toString(),
                config.kafka().toString())) {
            for (int i = 1; i <= 7; i++) {
                assertFalse(printed.matches("(?s).*secret-" + i + "\\b.*"), "secret " + i + " in\n" + printed);
            }
        }
        String yaml = JobConfigLoader.toMaskedYaml(config);
        assertTrue(yaml.contains("security.protocol: SASL_SSL"), yaml);
        assertTrue(yaml.contains("sasl.mechanism: SCRAM-SHA-256"), yaml);
    }

    @Test
    void secretKeysAreRecognised() {
        for (String key : List.of("sasl.jaas.config", "ssl.truststore.password", "ssl.keystore.key",
                "basic.auth.user.info", "sasl.oauthbearer.client.credentials.client.secret", "s3.secret-key",
                "fs.azure.account.key.acc")) {
            assertTrue(JobConfig.isSecret(key), key);
        }
        for (String key : List.of("security.protocol", "sasl.mechanism", "ssl.truststore.location", "key.serializer",
                "bootstrap.servers")) {
            assertFalse(JobConfig.isSecret(key), key);
        }
        assertEquals(Map.of("a.password", "***", "b", "x"), JobConfig.masked(Map.of("a.password", "p", "b", "x")));
    }

    @Test
    void preflightChecksTheKafkaSecuritySettingsOffline() {
        assertEquals("kafka.properties.security.protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got TLS",
                assertThrows(IllegalArgumentException.class,
                        () -> Preflight.checkKafkaSecurity(Map.of("security.protocol", "TLS"))).getMessage());
        assertEquals("kafka.properties.security.protocol SASL_SSL needs kafka.properties.sasl.jaas.config (the login"
                        + " module, user and password)",
                assertThrows(IllegalArgumentException.class,
                        () -> Preflight.checkKafkaSecurity(Map.of("security.protocol", "sasl_ssl"))).getMessage());
        assertEquals("kafka.properties.ssl.keystore.location /no/such.p12: no such file",
                assertThrows(IllegalArgumentException.class, () -> Preflight.checkKafkaSecurity(Map.of(
                        "security.protocol", "SSL", "ssl.keystore.location", "/no/such.p12"))).getMessage());
        Preflight.checkKafkaSecurity(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", JAAS));
    }
}
