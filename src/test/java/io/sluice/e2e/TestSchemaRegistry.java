package io.sluice.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A Schema Registry for tests, speaking the part of Confluent's REST API that Sluice uses, as Confluent
 * documents it: {@code GET /schemas/ids/{id}} ({"schema": "..."}; 404 with error_code 40403),
 * {@code POST /subjects/{subject}/versions} ({"schema": "..."} → {"id": N}; the same schema gets the same id
 * in every subject; 409 with error_code 409 when the schema cannot read the subject's latest version, the
 * default BACKWARD compatibility), {@code GET /subjects/{subject}/versions/latest}; HTTP basic auth when
 * credentials are set (401 otherwise). Requests are logged for assertions.
 */
final class TestSchemaRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
    private static final Pattern VERSIONS = Pattern.compile("/subjects/([^/]+)/versions(/latest)?");

    private final HttpServer server;
    private final String credentials;
    private final List<Schema> schemas = new CopyOnWriteArrayList<>();
    private final Map<String, List<Integer>> subjects = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    TestSchemaRegistry(String username, String password) throws IOException {
        this(username, password, null);
    }

    /** With a TLS context, the registry speaks HTTPS only. */
    TestSchemaRegistry(String username, String password, SSLContext tls) throws IOException {
        this.credentials = username == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        if (tls != null) {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        } else {
            server = HttpServer.create(address, 0);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Registers a schema directly (what another producer's serializer would do); returns its id. */
    synchronized int register(String subject, Schema schema) {
        int id = idOf(schema);
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    Schema latest(String subject) {
        List<Integer> versions = subjects.get(subject);
        return versions == null ? null : schemas.get(versions.get(versions.size() - 1) - 1);
    }

    private int idOf(Schema schema) {
        for (int i = 0; i < schemas.size(); i++) {
            if (schemas.get(i).equals(schema)) {
                return i + 1;
            }
        }
        schemas.add(schema);
        return schemas.size();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        requests.add(exchange.getRequestMethod() + " " + path);
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        authorizations.add(auth == null ? "" : auth);
        try {
            if (credentials != null && !credentials.equals(auth)) {
                reply(exchange, 401, error(401, "Unauthorized"));
                return;
            }
            Matcher byId = BY_ID.matcher(path);
            Matcher versions = VERSIONS.matcher(path);
            if ("GET".equals(exchange.getRequestMethod()) && byId.matches()) {
                int id = Integer.parseInt(byId.group(1));
                if (id < 1 || id > schemas.size()) {
                    reply(exchange, 404, error(40403, "Schema " + id + " not found"));
                    return;
                }
                ObjectNode answer = JSON.createObjectNode();
                answer.put("schema", schemas.get(id - 1).toString());
                reply(exchange, 200, answer);
            } else if (versions.matches()) {
                String subject = URLDecoder.decode(versions.group(1), StandardCharsets.UTF_8);
                if ("GET".equals(exchange.getRequestMethod()) && versions.group(2) != null) {
                    Schema latest = latest(subject);
                    if (latest == null) {
                        reply(exchange, 404, error(40401, "Subject '" + subject + "' not found."));
                        return;
                    }
                    ObjectNode answer = JSON.createObjectNode();
                    answer.put("subject", subject);
                    answer.put("id", idOf(latest));
                    answer.put("schema", latest.toString());
                    reply(exchange, 200, answer);
                } else if ("POST".equals(exchange.getRequestMethod()) && versions.group(2) == null) {
                    JsonNode body = JSON.readTree(exchange.getRequestBody());
                    Schema schema = new Schema.Parser().parse(body.get("schema").asText());
                    synchronized (this) {
                        Schema latest = latest(subject);
                        if (latest != null && !latest.equals(schema) && SchemaCompatibility
                                .checkReaderWriterCompatibility(schema, latest).getType()
                                != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                            reply(exchange, 409, error(409, "Schema being registered is incompatible with an "
                                    + "earlier schema for subject \"" + subject + "\""));
                            return;
                        }
                        ObjectNode answer = JSON.createObjectNode();
                        answer.put("id", register(subject, schema));
                        reply(exchange, 200, answer);
                    }
                } else {
                    reply(exchange, 405, error(405, "Method not allowed"));
                }
            } else {
                reply(exchange, 404, error(404, "HTTP 404 Not Found"));
            }
        } catch (RuntimeException e) {
            reply(exchange, 500, error(50001, e.toString()));
        }
    }

    private static ObjectNode error(int code, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.put("error_code", code);
        e.put("message", message);
        return e;
    }

    private static void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
