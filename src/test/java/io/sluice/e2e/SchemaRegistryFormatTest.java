package io.sluice.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.job.RecordEncoder;
import io.sluice.operators.validate.ConfluentFraming;
import io.sluice.operators.validate.ConfluentRequestDecoder;
import io.sluice.operators.validate.RegistrySettings;
import io.sluice.operators.validate.SchemaRegistryClient;
import io.sluice.operators.validate.TopicFormat;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The avro-confluent format against a registry that speaks Confluent's REST API (no broker needed). */
class SchemaRegistryFormatTest {
    private static TestSchemaRegistry registry;
    private static RegistrySettings settings;

    @BeforeAll
    static void start() throws IOException {
        registry = new TestSchemaRegistry("svc", "s3cret");
        settings = new RegistrySettings(registry.url(), "svc", "s3cret", null, null, null, null);
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    static Schema promptRequestV1() throws IOException {
        try (InputStream in = AvroCodec.class.getResourceAsStream("history/PromptRequest.v1.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    /** A record as a producer still on PromptRequest v1 writes it with Confluent's serializer. */
    static byte[] v1Record(int schemaId, Schema v1, String id, String prompt, int maxTokens) throws IOException {
        GenericRecord sampling = new GenericData.Record(v1.getField("sampling").schema());
        sampling.put("max_tokens", maxTokens);
        sampling.put("temperature", 0f);
        sampling.put("top_p", 0.95f);
        sampling.put("top_k", 40);
        sampling.put("seed", null);
        GenericRecord request = new GenericData.Record(v1);
        request.put("request_id", id);
        request.put("prompt", prompt);
        request.put("prompt_ids", null);
        request.put("sampling", sampling);
        request.put("attributes", Map.of("producer", "v1"));
        request.put("created_at", System.currentTimeMillis());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v1).write(request, encoder);
        encoder.flush();
        return ConfluentFraming.frame(schemaId, out.toByteArray());
    }

    @Test
    void aV1WriterSchemaFromTheRegistryIsResolvedToTheCurrentRequest() throws Exception {
        Schema v1 = promptRequestV1();
        int id = registry.register("evolution-value", v1);
        PromptRequest r = new ConfluentRequestDecoder(settings).decode(v1Record(id, v1, "old-1", "ROMEO:", 7));
        assertEquals("old-1", r.getRequestId());
        assertEquals("ROMEO:", r.getPrompt());
        assertEquals(7, r.getSampling().getMaxTokens());
        assertEquals(0.05f, r.getSampling().getMinP(), "a field added in v2 takes its default");
        assertEquals(Map.of("producer", "v1"), r.getAttributes());
        assertTrue(registry.requests.contains("GET /schemas/ids/" + id));
        assertTrue(registry.authorizations.stream().allMatch(a -> a.startsWith("Basic ")));
    }

    @Test
    void recordsTheRegistryCannotVouchForAreWrongSchemaOrUndecodable() throws Exception {
        ConfluentRequestDecoder decoder = new ConfluentRequestDecoder(settings);
        RecordDecodeException json = assertThrows(RecordDecodeException.class,
                () -> decoder.decode("{\"request_id\": \"x\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(RecordDecodeException.Kind.UNDECODABLE, json.kind());
        assertEquals("expected Avro in Schema Registry framing (format avro-confluent): no magic byte 0; it looks "
                + "like JSON (format json)", json.getMessage());
        RecordDecodeException singleObject = assertThrows(RecordDecodeException.class, () -> decoder.decode(
                AvroCodec.PROMPT_REQUEST.encode(PromptRequest.newBuilder().setRequestId("a").setPrompt("b").build())));
        assertTrue(singleObject.getMessage().endsWith("it looks like Avro single-object encoding (format avro)"),
                singleObject.getMessage());

        RecordDecodeException unknown = assertThrows(RecordDecodeException.class,
                () -> decoder.decode(ConfluentFraming.frame(9999, new byte[] {2, 'a'})));
        assertEquals(RecordDecodeException.Kind.WRONG_SCHEMA, unknown.kind());
        assertTrue(unknown.getMessage().contains("Schema 9999 not found"), unknown.getMessage());

        int completionId = registry.register("other-value", Completion.getClassSchema());
        RecordDecodeException other = assertThrows(RecordDecodeException.class,
                () -> decoder.decode(ConfluentFraming.frame(completionId, new byte[] {0})));
        assertEquals(RecordDecodeException.Kind.WRONG_SCHEMA, other.kind());
        assertTrue(other.getMessage().contains("a io.sluice.schemas.Completion record, expected "
                + "io.sluice.schemas.PromptRequest"), other.getMessage());

        Schema incompatible = new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"PromptRequest\", "
                + "\"namespace\": \"io.sluice.schemas\", \"fields\": [{\"name\": \"request_id\", \"type\": \"int\"}]}");
        int incompatibleId = registry.register("incompatible-value", incompatible);
        RecordDecodeException wrong = assertThrows(RecordDecodeException.class,
                () -> decoder.decode(ConfluentFraming.frame(incompatibleId, new byte[] {2})));
        assertEquals(RecordDecodeException.Kind.WRONG_SCHEMA, wrong.kind());
        assertTrue(wrong.getMessage().contains("cannot be resolved"), wrong.getMessage());
    }

    @Test
    void outputSchemasAreRegisteredUnderTheTopicsValueSubject() throws Exception {
        RecordEncoder<Completion> encoder = RecordEncoder.open(AvroCodec.COMPLETION, null, TopicFormat.AVRO_CONFLUENT,
                settings, "answers");
        assertEquals(Completion.getClassSchema(), registry.latest("answers-value"));
        Completion c = Completion.newBuilder().setRequestId("r").setModel("m").setText("t")
                .setTokenIds(List.of(1, 2)).setFinishReason("stop")
                .setUsage(new io.sluice.schemas.Usage(1, 0, 2))
                .setTimings(new io.sluice.schemas.Timings(0.0, 0.0, 0.0, 0.0, 0.0))
                .setWorker(new io.sluice.schemas.Worker("h", 0, "cpu")).build();
        byte[] bytes = encoder.encode(c);
        assertEquals(ConfluentFraming.MAGIC, bytes[0]);
        Schema writer = new SchemaRegistryClient(settings).schemaById(ConfluentFraming.schemaId(bytes));
        assertEquals(c, AvroCodec.COMPLETION.decodeDatum(writer, bytes, ConfluentFraming.HEADER_LENGTH));
    }

    @Test
    void credentialsAreCheckedAndNeverPrinted() {
        RegistrySettings wrong = new RegistrySettings(registry.url(), "svc", "wrong-pw", null, null, null, null);
        IOException e = assertThrows(IOException.class,
                () -> new SchemaRegistryClient(wrong).schemaById(1));
        assertTrue(e.getMessage().contains("Unauthorized (HTTP 401"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-pw"));
        assertFalse(wrong.toString().contains("wrong-pw"), wrong.toString());
        // A registry that does not answer fails the task (the record is retried), it is not a dead letter.
        RegistrySettings down = RegistrySettings.of("http://127.0.0.1:1");
        assertThrows(UncheckedIOException.class, () -> new ConfluentRequestDecoder(down)
                .decode(ConfluentFraming.frame(1, new byte[] {0})));
    }

    @Test
    void tlsStoresFromTheSettingsReachAnHttpsRegistry(@TempDir Path dir) throws Exception {
        // A self-signed certificate for 127.0.0.1 made with the JDK's keytool; the client trusts the same store
        // (Java's trust managers take the certificate of a key entry as trusted).
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path server = dir.resolve("server.p12");
        keytool(keytool, "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-keystore", server.toString(),
                "-storetype", "PKCS12", "-storepass", "serverpw");
        Path trust = server;
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(server)) {
            keys.load(in, "serverpw".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "serverpw".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        try (TestSchemaRegistry https = new TestSchemaRegistry(null, null, tls)) {
            int id = https.register("tls-value", Completion.getClassSchema());
            RegistrySettings trusted = new RegistrySettings(https.url(), null, null, trust.toString(), "serverpw", null,
                    null);
            assertEquals(Completion.getClassSchema(), new SchemaRegistryClient(trusted).schemaById(id));
            IOException untrusted = assertThrows(IOException.class,
                    () -> new SchemaRegistryClient(RegistrySettings.of(https.url())).schemaById(id));
            assertTrue(untrusted.getMessage().startsWith("cannot reach the schema registry at " + https.url()),
                    untrusted.getMessage());
            RegistrySettings wrongPassword = new RegistrySettings(https.url(), null, null, trust.toString(), "nope",
                    null, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SchemaRegistryClient(wrongPassword));
            assertTrue(e.getMessage().startsWith("schema-registry.truststore: cannot read " + trust), e.getMessage());
        }
    }

    private static void keytool(Path keytool, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(keytool.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
    }
}
