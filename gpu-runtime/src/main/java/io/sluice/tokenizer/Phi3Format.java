package io.sluice.tokenizer;

import java.util.List;

/**
 * Phi-3 ({@code <|role|>\n...<|end|>\n}). The first Phi-3-mini releases had no system turn and opened the
 * assistant turn after every user turn; the later ones (Phi-3-mini-4k, Phi-3.5) tag every role and end with EOS
 * when no generation prompt is asked for.
 */
record Phi3Format(boolean userOpensAssistantTurn, boolean bosFirst, boolean eosWithoutGenerationPrompt,
        boolean skipEmptySystem, boolean promptOnlyAfterNonAssistant) implements ChatFormat {

    @Override
    public String name() {
        return "Phi-3";
    }

    @Override
    public void render(List<ChatMessage> messages, boolean addGenerationPrompt, ChatText out) {
        if (bosFirst) {
            out.template(out.bos);
        }
        if (userOpensAssistantTurn) {
            for (ChatMessage m : ChatText.foldSystemIntoFirstUser(messages)) {
                if (ChatText.USER.equals(m.role())) {
                    out.template("<|user|>\n").content(m.content()).template("<|end|>\n<|assistant|>\n");
                } else if (ChatText.ASSISTANT.equals(m.role())) {
                    out.content(m.content()).template("<|end|>\n");
                }
            }
            return;
        }
        for (ChatMessage m : messages) {
            if (skipEmptySystem && ChatText.SYSTEM.equals(m.role()) && m.content().isEmpty()) {
                continue;
            }
            out.template("<|" + m.role() + "|>\n").content(m.content()).template("<|end|>\n");
        }
        boolean lastIsAssistant = ChatText.ASSISTANT.equals(messages.get(messages.size() - 1).role());
        if (addGenerationPrompt && !(promptOnlyAfterNonAssistant && lastIsAssistant)) {
            out.template("<|assistant|>\n");
        } else if (eosWithoutGenerationPrompt) {
            out.template(out.eos);
        }
    }
}
