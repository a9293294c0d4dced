package io.sluice.tokenizer;

import java.util.List;

/** Mistral's {@code [INST]} templates, in the variants Mistral AI has shipped. */
record MistralFormat(Variant variant) implements ChatFormat {

    enum Variant {
        /** Mistral-7B-Instruct v0.1/v0.2: no system role ({@code [INST] user [/INST]answer</s>}). */
        LEGACY,
        /** "v1": {@code  [INST] system\n\nuser [/INST] answer</s>}. */
        V1,
        /** "v3" (v0.3, Large 2407): the system text goes into the last user turn; answers trimmed. */
        V3,
        /** "v3-tekken" (Nemo): as v3 without spaces around the markers. */
        V3_TEKKEN,
        /** "v7" (Large 2411): {@code [SYSTEM_PROMPT] ...[/SYSTEM_PROMPT]} turns. */
        V7
    }

    private static final String ALTERNATE = "Conversation roles must alternate user/assistant/user/assistant/...";
    private static final String ALTERNATE_AFTER_SYSTEM =
            "After the optional system message, conversation roles must alternate user/assistant/user/assistant/...";
    private static final String ONLY_USER_ASSISTANT = "Only user and assistant roles are supported!";
    private static final String ONLY_USER_ASSISTANT_SYSTEM = "Only user and assistant roles are supported, "
            + "with the exception of an initial optional system message!";

    @Override
    public String name() {
        return "Mistral " + variant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    @Override
    public void render(List<ChatMessage> messages, boolean addGenerationPrompt, ChatText out) {
        switch (variant) {
            case LEGACY -> legacy(ChatText.foldSystemIntoFirstUser(messages), out);
            case V1 -> v1(messages, out);
            case V3, V3_TEKKEN -> v3(messages, out);
            case V7 -> v7(messages, out);
            default -> throw new IllegalStateException(variant.name());
        }
    }

    private static void legacy(List<ChatMessage> messages, ChatText out) {
        out.template(out.bos);
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (ChatText.USER.equals(m.role()) != (i % 2 == 0)) {
                throw ChatText.notAlternating(ALTERNATE);
            }
            if (ChatText.USER.equals(m.role())) {
                out.template("[INST] ").content(m.content()).template(" [/INST]");
            } else if (ChatText.ASSISTANT.equals(m.role())) {
                out.content(m.content()).template(out.eos);
            } else {
                throw ChatText.notAlternating(ONLY_USER_ASSISTANT);
            }
        }
    }

    private static void v1(List<ChatMessage> messages, ChatText out) {
        ChatText.LeadingSystem split = ChatText.LeadingSystem.of(messages);
        String system = split.system();
        List<ChatMessage> loop = split.turns();
        out.template(out.bos);
        for (int i = 0; i < loop.size(); i++) {
            ChatMessage m = loop.get(i);
            if (ChatText.USER.equals(m.role()) != (i % 2 == 0)) {
                throw ChatText.notAlternating(ALTERNATE_AFTER_SYSTEM);
            }
            if (ChatText.USER.equals(m.role())) {
                out.template(" [INST] ");
                if (i == 0 && system != null) {
                    out.content(system).template("\n\n");
                }
                out.content(m.content()).template(" [/INST]");
            } else if (ChatText.ASSISTANT.equals(m.role())) {
                out.template(" ").content(m.content()).template(out.eos);
            } else {
                throw ChatText.notAlternating(ONLY_USER_ASSISTANT_SYSTEM);
            }
        }
    }

    private void v3(List<ChatMessage> messages, ChatText out) {
        ChatText.LeadingSystem split = ChatText.LeadingSystem.of(messages);
        String system = split.system();
        List<ChatMessage> loop = split.turns();
        for (int i = 0; i < loop.size(); i++) {
            if (ChatText.USER.equals(loop.get(i).role()) != (i % 2 == 0)) {
                throw ChatText.notAlternating(ALTERNATE_AFTER_SYSTEM);
            }
        }
        String inst = variant == Variant.V3 ? "[INST] " : "[INST]";
        out.template(out.bos);
        for (int i = 0; i < loop.size(); i++) {
            ChatMessage m = loop.get(i);
            if (ChatText.USER.equals(m.role())) {
                out.template(inst);
                if (i == loop.size() - 1 && system != null) {
                    out.content(system).template("\n\n");
                }
                out.content(m.content()).template("[/INST]");
            } else if (ChatText.ASSISTANT.equals(m.role())) {
                if (variant == Variant.V3) {
                    out.template(" ").strippedContent(m.content());
                } else {
                    out.content(m.content());
                }
                out.template(out.eos);
            } else {
                throw ChatText.notAlternating(ONLY_USER_ASSISTANT_SYSTEM);
            }
        }
    }

    private static void v7(List<ChatMessage> messages, ChatText out) {
        out.template(out.bos);
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case ChatText.USER -> out.template("[INST] ").content(m.content()).template("[/INST]");
                case ChatText.SYSTEM -> out.template("[SYSTEM_PROMPT] ").content(m.content())
                        .template("[/SYSTEM_PROMPT]");
                default -> out.template(" ").content(m.content()).template(out.eos);
            }
        }
    }
}
