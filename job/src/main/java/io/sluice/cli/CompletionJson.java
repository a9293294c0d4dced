package io.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.Completion;

/** The completion fields that {@code generate --json} and {@code batch} output lines share. */
final class CompletionJson {

    private CompletionJson() {
    }

    /** Adds {@code token_ids}, {@code text}, {@code finish_reason}, {@code prompt_tokens}, {@code completion_tokens}. */
    static ObjectNode putResult(ObjectNode o, Completion c) {
        ArrayNode ids = o.putArray("token_ids");
        for (int id : c.tokenIds()) {
            ids.add(id);
        }
        o.put("text", c.text());
        o.put("finish_reason", c.finishReason().wireName());
        o.put("prompt_tokens", c.promptTokens());
        o.put("completion_tokens", c.completionTokens());
        return o;
    }
}
