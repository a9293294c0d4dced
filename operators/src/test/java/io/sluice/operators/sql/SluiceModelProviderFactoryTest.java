package io.sluice.operators.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.kv.KvType;
import io.sluice.operators.inference.DevicePreference;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.CatalogModel;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.types.DataType;
import org.junit.jupiter.api.Test;

/** Options and schemas of the sluice model provider, checked as Flink plans CREATE MODEL ... ML_PREDICT. */
class SluiceModelProviderFactoryTest {

    private static final ResolvedSchema PROMPT = ResolvedSchema.of(Column.physical("prompt", DataTypes.STRING()));
    private static final ResolvedSchema COMPLETION = ResolvedSchema.of(Column.physical("completion", DataTypes.STRING()));

    /** The provider Flink finds for these options through its factory discovery ('provider' = 'sluice'). */
    private static ModelProvider create(Map<String, String> options, ResolvedSchema input, ResolvedSchema output) {
        Map<String, String> all = new HashMap<>(options);
        all.put("provider", "sluice");
        CatalogModel model = CatalogModel.of(Schema.newBuilder().fromResolvedSchema(input).build(),
                Schema.newBuilder().fromResolvedSchema(output).build(), all, null);
        return FactoryUtil.createModelProvider(null, ObjectIdentifier.of("cat", "db", "bard"),
                ResolvedCatalogModel.of(model, input, output), new Configuration(),
                SluiceModelProviderFactoryTest.class.getClassLoader(), true);
    }

    private static PredictSettings settings(Map<String, String> options) {
        return ((SluiceModelProvider) create(options, PROMPT, COMPLETION)).settings();
    }

