package io.sluice.tokenizer;

import io.sluice.gguf.GgufMetadata;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders chat messages into a prompt with the model's chat template ({@code tokenizer.chat_template}). The
 * template's Jinja source is recognized by its markers, like llama.cpp's {@code llm_chat_detect_template}, as
 * one of the families Llama 2, Llama 3 (3.0 and the dated 3.1/3.2 form), ChatML (Qwen, SmolLM), Mistral (legacy,
 * v1, v3, v3-tekken, v7), Phi-3, Gemma and Zephyr, and rendered exactly as the source renders with Hugging Face's
 * settings. A template that is not recognized is refused by name, never replaced by another.
 *
 * <p>Messages have the roles system, user and assistant. Where a template has no system role (Mistral v0.2,
 * Gemma 1/2, the first Phi-3-mini) a leading system message goes in front of the first user message, separated
 * by a blank line. Text from messages never becomes control tokens in {@link #encode}.
 */
public final class ChatTemplate {

    /** The metadata key of the template. */
    public static final String METADATA_KEY = "tokenizer.chat_template";

    private static final Pattern CHATML_DEFAULT_SYSTEM = Pattern.compile(
            "(['\"])<\\|im_start\\|>system(?:\\\\n|\\n)((?:(?!\\1)[^\\\\]|\\\\.)*?)<\\|im_end\\|>(?:\\\\n|\\n)\\1");
    private static final Pattern INST_WITH_SPACE = Pattern.compile("[\"']\\[INST] [\"']\\s*\\+");
    private static final Pattern INST_WITHOUT_SPACE = Pattern.compile("[\"']\\[INST][\"']\\s*\\+");
    private static final Pattern INST_LEADING_SPACE = Pattern.compile("[\"'] \\[INST] [\"']");
    private static final Pattern LEGACY_MISTRAL_USER = Pattern.compile(
            "[\"']\\[INST] [\"']\\s*\\+\\s*message\\[[\"']content[\"']]\\s*\\+\\s*[\"'] \\[/INST][\"']");
    private static final Pattern V7_SYSTEM = Pattern.compile("[\"']\\[SYSTEM_PROMPT] [\"']\\s*\\+\\s*message");

    private final String source;
    private final ChatFormat format;
    private final String bosText;
    private final String eosText;
    private final Tokenizer tokenizer;

    ChatTemplate(String source, String bosText, String eosText, Tokenizer tokenizer, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.bosText = bosText;
        this.eosText = eosText;
        this.tokenizer = tokenizer;
        this.format = detect(source, clock);
    }

    /**
     * The model's chat template.
     *
     * @throws IllegalArgumentException when the model has no template, or Sluice does not recognize it
     */
    public static ChatTemplate fromGguf(GgufMetadata md, Tokenizer tokenizer) {
        if (!md.has(METADATA_KEY)) {
            throw new IllegalArgumentException("the model has no chat template (" + METADATA_KEY
                    + "), so it cannot take messages: send a prompt instead");
        }
        return of(md.getString(METADATA_KEY), tokenizer);
    }

    /** A template from elsewhere (a file or flag) for this tokenizer's model. */
    public static ChatTemplate of(String source, Tokenizer tokenizer) {
        String bos = tokenizer.bosId() >= 0 ? tokenizer.tokenText(tokenizer.bosId()) : "";
        String eos = tokenizer.eosId() >= 0 ? tokenizer.tokenText(tokenizer.eosId()) : "";
        return new ChatTemplate(source, bos, eos, tokenizer, Clock.systemUTC());
    }

    /** The recognized family, e.g. "ChatML" or "Llama 3". */
    public String family() {
        return format.name();
    }

    /** The template's Jinja source. */
    public String source() {
        return source;
    }

    /**
     * The prompt text, including BOS and EOS texts where the template writes them.
     *
     * @param addGenerationPrompt open an assistant turn for the model to complete
     * @throws IllegalArgumentException for an empty conversation, a role other than system/user/assistant, or
     *     turns the template refuses (not alternating)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return renderText(messages, addGenerationPrompt).text();
    }

    /**
     * The prompt's token ids: the rendered text with the template's control-token texts as control tokens (but
     * never text from the messages), and BOS in front when the model adds one and the template did not.
     */
    public int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (!(tokenizer instanceof BaseTokenizer base)) {
            throw new IllegalStateException("this chat template has no tokenizer");
        }
        ChatText text = renderText(messages, addGenerationPrompt);
        int[] ids = base.encodeRendered(text.text(), text.fromMessages());
        int bos = base.bosId();
        if (base.addBos() && bos >= 0 && (ids.length == 0 || ids[0] != bos)) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = bos;
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        return ids;
    }

    private ChatText renderText(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("no messages to render");
        }
        for (ChatMessage m : messages) {
            String role = m.role();
            if (!ChatText.SYSTEM.equals(role) && !ChatText.USER.equals(role) && !ChatText.ASSISTANT.equals(role)) {
                throw new IllegalArgumentException("unsupported message role '" + role
                        + "': chat messages have the roles system, user and assistant");
            }
        }
        ChatText out = new ChatText(bosText, eosText);
        format.render(messages, addGenerationPrompt, out);
        return out;
    }

    /** The family of a template source, by its markers. */
    static ChatFormat detect(String source, Clock clock) {
        // Markers are matched on a compact form: escaped newlines as newlines, no whitespace, adjacent string
        // literals joined ('a' + 'b' -> 'ab'), so that formatting differences between uploads do not matter.
        String compact = source.replace("\\n", "\n").replaceAll("\\s+", "").replace("'+'", "").replace("\"+\"", "");
        boolean bosFirst = compact.startsWith("{{bos_token}}") || compact.startsWith("{{-bos_token}}");
        if (source.contains("<|im_start|>")) {
            if (!source.contains("<|im_sep|>") && (bosFirst || !compact.contains("bos_token"))) {
                Matcher m = CHATML_DEFAULT_SYSTEM.matcher(source);
                return new ChatMlFormat(m.find() ? unescapeJinja(m.group(2)) : null, bosFirst);
            }
        } else if (source.contains("<|start_header_id|>") && source.contains("<|end_header_id|>")) {
            boolean dated = source.contains("Cutting Knowledge Date");
            return new Llama3Format(dated, dated && source.contains("strftime_now"),
                    compact.contains("add_generation_prompt"), compact.contains("bos_token"), clock);
        } else if (source.contains("<start_of_turn>")) {
            return new GemmaFormat(bosFirst);
        } else if (source.contains("<|assistant|>") && source.contains("<|end|>")) {
            if (compact.contains("<|end|><|assistant|>")) {
                return new Phi3Format(true, bosFirst, false, false, false);
            }
            if (compact.contains("<|system|>") || compact.contains("'<|'+message['role']+'|>")
                    || compact.contains("'<|'+message.role+'|>")) {
                return new Phi3Format(false, bosFirst, compact.contains("{%else%}{{eos_token}}"),
                        compact.contains("message['role']=='system'andmessage['content']"),
                        compact.contains("messages[-1]['role']!='assistant'"));
            }
        } else if (source.contains("<|user|>") && source.contains("<|assistant|>")
                && compact.contains("+message['content']+eos_token")) {
            return new ZephyrFormat();
        } else if (source.contains("[INST]")) {
            if (source.contains("<<SYS>>")) {
                if (compact.contains("bos_token+'[INST]") && compact.contains("content.strip()")) {
                    return new Llama2Format();
                }
            } else if (source.contains("[SYSTEM_PROMPT]")) {
                if (V7_SYSTEM.matcher(source).find()) {
                    return new MistralFormat(MistralFormat.Variant.V7);
                }
            } else if (source.contains("[AVAILABLE_TOOLS]")) {
                if (INST_WITH_SPACE.matcher(source).find()) {
                    return new MistralFormat(MistralFormat.Variant.V3);
                }
                if (INST_WITHOUT_SPACE.matcher(source).find()) {
                    return new MistralFormat(MistralFormat.Variant.V3_TEKKEN);
                }
            } else if (INST_LEADING_SPACE.matcher(source).find()) {
                return new MistralFormat(MistralFormat.Variant.V1);
            } else if (LEGACY_MISTRAL_USER.matcher(source).find()
                    && compact.contains("{{message['content']+eos_token}}")) {
                return new MistralFormat(MistralFormat.Variant.LEGACY);
            }
        }
        throw unsupported(source);
    }

    private static IllegalArgumentException unsupported(String source) {
        String head = source.length() > 60 ? source.substring(0, 60) + "…" : source;
        return new IllegalArgumentException("unsupported chat template: " + head.replace("\n", "\\n"));
    }

    /** The value of a Jinja string literal's body. */
    private static String unescapeJinja(String body) {
        StringBuilder b = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 == body.length()) {
                b.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                default -> b.append(e);
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + format.name() + "]";
    }
}
