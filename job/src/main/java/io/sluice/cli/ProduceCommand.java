package io.sluice.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.job.JsonRecords;
import io.sluice.job.RecordEncoder;
import io.sluice.operators.validate.JsonRequestDecoder;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice produce}: sends the PromptRequest objects of a JSONL file (one per line, as bulk jobs read
 * them) to a topic in the topic's format. A bad line is reported with its number and skipped; the summary
 * counts what was sent and skipped. Exit 0 when every line was sent, 2 when lines were skipped or the broker
 * cannot be reached, 1 when the broker refused records.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send the PromptRequest objects of a JSONL file to a Kafka topic, in the topic's format.")
final class ProduceCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka brokers (default: kafka.bootstrap-servers of --config).")
    String bootstrapServers;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Prompt topic (default: kafka.input-topic, sluice-prompts).")
    String topic;

    @Option(names = "--format", paramLabel = "FORMAT", description = "avro, json or avro-confluent (default: kafka.format, avro).")
    String format;

    @Option(names = "--schema-registry", paramLabel = "URL", description = "Schema Registry for avro-confluent (default: schema-registry.url).")
    String schemaRegistry;

    @Option(names = "--config", paramLabel = "FILE", description = "Job configuration to take the settings above and kafka.properties from.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a job setting (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "FILE.jsonl", description = "One JSON PromptRequest per line ('-': standard input).")
    String file;

    @Override
    public Integer call() throws Exception {
        KafkaEndpoint endpoint = KafkaEndpoint.of(config, overrides, bootstrapServers, schemaRegistry, topic, format, true);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (InputStream in = open(file)) {
            endpoint.describeTopic();
            RecordEncoder<PromptRequest> encoder = RecordEncoder.open(AvroCodec.PROMPT_REQUEST, null,
                    endpoint.format, endpoint.config.schemaRegistry().settings(), endpoint.topic);
            Tally tally = new Tally();
            try (KafkaProducer<byte[], byte[]> producer = producer(endpoint)) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                List<Integer> sentLines = new ArrayList<>();
                LineReader lines = new LineReader(in);
                byte[] raw;
                while ((raw = lines.next()) != null) {
                    int number = lines.number();
                    byte[] value;
                    String key;
                    try {
                        ObjectNode json = parse(raw);
                        PromptRequest request = JsonRequestDecoder.fromJson(json);
                        if (request.getRequestId().isBlank()) {
                            throw new RecordDecodeException(RecordDecodeException.Kind.WRONG_SCHEMA,
                                    "request_id is missing");
                        }
                        if (request.getCreatedAt() == 0) {
                            long now = System.currentTimeMillis();
                            request.setCreatedAt(now);
                            json.put("created_at", now);
                        }
                        key = request.getRequestId();
                        value = endpoint.format == TopicFormat.JSON
                                ? JsonRecords.line(json).getBytes(StandardCharsets.UTF_8) : encoder.encode(request);
                    } catch (RecordDecodeException | BadLine e) {
                        err.printf("produce: line %d: %s (skipped)%n", number, e.getMessage());
                        tally.skipped++;
                        continue;
                    } catch (CharacterCodingException e) {
                        err.printf("produce: line %d: not UTF-8 text (skipped)%n", number);
                        tally.skipped++;
                        continue;
                    }
                    sent.add(producer.send(new ProducerRecord<>(endpoint.topic, key.getBytes(StandardCharsets.UTF_8),
                            value)));
                    sentLines.add(number);
                }
                producer.flush();
                for (int i = 0; i < sent.size(); i++) {
                    try {
                        sent.get(i).get();
                        tally.sent++;
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                            throw endpoint.unreachable();
                        }
                        err.printf("produce: line %d: not sent: %s%n", sentLines.get(i), e.getCause().getMessage());
                        tally.failed++;
                    }
                }
            }
            err.flush();
            out.printf("produce: %d sent, %d skipped%s to %s (%s)%n", tally.sent, tally.skipped,
                    tally.failed > 0 ? ", " + tally.failed + " failed" : "", endpoint.topic,
                    endpoint.format.configName());
            out.flush();
            return tally.failed > 0 ? 1 : tally.skipped > 0 ? 2 : 0;
        }
    }

    private static InputStream open(String file) throws IOException {
        if ("-".equals(file)) {
            return System.in;
        }
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            throw new UserError(file + " is a directory, not a JSONL file");
        }
        if (!Files.isRegularFile(path)) {
            throw new UserError("no such file: " + file);
        }
        return Files.newInputStream(path);
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaEndpoint endpoint) {
        Properties p = endpoint.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(KafkaEndpoint.ANSWER_SECONDS * 1000));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(2 * KafkaEndpoint.ANSWER_SECONDS * 1000));
        return new KafkaProducer<>(p);
    }

    private static ObjectNode parse(byte[] raw) throws CharacterCodingException, BadLine {
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadLine("not JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw new BadLine("not a JSON object");
        }
        return object;
    }

    /** A line that is not a JSON object. */
    private static final class BadLine extends Exception {
        BadLine(String message) {
            super(message);
        }
    }

    private static final class Tally {
        int sent;
        int skipped;
        int failed;
    }

    /** Lines as bytes (decoding is per line, so one line of bad bytes does not stop the rest); blank lines skipped. */
    private static final class LineReader {
        private final InputStream in;
        private int number;

        LineReader(InputStream in) {
            this.in = new BufferedInputStream(in);
        }

        byte[] next() throws IOException {
            while (true) {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                boolean any = false;
                while ((b = in.read()) != -1 && b != '\n') {
                    line.write(b);
                    any = true;
                }
                if (b == -1 && !any) {
                    return null;
                }
                number++;
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                if (!new String(bytes, 0, end, StandardCharsets.ISO_8859_1).isBlank()) {
                    return end == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, end);
                }
            }
        }

        int number() {
            return number;
        }
    }
}
