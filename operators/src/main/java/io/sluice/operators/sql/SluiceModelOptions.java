package io.sluice.operators.sql;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The {@code WITH} options of {@code CREATE MODEL ... WITH ('provider' = 'sluice', ...)}: the engine's
 * settings (named as in the job's {@code model.*} configuration) and the sampling defaults of every row
 * (named as in the request records). Only {@code model.path} is required.
 */
public final class SluiceModelOptions {
    private SluiceModelOptions() {
    }

    /** What a row the engine cannot answer (empty or over-long prompt, engine failure) becomes. */
    public enum ErrorHandling {
        /** The row is answered: {@code finish_reason} is {@code error: CODE: message}, the other outputs null. */
        OUTPUT,
        /** The row's failure fails the job (Flink restarts it by its restart strategy). */
        FAILOVER,
        /** The row is dropped (ML_PREDICT emits nothing for it); it is logged and counted. */
        IGNORE
    }

    // --- the engine ---
    public static final ConfigOption<String> MODEL_PATH = ConfigOptions.key("model.path").stringType().noDefaultValue()
            .withDescription("GGUF model file, as the TaskManagers see it.");
    public static final ConfigOption<String> DEVICE = ConfigOptions.key("device").stringType().defaultValue("auto")
            .withDescription("auto: one GPU of the TaskManager per subtask when it has GPUs, else the CPU; cpu: the"
                    + " CPU; cuda: the subtask's GPU (GPU 0 when the TaskManager declares none); cuda:N: GPU N;"
                    + " cuda:N,cuda:M: the layers split over those GPUs. A GPU that cannot be used falls back to the"
                    + " CPU with a WARN line and backendGpu 0, as in the DataStream job.");
    public static final ConfigOption<Integer> MAX_SEQUENCES = ConfigOptions.key("max-sequences").intType()
            .defaultValue(32).withDescription("Sequences the engine runs at once.");
    public static final ConfigOption<Integer> MAX_BATCH_TOKENS = ConfigOptions.key("max-batch-tokens").intType()
            .defaultValue(512).withDescription("Token budget of one engine step (decode rows plus prompt chunks).");
    public static final ConfigOption<Integer> KV_BLOCK_SIZE = ConfigOptions.key("kv-block-size").intType()
            .defaultValue(16).withDescription("Token slots per KV cache block.");
    public static final ConfigOption<Long> KV_CACHE_BYTES = ConfigOptions.key("kv-cache-bytes").longType()
            .defaultValue(0L).withDescription("KV cache budget in bytes; 0: kv-cache-fraction of the heap.");
    public static final ConfigOption<Double> KV_CACHE_FRACTION = ConfigOptions.key("kv-cache-fraction").doubleType()
            .defaultValue(0.25).withDescription("Share of the heap for the KV cache when kv-cache-bytes is 0.");
    public static final ConfigOption<Boolean> KV_8BIT = ConfigOptions.key("kv-8bit").booleanType()
            .defaultValue(false).withDescription("Store the KV cache as 8-bit blocks (kv-type q8).");
    public static final ConfigOption<String> KV_TYPE = ConfigOptions.key("kv-type").stringType().noDefaultValue()
            .withDescription("How the KV cache stores keys and values: f32 (default), f16 or q8.");
    public static final ConfigOption<Boolean> PREFIX_CACHING = ConfigOptions.key("prefix-caching").booleanType()
            .defaultValue(true).withDescription("Share KV blocks of identical prompt prefixes.");

    // --- speculative decoding (exact mode keeps every completion bit-identical) ---
    public static final ConfigOption<String> DRAFT_PATH = ConfigOptions.key("draft.path").stringType()
            .noDefaultValue().withDescription("A smaller GGUF with the model's vocabulary that drafts tokens.");
    public static final ConfigOption<Boolean> PROMPT_LOOKUP = ConfigOptions.key("speculation.prompt-lookup")
            .booleanType().defaultValue(false)
            .withDescription("Draft by continuing earlier occurrences in the prompt and output (not with draft.path).");
    public static final ConfigOption<Integer> MAX_DRAFT_TOKENS = ConfigOptions.key("speculation.max-draft-tokens")
            .intType().defaultValue(4).withDescription("Most tokens drafted per sequence and step, 1..16.");
    public static final ConfigOption<String> SPEC_MODE = ConfigOptions.key("speculation.mode").stringType()
            .defaultValue("exact").withDescription("exact (completions unchanged) or rejection (speculative sampling).");

    // --- sampling, for every row ---
    public static final ConfigOption<Integer> MAX_TOKENS = ConfigOptions.key("max-tokens").intType()
            .defaultValue(128).withDescription("Tokens to generate at most per row, >= 1.");
    public static final ConfigOption<Float> TEMPERATURE = ConfigOptions.key("temperature").floatType()
            .defaultValue(0.8f).withDescription("0 = greedy.");
    public static final ConfigOption<Integer> TOP_K = ConfigOptions.key("top-k").intType().defaultValue(40)
            .withDescription("0 = off.");
    public static final ConfigOption<Float> TOP_P = ConfigOptions.key("top-p").floatType().defaultValue(0.95f)
            .withDescription("Nucleus sampling mass, in (0, 1].");
    public static final ConfigOption<Float> MIN_P = ConfigOptions.key("min-p").floatType().defaultValue(0.05f)
            .withDescription("In [0, 1].");
    public static final ConfigOption<Float> REPETITION_PENALTY = ConfigOptions.key("repetition-penalty").floatType()
            .defaultValue(1.0f).withDescription("1 = off; > 0.");
    public static final ConfigOption<Long> SEED = ConfigOptions.key("seed").longType().noDefaultValue()
            .withDescription("One sampling seed for every row; unset: each row's own, from its prompt and position.");
    public static final ConfigOption<List<String>> STOP = ConfigOptions.key("stop").stringType().asList()
            .noDefaultValue().withDescription("Stop strings, separated by ';' (\\n, \\t, \\\\ are a newline, a "
                    + "tab, a backslash): generation ends before the first one.");

    // --- failures ---
    public static final ConfigOption<ErrorHandling> ERROR_HANDLING = ConfigOptions.key("error-handling-strategy")
            .enumType(ErrorHandling.class).defaultValue(ErrorHandling.OUTPUT)
            .withDescription("output: a failed row gets finish_reason 'error: ...' and null outputs; failover: the "
                    + "job fails; ignore: the row is dropped.");
}