    /** The whole message of a planning error, causes included (Flink wraps the factory's error). */
    private static String failure(Map<String, String> options, ResolvedSchema input, ResolvedSchema output) {
        Throwable t = assertThrows(ValidationException.class, () -> create(options, input, output));
        StringBuilder b = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            b.append(t.getMessage()).append('\n');
        }
        return b.toString();
    }

    private static ResolvedSchema schema(String name, DataType type) {
        return ResolvedSchema.of(Column.physical(name, type));
    }

    @Test
    void defaultsAreTheRequestRecordsAndTheEngines() {
        PredictSettings s = settings(Map.of("model.path", "m.gguf"));
        assertEquals("m.gguf", s.engine().modelPath());
        assertEquals(128, s.maxTokens());
        assertEquals(0.8f, s.temperature());
        assertEquals(40, s.topK());
        assertEquals(0.95f, s.topP());
        assertEquals(0.05f, s.minP());
        assertEquals(1.0f, s.repetitionPenalty());
        assertNull(s.seed());
        assertEquals(List.of(), s.stop());
        assertEquals(32, s.engine().maxSequences());
        assertEquals(DevicePreference.AUTO, s.device());
        assertEquals(KvType.F32, s.engine().kvType());
        assertEquals(SluiceModelOptions.ErrorHandling.OUTPUT, s.errors());
    }

    @Test
    void everyOptionIsRead() {
        PredictSettings s = settings(Map.ofEntries(Map.entry("model.path", "m.gguf"), Map.entry("device", "cpu"),
                Map.entry("max-tokens", "64"), Map.entry("temperature", "0"), Map.entry("top-k", "5"),
                Map.entry("top-p", "0.5"), Map.entry("min-p", "0.1"), Map.entry("repetition-penalty", "1.1"),
                Map.entry("seed", "42"), Map.entry("stop", "\\n\\n;THE END"), Map.entry("max-sequences", "4"),
                Map.entry("max-batch-tokens", "256"), Map.entry("kv-block-size", "32"),
                Map.entry("kv-cache-bytes", "1048576"), Map.entry("kv-cache-fraction", "0.5"),
                Map.entry("kv-8bit", "true"), Map.entry("prefix-caching", "false"),
                Map.entry("error-handling-strategy", "ignore")));
        assertEquals(DevicePreference.Mode.CPU, s.device().mode());
        assertEquals(64, s.maxTokens());
        assertEquals(0f, s.temperature());
        assertEquals(5, s.topK());
        assertEquals(0.5f, s.topP());
        assertEquals(0.1f, s.minP());
        assertEquals(1.1f, s.repetitionPenalty());
        assertEquals(42L, s.seed());
        assertEquals(List.of("\n\n", "THE END"), s.stop());
        assertEquals(4, s.engine().maxSequences());
        assertEquals(256, s.engine().maxBatchTokens());
        assertEquals(32, s.engine().kvBlockSize());
        assertEquals(1048576L, s.engine().kvCacheBytes());
        assertEquals(0.5, s.engine().kvCacheFraction());
        assertEquals(KvType.Q8, s.engine().kvType());
        assertTrue(!s.engine().prefixCaching());
        assertEquals(SluiceModelOptions.ErrorHandling.IGNORE, s.errors());
    }

    @Test
    void theDeviceTakesTheJobsFormsAndTheKvCacheItsType() {
        assertEquals(new DevicePreference(DevicePreference.Mode.CUDA, 1),
                settings(Map.of("model.path", "m.gguf", "device", "cuda:1")).device());
        assertEquals(new DevicePreference(DevicePreference.Mode.CUDA, -1),
                settings(Map.of("model.path", "m.gguf", "device", "CUDA")).device());
        PredictSettings split = settings(Map.of("model.path", "m.gguf", "device", "cuda:1,cuda:0"));
        assertEquals(List.of(1, 0), split.device().split());
        assertEquals("cuda:1,cuda:0", split.engine().device());
        assertEquals(KvType.F16, settings(Map.of("model.path", "m.gguf", "kv-type", "f16")).engine().kvType());
        assertTrue(failure(Map.of("model.path", "m.gguf", "device", "tpu"), PROMPT, COMPLETION)
                .contains("model cat.db.bard: option 'device': device 'tpu' is not one of auto, cpu, cuda, cuda:N"));
        assertTrue(failure(Map.of("model.path", "m.gguf", "kv-type", "int4"), PROMPT, COMPLETION)
                .contains("option 'kv-type': KV type 'int4' is not one of f32, f16, q8"));
        assertTrue(failure(Map.of("model.path", "m.gguf", "kv-type", "f16", "kv-8bit", "true"), PROMPT, COMPLETION)
                .contains("contradict"));
    }

    @Test
    void speculationOptionsReachTheEngineAndBadOnesAreRefusedWhenPlanned() {
        PredictSettings s = settings(Map.of("model.path", "m.gguf", "draft.path", "d.gguf",
                "speculation.max-draft-tokens", "6", "speculation.mode", "rejection"));
        assertEquals("d.gguf", s.engine().draftPath());
        assertEquals(6, s.engine().maxDraftTokens());
        assertEquals("rejection", s.engine().specMode());
        assertTrue(settings(Map.of("model.path", "m.gguf", "speculation.prompt-lookup", "true")).engine()
                .promptLookup());
        assertTrue(failure(Map.of("model.path", "m.gguf", "speculation.prompt-lookup", "true",
                "speculation.mode", "fast"), PROMPT, COMPLETION).contains("exact or rejection"));
        assertTrue(failure(Map.of("model.path", "m.gguf", "draft.path", "d.gguf", "speculation.prompt-lookup",
                "true"), PROMPT, COMPLETION).contains("choose one drafter"));
    }

    @Test
    void wrongOptionsAreRefusedWithFlinksMessages() {
        assertTrue(failure(Map.of(), PROMPT, COMPLETION).contains("Missing required options are:\n\nmodel.path"));
        String unknown = failure(Map.of("model.path", "m.gguf", "temprature", "0"), PROMPT, COMPLETION);
        assertTrue(unknown.contains("Unsupported options") && unknown.contains("temprature"), unknown);
        String type = failure(Map.of("model.path", "m.gguf", "temperature", "hot"), PROMPT, COMPLETION);
        assertTrue(type.contains("temperature") && type.contains("hot"), type);
        String strategy = failure(Map.of("model.path", "m.gguf", "error-handling-strategy", "retry"), PROMPT,
                COMPLETION);
        assertTrue(strategy.contains("error-handling-strategy") && strategy.contains("retry"), strategy);
    }

    @Test
    void valuesTheEngineWouldRefuseAreRefusedWhenPlanned() {
        assertTrue(failure(Map.of("model.path", "m.gguf", "temperature", "-1"), PROMPT, COMPLETION)
                .contains("model cat.db.bard: temperature must be a finite number >= 0"));
        assertTrue(failure(Map.of("model.path", "m.gguf", "top-p", "0"), PROMPT, COMPLETION).contains("top_p"));
        assertTrue(failure(Map.of("model.path", "m.gguf", "max-tokens", "0"), PROMPT, COMPLETION)
                .contains("max-tokens must be >= 1"));
        assertTrue(failure(Map.of("model.path", "m.gguf", "max-sequences", "0"), PROMPT, COMPLETION)
                .contains("maxSequences must be > 0"));
    }

    @Test
    void inputIsAPromptOrChatMessagesAndAnOptionalSeed() {
        Map<String, String> options = Map.of("model.path", "m.gguf");
        DataType messages = DataTypes.ARRAY(DataTypes.ROW(DataTypes.FIELD("role", DataTypes.STRING()),
                DataTypes.FIELD("content", DataTypes.STRING())));
        assertTrue(((SluiceModelProvider) create(options, schema("messages", messages), COMPLETION)).input().chat());
        ResolvedSchema withSeed = ResolvedSchema.of(Column.physical("prompt", DataTypes.STRING()),
                Column.physical("seed", DataTypes.BIGINT()));
        assertInstanceOf(SluiceModelProvider.class, create(options, withSeed, COMPLETION));

        assertTrue(failure(options, schema("prompt", DataTypes.INT()), COMPLETION)
                .contains("the input column 'prompt' of a sluice model must be STRING"));
        DataType wrongFields = DataTypes.ARRAY(DataTypes.ROW(DataTypes.FIELD("who", DataTypes.STRING()),
                DataTypes.FIELD("content", DataTypes.STRING())));
        assertTrue(failure(options, schema("messages", wrongFields), COMPLETION).contains("ARRAY<ROW<role STRING"));
        ResolvedSchema badSeed = ResolvedSchema.of(Column.physical("prompt", DataTypes.STRING()),
                Column.physical("seed", DataTypes.STRING()));
        assertTrue(failure(options, badSeed, COMPLETION).contains("must be BIGINT or INT"));
    }

    @Test
    void outputColumnsAreChosenByNameAndChecked() {
        Map<String, String> options = Map.of("model.path", "m.gguf");
        ResolvedSchema all = ResolvedSchema.of(Column.physical("ttft_ms", DataTypes.DOUBLE()),
                Column.physical("completion", DataTypes.STRING()),
                Column.physical("completion_tokens", DataTypes.INT()),
                Column.physical("finish_reason", DataTypes.STRING()),
                Column.physical("prompt_tokens", DataTypes.BIGINT()));
        ModelOutput output = ((SluiceModelProvider) create(options, PROMPT, all)).output();
        assertEquals(List.of(ModelOutput.Field.TTFT_MS, ModelOutput.Field.COMPLETION,
                ModelOutput.Field.COMPLETION_TOKENS, ModelOutput.Field.FINISH_REASON, ModelOutput.Field.PROMPT_TOKENS),
                output.fields());

        assertTrue(failure(options, PROMPT, schema("text", DataTypes.STRING())).contains(
                "unknown output column 'text' of a sluice model; it can output completion, finish_reason, "
                        + "prompt_tokens, completion_tokens, ttft_ms"));
        assertTrue(failure(options, PROMPT, schema("completion_tokens", DataTypes.STRING()))
                .contains("must be INT or BIGINT"));
        assertTrue(failure(options, PROMPT, schema("completion", DataTypes.STRING().notNull()))
                .contains("must be nullable"));
    }
}
