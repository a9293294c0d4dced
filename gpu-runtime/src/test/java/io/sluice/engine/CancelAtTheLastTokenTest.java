package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.model.LlamaModel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A cancel() that answers true is kept even when it comes after the request's last token was computed and before
 * its completion was published: the window in which LlamaEngineTest's racing cancel once found a request that
 * then ran to its end. The token listener (called on the engine thread with the last token, before the step
 * ends the sequence) cancels deterministically inside that window.
 */
class CancelAtTheLastTokenTest {
    @Test
    void aCancelAcceptedAtTheLastTokenEndsTheRequestCancelled() throws Exception {
        try (LlamaModel model = LlamaModel.load(LlamaEngineTest.STORIES);
                LlamaEngine engine = new LlamaEngine(model, LlamaEngineTest.config().build(), false)) {
            AtomicBoolean accepted = new AtomicBoolean();
            CompletableFuture<Completion> f = engine.submit(
                    GenerationRequest.builder("last").promptIds(1).maxTokens(1).ignoreEos(true).build(),
                    (id, text) -> accepted.set(engine.cancel("last")));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
            assertTrue(accepted.get(), "cancel() at the last token answered false");
            assertEquals(EngineException.Code.CANCELLED, assertInstanceOf(EngineException.class, e.getCause()).code());
        }
    }
}
