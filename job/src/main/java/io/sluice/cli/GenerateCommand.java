package io.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.Completion;
import io.sluice.engine.EngineConfig;
import io.sluice.engine.EngineException;
import io.sluice.engine.GenerationRequest;
import io.sluice.engine.InferenceEngine;
import io.sluice.engine.LlamaEngine;
import io.sluice.sampling.SamplingParams;
import io.sluice.engine.TokenListener;
import io.sluice.sampling.TokenLogprob;
import io.sluice.tensor.cuda.CudaUnavailableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sluice generate}: one completion on the local engine, as text (streamed) or one JSON object. */
@Command(name = "generate", description = "Generate a completion for one prompt.", mixinStandardHelpOptions = true)
public final class GenerateCommand implements java.util.concurrent.Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "GGUF model file.")
    Path model;

    static final class Input {
        @Option(names = "--prompt", description = "Prompt text (tokenized with the model's tokenizer).")
        String prompt;

        @Option(names = "--prompt-ids", description = "Prompt token ids, e.g. \"1 2 3\".")
        String promptIds;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--max-tokens", defaultValue = "128", description = "Tokens to generate (0: only score the prompt). Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy. Default: ${DEFAULT-VALUE}.")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 = off. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Default: ${DEFAULT-VALUE}.")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Default: ${DEFAULT-VALUE}.")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "1 = off. Default: ${DEFAULT-VALUE}.")
    float repeatPenalty;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed: same request + seed, same tokens. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--stop", description = "Stop when the text contains this string (repeatable); not included in the output.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--logprobs", defaultValue = "0", description = "Report the top K log-probabilities of each generated token.")
    int logprobs;

    @Option(names = "--prompt-logprobs", defaultValue = "-1", description = "Report the top K log-probabilities at each prompt position.")
    int promptLogprobs;

    @Option(names = "--json", description = "Print one JSON object instead of the text.")
    boolean json;

    @picocli.CommandLine.Mixin
    DeviceOption device;

    @picocli.CommandLine.Mixin
    SpeculationOptions speculation;

    @Override
    public Integer call() throws Exception {
        CliFiles.requireFile(model, "model file");
        if (logprobs < 0) {
            throw new UserError("--logprobs must be >= 0");
        }
        if (stops.contains("")) {
            throw new UserError("--stop needs a non-empty string");
        }
        if (input.prompt != null && input.prompt.isEmpty()) {
            throw new UserError(BatchRequests.EMPTY_PROMPT);
        }
        SamplingParams sampling;
        GenerationRequest request;
        try {
            sampling = SamplingParams.builder().temperature(temperature).topK(topK).topP(topP).minP(minP)
                    .repeatPenalty(repeatPenalty).seed(seed).build();
            GenerationRequest.Builder b = GenerationRequest.builder("cli").sampling(sampling).maxTokens(maxTokens)
                    .stopStrings(stops).logprobs(logprobs).promptLogprobs(promptLogprobs);
            if (input.promptIds != null) {
                b.promptIds(parseIds(input.promptIds));
            } else {
                b.prompt(input.prompt);
            }
            request = b.build();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        EngineConfig config = speculation.apply(device.apply(EngineConfig.builder(model).maxSequences(1))).build();
        try (InferenceEngine engine = open(config)) {
            TokenListener listener = json ? TokenListener.NONE : (id, text) -> {
                out.print(text);
                out.flush();
            };
            Completion c;
            try {
                c = engine.submit(request, listener).join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof EngineException ee) {
                    throw ee;
                }
                throw e;
            }
            if (json) {
                out.println(toJson(c));
            } else {
                out.println();
            }
            out.flush();
        }
        return 0;
    }

    /** The engine on the chosen device; a GPU that cannot be used is a user error naming why. */
    private static InferenceEngine open(EngineConfig config) {
        try {
            return LlamaEngine.open(config);
        } catch (CudaUnavailableException e) {
            throw DeviceOption.unavailable(config.device(), e);
        }
    }

    static int[] parseIds(String text) {
        String[] parts = text.trim().split("[\\s,]+");
        if (parts.length == 1 && parts[0].isEmpty()) {
            throw new UserError(BatchRequests.EMPTY_PROMPT);
        }
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UserError("--prompt-ids: '" + parts[i] + "' is not a token id");
            }
        }
        return ids;
    }

    static String toJson(Completion c) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = CompletionJson.putResult(mapper.createObjectNode(), c);
        if (c.logprobs() != null) {
            ArrayNode lp = o.putArray("logprobs");
            for (List<TokenLogprob> top : c.logprobs()) {
                lp.add(pairs(lp, top));
            }
        }
        if (c.promptLogprobs() != null) {
            ArrayNode lp = o.putArray("prompt_logprobs");
            for (List<TokenLogprob> top : c.promptLogprobs()) {
                if (top == null) {
                    lp.addNull();
                } else {
                    lp.add(pairs(lp, top));
                }
            }
        }
        return o.toString();
    }

    private static ArrayNode pairs(ArrayNode parent, List<TokenLogprob> top) {
        ArrayNode list = parent.arrayNode();
        for (TokenLogprob t : top) {
            list.addArray().add(t.tokenId()).add(t.logprob());
        }
        return list;
    }
}
