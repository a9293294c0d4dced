package io.sluice.operators.validate;

import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;

/** Avro single-object encoding, any known version of PromptRequest (the Kafka topics' format). */
public final class AvroRequestDecoder implements RequestDecoder {
    private static final long serialVersionUID = 1L;

    @Override
    public PromptRequest decode(byte[] bytes) throws RecordDecodeException {
        return AvroCodec.PROMPT_REQUEST.decode(bytes);
    }
}
