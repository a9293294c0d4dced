package io.sluice.operators.inference;

import static io.sluice.operators.TestRequests.pending;
import static io.sluice.operators.TestRequests.request;
import static io.sluice.operators.inference.InferenceOperatorTest.runMails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.operators.model.PendingRequest;
import io.sluice.operators.model.RequestBatch;
import io.sluice.schemas.Completion;
import io.sluice.schemas.PromptRequest;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine tokenizes a prompt (and renders its chat template) inside {@code submit}; the operator calls it
 * off the task's mailbox thread. With a tokenizer that blocks on a prompt of a megabyte until the test releases
 * it, the mailbox still takes input, completes a small request behind the huge one and takes a checkpoint. Were
 * {@code submit} called on the mailbox, {@code processElement} of the huge prompt would not return before the
 * tokenizer gave up ({@link FakeEngine#GATE_WAIT_S}) and none of that would happen while it is blocked.
 */
@Timeout(60)
class OffMailboxSubmitTest {
    private static final int PROMPT_BYTES = 1 << 20;

    @Test
    void aHugePromptBeingTokenizedDelaysNeitherASmallRequestNorACheckpoint() throws Exception {
        String name = UUID.randomUUID().toString();
        FakeEngine engine = new FakeEngine("cpu");
        FakeEngineProvider.ENGINES.put(name, engine);
        CountDownLatch release = new CountDownLatch(1);
        engine.tokenizerGate = r -> r.prompt() != null && r.prompt().length() >= PROMPT_BYTES ? release : null;
        PromptRequest huge = request("huge", 1);
        huge.setPromptIds(null);
        huge.setPrompt("ROMEO: ".repeat(PROMPT_BYTES / 7 + 1));

        try (var h = new OneInputStreamOperatorTestHarness<RequestBatch, Completion>(new InferenceOperatorFactory(
                new FakeEngineProvider(name, false), new InferenceSettings("fake", 8, 60_000)))) {
            h.open();
            h.processElement(batch(pending(huge)));
            h.processElement(batch(pending("small", 2)));
            // The small request completes while the huge prompt is still being tokenized.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (h.extractOutputValues().isEmpty() && System.nanoTime() < deadline) {
                Optional<Mail> mail = h.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
                if (mail.isPresent()) {
                    mail.get().run();
                } else {
                    Thread.sleep(1);
                }
            }
            assertEquals(List.of("small"), ids(h));
            assertEquals(1, engine.tokenizing.get(), "the huge prompt is still being tokenized");
            // A checkpoint goes through meanwhile, and holds the huge request (it is not answered yet).
            OperatorSubtaskState state = h.snapshot(1, 0);
            assertTrue(state.getManagedOperatorState().size() > 0);
            assertEquals(1, engine.tokenizing.get());

            release.countDown();
            runMails(h);
            assertEquals(List.of("huge", "small"), ids(h).stream().sorted().toList(), "each exactly once");
            assertFalse(engine.tokenizerGaveUp, "the tokenizer waited for the release");
        }
    }

    private static StreamRecord<RequestBatch> batch(PendingRequest... requests) {
        return new StreamRecord<>(new RequestBatch(requests, 0));
    }

    private static List<String> ids(OneInputStreamOperatorTestHarness<RequestBatch, Completion> h) {
        return h.extractOutputValues().stream().map(Completion::getRequestId).toList();
    }
}
