package io.sluice.job.bulk;

import io.sluice.operators.validate.RequestDecoder;
import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Decodes the records of {@link AvroRecordFormat}: single-object framed datums whose writer schema is one of
 * the input files' (known from their headers), resolved to the current PromptRequest.
 */
public final class AvroFileRequestDecoder implements RequestDecoder {
    private static final long serialVersionUID = 1L;

    private final HashMap<Long, String> writerSchemas;
    private transient Map<Long, Schema> parsed;

    public AvroFileRequestDecoder(Map<Long, String> writerSchemas) {
        this.writerSchemas = new HashMap<>(writerSchemas);
    }

    @Override
    public PromptRequest decode(byte[] bytes) throws RecordDecodeException {
        if (!AvroCodec.isSingleObject(bytes) || bytes.length < 10) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE, "not an Avro record");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = writerSchemas.get(fingerprint);
        if (json == null) {
            return AvroCodec.PROMPT_REQUEST.decode(bytes);
        }
        if (parsed == null) {
            parsed = new ConcurrentHashMap<>();
        }
        Schema writer = parsed.computeIfAbsent(fingerprint, f -> new Schema.Parser().parse(json));
        return AvroCodec.PROMPT_REQUEST.decodeDatum(writer, bytes, 10);
    }
}
