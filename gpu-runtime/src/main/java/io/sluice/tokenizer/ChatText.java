package io.sluice.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A prompt being rendered from a chat template, remembering which characters came from the messages. Only
 * the template's own text may turn into control tokens when the prompt is tokenized; a message that contains
 * {@code <|im_end|>} cannot close its turn.
 */
final class ChatText {

    static final String SYSTEM = "system";
    static final String USER = "user";
    static final String ASSISTANT = "assistant";

    private final StringBuilder text = new StringBuilder();
    private final BitSet fromMessages = new BitSet();
    final String bos;
    final String eos;

    ChatText(String bos, String eos) {
        this.bos = bos;
        this.eos = eos;
    }

    /** Text of the template itself: markers, role headers, BOS/EOS. */
    ChatText template(String s) {
        text.append(s);
        return this;
    }

    /** Text from a message. */
    ChatText content(String s) {
        int start = text.length();
        text.append(s);
        fromMessages.set(start, text.length());
        return this;
    }

    /**
     * Appends the parts (template text and message text alternating, template first) with whitespace stripped
     * from both ends of their concatenation, as Jinja's {@code strip()} or {@code trim} on a joined string.
     */
    ChatText stripped(String... parts) {
        int total = 0;
        for (String p : parts) {
            total += p.length();
        }
        StringBuilder all = new StringBuilder(total);
        for (String p : parts) {
            all.append(p);
        }
        int from = 0;
        int to = all.length();
        while (from < to && isPythonSpace(all.charAt(from))) {
            from++;
        }
        while (to > from && isPythonSpace(all.charAt(to - 1))) {
            to--;
        }
        int pos = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            int a = Math.max(from, pos);
            int b = Math.min(to, pos + p.length());
            if (a < b) {
                String piece = p.substring(a - pos, b - pos);
                if (i % 2 == 0) {
                    template(piece);
                } else {
                    content(piece);
                }
            }
            pos += p.length();
        }
        return this;
    }

    /** Message content with surrounding whitespace removed. */
    ChatText strippedContent(String s) {
        return stripped("", s);
    }

    String text() {
        return text.toString();
    }

    BitSet fromMessages() {
        return (BitSet) fromMessages.clone();
    }

    /** Python's {@code str.isspace} for one char, which Jinja's {@code trim} and {@code strip()} use. */
    static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** A conversation split into its leading system message (null if none) and the turns after it. */
    record LeadingSystem(String system, List<ChatMessage> turns) {
        static LeadingSystem of(List<ChatMessage> messages) {
            if (SYSTEM.equals(messages.get(0).role())) {
                return new LeadingSystem(messages.get(0).content(), messages.subList(1, messages.size()));
            }
            return new LeadingSystem(null, messages);
        }
    }

    /** The error templates raise for conversations whose turns do not alternate. */
    static IllegalArgumentException notAlternating(String message) {
        return new IllegalArgumentException("chat template: " + message);
    }

    /**
     * For templates without a system role: the first system message is put in front of the first user message
     * (separated by a blank line, as Gemma 3 and Mistral's later templates do), or becomes a user message.
     */
    static List<ChatMessage> foldSystemIntoFirstUser(List<ChatMessage> messages) {
        if (messages.isEmpty() || !SYSTEM.equals(messages.get(0).role())) {
            return messages;
        }
        List<ChatMessage> out = new ArrayList<>(messages.subList(1, messages.size()));
        String system = messages.get(0).content();
        if (!out.isEmpty() && USER.equals(out.get(0).role())) {
            out.set(0, new ChatMessage(USER, system + "\n\n" + out.get(0).content()));
        } else {
            out.add(0, new ChatMessage(USER, system));
        }
        return out;
    }
}
