package io.sluice.engine;

import java.util.concurrent.CompletableFuture;

/** Minimal engines for tests of code that only passes engines around. */
final class LlamaEngineTestFakes {

    private LlamaEngineTestFakes() {
    }

    /** Answers every request with its own prompt ids as the completion. */
    static InferenceEngine fixedEngine() {
        return new InferenceEngine() {
            @Override
            public CompletableFuture<Completion> submit(GenerationRequest r, TokenListener listener) {
                int[] ids = r.promptIds();
                return CompletableFuture.completedFuture(new Completion(r.id(), ids, "", FinishReason.LENGTH,
                        ids.length, 0, ids.length, null, null, new RequestTimings(0, 0, 0, 0)));
            }

            @Override
            public boolean cancel(String requestId) {
                return false;
            }

            @Override
            public int contextLength() {
                return 16;
            }

            @Override
            public int vocabularySize() {
                return 8;
            }

            @Override
            public String device() {
                return "fake";
            }

            @Override
            public void close() {
            }
        };
    }
}
