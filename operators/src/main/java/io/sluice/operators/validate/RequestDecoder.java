package io.sluice.operators.validate;

import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import java.io.Serializable;

/** Turns a record's bytes into a request: Avro from Kafka, JSON lines from files. */
public interface RequestDecoder extends Serializable {
    PromptRequest decode(byte[] bytes) throws RecordDecodeException;
}
