package io.sluice.operators.sql;

import io.sluice.operators.inference.EngineProvider;
import java.util.Objects;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;

/** A planned sluice model: asynchronous only, so that many rows per subtask are in the engine at once. */
final class SluiceModelProvider implements AsyncPredictRuntimeProvider {

    private final PredictSettings settings;
    private final ModelInput input;
    private final ModelOutput output;
    private final EngineProvider engines;

    SluiceModelProvider(PredictSettings settings, ModelInput input, ModelOutput output, EngineProvider engines) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.input = Objects.requireNonNull(input, "input");
        this.output = Objects.requireNonNull(output, "output");
        this.engines = Objects.requireNonNull(engines, "engines");
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new SluicePredictFunction(settings, input, output, engines);
    }

    PredictSettings settings() {
        return settings;
    }

    ModelInput input() {
        return input;
    }

    ModelOutput output() {
        return output;
    }

    @Override
    public ModelProvider copy() {
        return new SluiceModelProvider(settings, input, output, engines);
    }
}
