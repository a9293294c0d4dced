package io.sluice.operators.validate;

import io.sluice.operators.model.RawRecord;
import io.sluice.schemas.DeadLetter;
import io.sluice.schemas.PromptRequest;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/** The side output that carries dead letters, and how they are made. */
public final class DeadLetters {

    /** Side output of the validation and inference operators. */
    public static final OutputTag<DeadLetter> TAG =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private DeadLetters() {
    }

    /** A dead letter for a record that could not be decoded into a request. */
    public static DeadLetter of(RawRecord source, Rejection rejection, long now) {
        return of(source, null, rejection, now);
    }

    /** A dead letter for a decoded request (its id and attributes are kept). */
    public static DeadLetter of(RawRecord source, PromptRequest request, Rejection rejection, long now) {
        byte[] original = source.value == null ? new byte[0] : source.value;
        Map<String, String> attributes = request == null || request.getAttributes() == null
                ? Map.of() : request.getAttributes();
        return DeadLetter.newBuilder()
                .setOriginal(ByteBuffer.wrap(original))
                .setTopic(source.topic == null ? "" : source.topic)
                .setPartition(source.partition)
                .setOffset(source.offset)
                .setRequestId(request == null ? null : request.getRequestId())
                .setErrorCode(rejection.reason().name())
                .setErrorMessage(rejection.message())
                .setAttributes(attributes)
                .setFailedAt(now)
                .build();
    }
}
