package io.sluice.operators.validate;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RawRecord;
import io.sluice.schemas.PromptRequest;
import io.sluice.schemas.RecordDecodeException;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes raw records into requests and checks them; what fails goes to {@link DeadLetters#TAG} with its
 * reason, and the job goes on. Stateless.
 */
public final class RequestValidator extends ProcessFunction<RawRecord, PendingRequest> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RequestValidator.class);

    private final RequestDecoder decoder;
    private final ValidationLimits limits;
    private transient DeadLetterCounters deadLetters;

    public RequestValidator(RequestDecoder decoder, ValidationLimits limits) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public void open(OpenContext openContext) {
        deadLetters = new DeadLetterCounters(getRuntimeContext().getMetricGroup().addGroup("sluice"));
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<PendingRequest> out) {
        if (record.value != null && record.value.length > limits.maxRequestBytes()) {
            reject(record, null, new Rejection(DeadLetterReason.REQUEST_TOO_LARGE, "a record of "
                    + record.value.length + " bytes; requests may have " + limits.maxRequestBytes()
                    + " at most (limits.max-request-bytes)"), ctx);
            return;
        }
        PromptRequest request;
        try {
            request = decoder.decode(record.value);
        } catch (RecordDecodeException e) {
            DeadLetterReason reason = e.kind() == RecordDecodeException.Kind.WRONG_SCHEMA
                    ? DeadLetterReason.WRONG_SCHEMA : DeadLetterReason.UNDECODABLE;
            reject(record, null, new Rejection(reason, e.getMessage()), ctx);
            return;
        }
        Optional<Rejection> rejection = RequestRules.check(request, limits);
        if (rejection.isPresent()) {
            reject(record, request, rejection.get(), ctx);
            return;
        }
        out.collect(new PendingRequest(request, record, PromptTokens.estimate(request)));
    }

    private void reject(RawRecord record, PromptRequest request, Rejection rejection, Context ctx) {
        LOG.debug("dead letter {} from {}: {}", rejection.reason(), record, rejection.message());
        deadLetters.inc(rejection.reason());
        ctx.output(DeadLetters.TAG, DeadLetters.of(record, request, rejection, System.currentTimeMillis()));
    }
}
