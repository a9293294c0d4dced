package io.sluice.operators.validate;

import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;

/** Avro single-object encoding, any known version of PromptRequest (the Kafka topics' format). */
public final class AvroRequestDecoder implements RequestDecoder {
    private static final long serialVersionUID = 1L;

    @Override
    public PromptRequest decode(byte[] bytes) throws RecordDecodeException {
        if (!AvroCodec.isSingleObject(bytes)) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNDECODABLE, TopicFormat.AVRO.expected()
                    + ": no C3 01 marker" + RecordSniffer.looksLike(bytes));
        }
        return AvroCodec.PROMPT_REQUEST.decode(bytes);
    }
}
