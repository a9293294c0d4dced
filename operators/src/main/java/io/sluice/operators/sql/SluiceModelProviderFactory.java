package io.sluice.operators.sql;

import static io.sluice.operators.sql.SluiceModelOptions.*;

import io.sluice.operators.inference.SharedEngineProvider;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;

/**
 * The {@code sluice} model provider of Flink SQL: {@code CREATE MODEL m INPUT (prompt STRING) OUTPUT
 * (completion STRING) WITH ('provider' = 'sluice', 'model.path' = '...')}, then {@code ML_PREDICT(TABLE t,
 * MODEL m, DESCRIPTOR(prompt))} runs Sluice's engine in the task slots, many rows in flight per subtask so
 * the engine batches them. Options ({@link SluiceModelOptions}) and both schemas ({@link ModelInput},
 * {@link ModelOutput}) are checked here, when the statement is planned.
 */
public final class SluiceModelProviderFactory implements ModelProviderFactory {

    public static final String IDENTIFIER = "sluice";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(MODEL_PATH);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(DEVICE, MAX_SEQUENCES, MAX_BATCH_TOKENS, KV_BLOCK_SIZE, KV_CACHE_BYTES, KV_CACHE_FRACTION,
                KV_8BIT, KV_TYPE, PREFIX_CACHING, DRAFT_PATH, PROMPT_LOOKUP, MAX_DRAFT_TOKENS, SPEC_MODE, MAX_TOKENS,
                TEMPERATURE, TOP_K, TOP_P, MIN_P, REPETITION_PENALTY, SEED, STOP, ERROR_HANDLING);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        String name = context.getObjectIdentifier().asSummaryString();
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ResolvedCatalogModel model = context.getCatalogModel();
        try {
            PredictSettings settings = PredictSettings.of(name, helper.getOptions());
            ModelInput input = ModelInput.of(model.getResolvedInputSchema());
            ModelOutput output = ModelOutput.of(model.getResolvedOutputSchema(), settings.errors());
            return new SluiceModelProvider(settings, input, output, new SharedEngineProvider(settings.engine()));
        } catch (ValidationException | IllegalArgumentException e) {
            throw new ValidationException("model " + name + ": " + e.getMessage(), e);
        }
    }
}
