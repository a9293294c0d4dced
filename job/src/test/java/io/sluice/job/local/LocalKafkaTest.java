package io.sluice.job.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

class LocalKafkaTest {

    @Test
    void theBrokerStartsWithoutPrintingKafkasFormattingLines() throws Exception {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try (LocalKafka kafka = LocalKafka.start()) {
            kafka.createTopics(Map.of("t", 1));
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                assertEquals(1, admin.describeTopics(java.util.List.of("t")).allTopicNames().get().get("t")
                        .partitions().size());
            }
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("Formatting metadata directory"), text);
        assertFalse(text.contains("Bootstrap metadata"), text);
    }
}
