package io.sluice.cli;

import io.sluice.engine.EngineConfig;
import io.sluice.engine.SpeculationConfig;
import io.sluice.kv.KvType;
import io.sluice.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The speculative decoding options of {@code generate}, {@code batch} and {@code bench} (a picocli mixin). */
public final class SpeculationOptions {

    @Option(names = "--draft-model", paramLabel = "PATH",
            description = "Speculative decoding with this smaller GGUF model of the same vocabulary as the drafter.")
    Path draftModel;

    @Option(names = "--prompt-lookup",
            description = "Speculative decoding by prompt lookup: draft the continuation of the latest earlier"
                    + " occurrence of the last tokens (strong when the output quotes the prompt).")
    boolean promptLookup;

    @Option(names = "--max-draft-tokens", paramLabel = "K", defaultValue = "4",
            description = "Most tokens drafted per sequence and step; each sequence adapts below it"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxDraftTokens;

    @Option(names = "--spec-mode", paramLabel = "MODE", defaultValue = "exact",
            description = "exact: completions identical to decoding without speculation (default);"
                    + " rejection: speculative sampling, the model's distribution but other samples.")
    String specMode;

    private long draftKvBytesPerToken = -1;

    /** The options as engine configuration; a user error for inconsistent or missing inputs. */
    SpeculationConfig config() {
        if (draftModel != null && !Files.isRegularFile(draftModel)) {
            throw new UserError("draft model file not found: " + draftModel);
        }
        try {
            SpeculationConfig.SpecMode mode = SpeculationConfig.SpecMode.parse(specMode);
            if (draftModel == null && !promptLookup) {
                return SpeculationConfig.OFF;
            }
            return new SpeculationConfig(draftModel, promptLookup, maxDraftTokens, mode);
        } catch (IllegalArgumentException e) {
            throw new UserError("--draft-model / --prompt-lookup / --max-draft-tokens / --spec-mode: " + e.getMessage());
        }
    }

    /** Sets the engine's speculation from the options. */
    EngineConfig.Builder apply(EngineConfig.Builder builder) {
        return builder.speculation(config());
    }

    /** KV bytes per token the draft model adds to each sequence (0 without one), to size KV budgets. */
    long draftKvBytesPerToken(KvType kvType) {
        if (draftModel == null) {
            return 0;
        }
        if (draftKvBytesPerToken < 0) {
            try (LlamaModel m = LlamaModel.load(draftModel)) {
                draftKvBytesPerToken = m.kvBytesPerToken(kvType);
            } catch (RuntimeException e) {
                throw new UserError("draft model " + draftModel + ": " + CliErrors.describe(e));
            }
        }
        return draftKvBytesPerToken;
    }
}
