package io.sluice.operators.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two calls of Confluent's Schema Registry REST API that Sluice needs, over the JDK's HTTP client:
 * {@code GET /schemas/ids/{id}} (a writer schema by id, cached) and {@code POST /subjects/{subject}/versions}
 * (register a schema, or find its id when the subject already has it; cached). Thread-safe.
 */
public final class SchemaRegistryClient {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** The registry answered with an error: its HTTP status and the registry's own error code. */
    public static final class RegistryException extends IOException {
        /** The status of an answer that arrived but holds a schema Sluice cannot use. */
        static final int UNUSABLE_SCHEMA = 0;
        private final int status;
        private final int errorCode;

        RegistryException(String message, int status, int errorCode) {
            super(message);
            this.status = status;
            this.errorCode = errorCode;
        }

        public int status() {
            return status;
        }

        public int errorCode() {
            return errorCode;
        }

        /** The id or subject does not exist. */
        public boolean notFound() {
            return status == 404;
        }

        /** The registry answered, and its answer rules the record out: no such schema, or not a usable one. */
        public boolean aboutTheSchema() {
            return status == 404 || status == UNUSABLE_SCHEMA;
        }
    }

    private final RegistrySettings settings;
    private final URI base;
    private final HttpClient http;
    private final String authorization;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> registered = new ConcurrentHashMap<>();

    public SchemaRegistryClient(RegistrySettings settings) {
        this.settings = settings;
        this.base = settings.baseUri();
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(TIMEOUT);
        if (settings.truststore() != null || settings.keystore() != null) {
            builder.sslContext(sslContext(settings));
        }
        this.http = builder.build();
        this.authorization = settings.hasCredentials() ? "Basic " + Base64.getEncoder().encodeToString(
                (settings.username() + ":" + (settings.password() == null ? "" : settings.password()))
                        .getBytes(StandardCharsets.UTF_8)) : null;
        LOG.info("schema registry {}", settings);
    }

    public RegistrySettings settings() {
        return settings;
    }

    /** The writer schema with this id. A 404 is a {@link RegistryException} with {@code notFound()}. */
    public Schema schemaById(int id) throws IOException {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call(HttpRequest.newBuilder(URI.create(base + "/schemas/ids/" + id)).GET(),
                "schema id " + id);
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new RegistryException("schema id " + id + " is a " + type + " schema, not Avro", RegistryException.UNUSABLE_SCHEMA, 0);
        }
        if (!answer.path("schema").isTextual()) {
            throw new IOException("the registry's answer for schema id " + id + " has no schema");
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(answer.get("schema").textValue());
        } catch (RuntimeException e) {
            throw new RegistryException("schema id " + id + " is not a valid Avro schema: " + e.getMessage(),
                    RegistryException.UNUSABLE_SCHEMA, 0);
        }
        schemasById.put(id, schema);
        return schema;
    }

    /** Registers the schema under the subject (or finds it there) and returns its id. */
    public int register(String subject, Schema schema) throws IOException {
        String key = subject + "\n" + schema;
        Integer cached = registered.get(key);
        if (cached != null) {
            return cached;
        }
        String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
        URI uri = URI.create(base + "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8)
                .replace("+", "%20") + "/versions");
        JsonNode answer = call(HttpRequest.newBuilder(uri)
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)), "subject " + subject);
        if (!answer.path("id").canConvertToInt()) {
            throw new IOException("the registry's answer for subject " + subject + " has no id");
        }
        int id = answer.get("id").intValue();
        registered.put(key, id);
        schemasById.putIfAbsent(id, schema);
        LOG.info("schema {} registered under {} as id {}", schema.getFullName(), subject, id);
        return id;
    }

    private JsonNode call(HttpRequest.Builder request, String what) throws IOException {
        request.timeout(TIMEOUT).header("Accept", CONTENT_TYPE + ", application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the schema registry for " + what, e);
        } catch (IOException e) {
            throw new IOException("cannot reach the schema registry at " + settings.maskedUrl() + " (" + what + "): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        if (response.statusCode() / 100 != 2) {
            String message = json != null && json.path("message").isTextual() ? json.get("message").textValue()
                    : "HTTP " + response.statusCode();
            int code = json == null ? 0 : json.path("error_code").asInt(0);
            throw new RegistryException("schema registry at " + settings.maskedUrl() + ": " + what + ": " + message
                    + " (HTTP " + response.statusCode() + (code != 0 ? ", error " + code : "") + ")",
                    response.statusCode(), code);
        }
        if (json == null || !json.isObject()) {
            throw new IOException("schema registry at " + settings.maskedUrl() + ": " + what + ": not a JSON answer");
        }
        return json;
    }

    /** The TLS context of the configured trust and key stores. */
    static SSLContext sslContext(RegistrySettings s) {
        try {
            TrustManagerFactory tmf = null;
            if (s.truststore() != null) {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(load(s.truststore(), s.truststorePassword(), "schema-registry.truststore"));
            }
            KeyManagerFactory kmf = null;
            if (s.keystore() != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                char[] password = s.keystorePassword() == null ? new char[0] : s.keystorePassword().toCharArray();
                kmf.init(load(s.keystore(), s.keystorePassword(), "schema-registry.keystore"), password);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("schema-registry TLS settings: " + e.getMessage(), e);
        }
    }

    /** A key store file (PKCS12 or JKS, which Java's PKCS12 loader also reads). */
    static KeyStore load(String file, String password, String setting) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(setting + ": no such file: " + file);
        }
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, password == null ? null : password.toCharArray());
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException(setting + ": " + e.getMessage(), e));
        }
    }
}
