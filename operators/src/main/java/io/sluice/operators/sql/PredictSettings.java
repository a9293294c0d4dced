package io.sluice.operators.sql;

import static io.sluice.operators.sql.SluiceModelOptions.*;

import io.sluice.sampling.SamplingParams;
import io.sluice.kv.KvType;
import io.sluice.operators.inference.DevicePreference;
import io.sluice.operators.inference.EngineSettings;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.flink.configuration.ReadableConfig;

/**
 * A sluice model's options as they travel with the job graph: the engine, where it runs, how every row is
 * sampled, and what a failed row becomes. Built from the validated {@code WITH} options; values the engine
 * would refuse fail here, at planning time.
 *
 * @param seed one seed for every row, or null for each row's own ({@link RowSeeds})
 */
record PredictSettings(
        String modelName,
        EngineSettings engine,
        int maxTokens,
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        Long seed,
        List<String> stop,
        ErrorHandling errors) implements Serializable {

    PredictSettings {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(errors, "errors");
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max-tokens must be >= 1, got " + maxTokens);
        }
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
        // The engine's own range checks, at planning time (fields are not assigned yet: the parameters).
        sampling(temperature, topK, topP, minP, repetitionPenalty, 0);
    }

    static PredictSettings of(String modelName, ReadableConfig options) {
        String device = options.get(DEVICE);
        try {
            DevicePreference.parse(device);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option 'device': " + e.getMessage(), e);
        }
        EngineSettings engine = new EngineSettings(options.get(MODEL_PATH), options.get(MAX_SEQUENCES),
                options.get(MAX_BATCH_TOKENS), options.get(KV_BLOCK_SIZE), options.get(KV_CACHE_BYTES),
                options.get(KV_CACHE_FRACTION), kvType(options), options.get(PREFIX_CACHING),
                options.getOptional(DRAFT_PATH).orElse(null), options.get(PROMPT_LOOKUP),
                options.get(MAX_DRAFT_TOKENS), options.get(SPEC_MODE), device);
        return new PredictSettings(modelName, engine, options.get(MAX_TOKENS),
                options.get(TEMPERATURE), options.get(TOP_K), options.get(TOP_P), options.get(MIN_P),
                options.get(REPETITION_PENALTY), options.getOptional(SEED).orElse(null),
                options.getOptional(STOP).orElse(List.of()).stream().map(PredictSettings::unescape).toList(),
                options.get(ERROR_HANDLING));
    }

    /** {@code kv-type}, else q8 with {@code kv-8bit}, else f32; the two may not contradict each other. */
    private static KvType kvType(ReadableConfig options) {
        boolean q8 = options.get(KV_8BIT);
        if (options.getOptional(KV_TYPE).isEmpty()) {
            return q8 ? KvType.Q8 : KvType.F32;
        }
        KvType type;
        try {
            type = KvType.parse(options.get(KV_TYPE));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option 'kv-type': " + e.getMessage(), e);
        }
        if (q8 && type != KvType.Q8) {
            throw new IllegalArgumentException("options 'kv-8bit' and 'kv-type' = '" + type + "' contradict each other");
        }
        return type;
    }

    /** Where the engines run ({@code device}: auto, cpu, cuda, cuda:N or a split cuda:N,cuda:M). */
    DevicePreference device() {
        return engine.devicePreference();
    }

    /** SQL string literals have no escapes: stop strings take {@code \n}, {@code \t} and {@code \\}. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(i + 1);
                if (n == 'n' || n == 't' || n == '\\') {
                    b.append(n == 'n' ? '\n' : n == 't' ? '\t' : '\\');
                    i++;
                    continue;
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /** How a row with this seed is sampled. */
    SamplingParams sampling(long rowSeed) {
        return sampling(temperature, topK, topP, minP, repetitionPenalty, rowSeed);
    }

    private static SamplingParams sampling(float temperature, int topK, float topP, float minP, float penalty,
                                           long seed) {
        return SamplingParams.builder().temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repeatPenalty(penalty).seed(seed).build();
    }
}
