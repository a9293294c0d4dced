package io.sluice.operators.validate;

import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import io.sluice.schemas.RecordDecodeException.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * Records as Confluent's Avro serializers write them (see {@link ConfluentFraming}): the writer schema is
 * fetched by id from the Schema Registry (cached) and resolved to the current PromptRequest. A schema the
 * registry does not have, a schema of another record or an incompatible one is WRONG_SCHEMA; a registry that
 * cannot be reached fails the task (the record is read again after the restart) instead of dead-lettering
 * good records.
 */
public final class ConfluentRequestDecoder implements RequestDecoder {
    private static final long serialVersionUID = 1L;

    private final RegistrySettings settings;
    private transient volatile SchemaRegistryClient client;

    public ConfluentRequestDecoder(RegistrySettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** A decoder on an existing client (tests, tools). */
    public ConfluentRequestDecoder(SchemaRegistryClient client) {
        this(client.settings());
        this.client = client;
    }

    @Override
    public PromptRequest decode(byte[] bytes) throws RecordDecodeException {
        if (!ConfluentFraming.isFramed(bytes)) {
            String header = bytes != null && bytes.length > 0 && bytes[0] != ConfluentFraming.MAGIC
                    ? "no magic byte 0" : "shorter than the 5-byte header";
            throw new RecordDecodeException(Kind.UNDECODABLE, TopicFormat.AVRO_CONFLUENT.expected() + ": " + header
                    + RecordSniffer.looksLike(bytes));
        }
        int id = ConfluentFraming.schemaId(bytes);
        Schema writer;
        try {
            writer = client().schemaById(id);
        } catch (SchemaRegistryClient.RegistryException e) {
            if (e.aboutTheSchema()) {
                throw new RecordDecodeException(Kind.WRONG_SCHEMA, "schema id " + id + ": " + e.getMessage());
            }
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return AvroCodec.PROMPT_REQUEST.decodeDatum(writer, bytes, ConfluentFraming.HEADER_LENGTH);
        } catch (RecordDecodeException e) {
            throw new RecordDecodeException(e.kind(), "schema id " + id + ": " + e.getMessage());
        }
    }

    private SchemaRegistryClient client() {
        SchemaRegistryClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = new SchemaRegistryClient(settings);
                    client = c;
                }
            }
        }
        return c;
    }
}
