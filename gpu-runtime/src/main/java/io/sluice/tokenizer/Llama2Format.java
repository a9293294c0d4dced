package io.sluice.tokenizer;

import java.util.List;

/**
 * Meta's Llama 2 chat template: {@code <s>[INST] <<SYS>>\n...\n<</SYS>>\n\nuser [/INST] answer </s>}, BOS before
 * every user turn, contents stripped, no generation prompt (the open {@code [/INST]} is one).
 */
record Llama2Format() implements ChatFormat {

    @Override
    public String name() {
        return "Llama 2";
    }

    @Override
    public void render(List<ChatMessage> messages, boolean addGenerationPrompt, ChatText out) {
        ChatText.LeadingSystem split = ChatText.LeadingSystem.of(messages);
        String system = split.system();
        List<ChatMessage> loop = split.turns();
        for (int i = 0; i < loop.size(); i++) {
            ChatMessage m = loop.get(i);
            if (ChatText.USER.equals(m.role()) != (i % 2 == 0)) {
                throw ChatText.notAlternating("Conversation roles must alternate user/assistant/user/assistant/...");
            }
            boolean withSystem = i == 0 && system != null;
            if (ChatText.USER.equals(m.role())) {
                out.template(out.bos + "[INST] ");
                if (withSystem) {
                    out.stripped("<<SYS>>\n", system, "\n<</SYS>>\n\n", m.content());
                } else {
                    out.strippedContent(m.content());
                }
                out.template(" [/INST]");
            } else if (ChatText.ASSISTANT.equals(m.role())) {
                out.template(" ").strippedContent(m.content()).template(" " + out.eos);
            }
        }
    }
}
