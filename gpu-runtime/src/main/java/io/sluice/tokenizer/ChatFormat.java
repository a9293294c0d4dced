package io.sluice.tokenizer;

import java.util.List;

/** How one family of chat templates lays out a conversation, exactly as its Jinja source renders it. */
interface ChatFormat {

    /** The family's name, for messages and logs. */
    String name();

    /**
     * Renders the messages (roles already checked to be system, user or assistant; at least one message).
     *
     * @throws IllegalArgumentException where the template itself raises (turns that do not alternate)
     */
    void render(List<ChatMessage> messages, boolean addGenerationPrompt, ChatText out);
}
