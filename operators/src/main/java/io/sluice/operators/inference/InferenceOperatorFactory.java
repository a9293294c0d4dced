package io.sluice.operators.inference;

import io.sluice.operators.model.RequestBatch;
import io.sluice.schemas.Completion;
import java.util.Objects;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.legacy.YieldingOperatorFactory;

/** Creates {@link InferenceOperator}s with the task's mailbox executor (results come back as mails). */
public final class InferenceOperatorFactory extends AbstractStreamOperatorFactory<Completion>
        implements OneInputStreamOperatorFactory<RequestBatch, Completion>, YieldingOperatorFactory<Completion> {
    private static final long serialVersionUID = 1L;

    private final EngineProvider provider;
    private final InferenceSettings settings;

    public InferenceOperatorFactory(EngineProvider provider, InferenceSettings settings) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<Completion>> T createStreamOperator(StreamOperatorParameters<Completion> parameters) {
        return (T) new InferenceOperator(parameters, provider, settings);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return InferenceOperator.class;
    }
}
