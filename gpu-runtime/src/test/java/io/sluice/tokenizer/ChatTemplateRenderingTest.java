package io.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each family's templates as the models ship them (src/test/resources/tokenizer/chat-templates), rendered by
 * Sluice and compared with what Python's jinja2 renders from the same source with Hugging Face's settings
 * (trim_blocks, lstrip_blocks; strftime_now fixed to 26 Nov 2026). For templates without a system role
 * (Gemma 2, Mistral v0.2, the first Phi-3-mini) the expected text is jinja2's rendering of the conversation with
 * the system message folded into the first user message.
 */
class ChatTemplateRenderingTest {

    static final List<ChatMessage> FULL = List.of(
            new ChatMessage("system", "You are a helpful assistant."),
            new ChatMessage("user", "Hello!"),
            new ChatMessage("assistant", "  Hi there. "),
            new ChatMessage("user", "What is 2+2?\n"));
    static final List<ChatMessage> NO_SYSTEM = FULL.subList(1, 4);
    static final List<ChatMessage> ENDS_WITH_ASSISTANT = FULL.subList(0, 3);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);

    record Case(String template, String family, String bos, String eos, List<ChatMessage> messages,
            boolean addGenerationPrompt, String expected) {
        @Override
        public String toString() {
            return template + (messages == FULL ? " with system" : messages == NO_SYSTEM ? "" : " ending with answer")
                    + (addGenerationPrompt ? " + prompt" : "");
        }
    }

    static String source(String template) {
        return TestVocabularies.read(TestVocabularies.resource("tokenizer/chat-templates/" + template + ".jinja"));
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("gemma-2-it", "Gemma", "<bos>", "<eos>", FULL, true,
                        "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n<start_of_turn>model\nHi there.<end_of_turn>\n<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n"),
                new Case("gemma-2-it", "Gemma", "<bos>", "<eos>", NO_SYSTEM, true,
                        "<bos><start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\nHi there.<end_of_turn>\n<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n"),
                new Case("gemma-2-it", "Gemma", "<bos>", "<eos>", NO_SYSTEM, false,
                        "<bos><start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\nHi there.<end_of_turn>\n<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n"),
                new Case("gemma-2-it", "Gemma", "<bos>", "<eos>", ENDS_WITH_ASSISTANT, false,
                        "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n<start_of_turn>model\nHi there.<end_of_turn>\n"),
                new Case("gemma-3-it", "Gemma", "<bos>", "<eos>", FULL, true,
                        "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n<start_of_turn>model\nHi there.<end_of_turn>\n<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n"),
                new Case("gemma-3-it", "Gemma", "<bos>", "<eos>", NO_SYSTEM, true,
                        "<bos><start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\nHi there.<end_of_turn>\n<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n"),
                new Case("gemma-3-it", "Gemma", "<bos>", "<eos>", NO_SYSTEM, false,
                        "<bos><start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\nHi there.<end_of_turn>\n<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n"),
                new Case("gemma-3-it", "Gemma", "<bos>", "<eos>", ENDS_WITH_ASSISTANT, false,
                        "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n<start_of_turn>model\nHi there.<end_of_turn>\n"),
                new Case("llama-2-chat", "Llama 2", "<s>", "</s>", FULL, true,
                        "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST] Hi there. </s><s>[INST] What is 2+2? [/INST]"),
                new Case("llama-2-chat", "Llama 2", "<s>", "</s>", NO_SYSTEM, true,
                        "<s>[INST] Hello! [/INST] Hi there. </s><s>[INST] What is 2+2? [/INST]"),
                new Case("llama-2-chat", "Llama 2", "<s>", "</s>", NO_SYSTEM, false,
                        "<s>[INST] Hello! [/INST] Hi there. </s><s>[INST] What is 2+2? [/INST]"),
                new Case("llama-2-chat", "Llama 2", "<s>", "</s>", ENDS_WITH_ASSISTANT, false,
                        "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST] Hi there. </s>"),
                new Case("llama-3-instruct", "Llama 3", "<|begin_of_text|>", "<|eot_id|>", FULL, true,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                new Case("llama-3-instruct", "Llama 3", "<|begin_of_text|>", "<|eot_id|>", NO_SYSTEM, true,
                        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                new Case("llama-3-instruct", "Llama 3", "<|begin_of_text|>", "<|eot_id|>", NO_SYSTEM, false,
                        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"),
                new Case("llama-3-instruct", "Llama 3", "<|begin_of_text|>", "<|eot_id|>", ENDS_WITH_ASSISTANT, false,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|>"),
                new Case("llama-3.1-instruct", "Llama 3.1", "<|begin_of_text|>", "<|eot_id|>", FULL, true,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                new Case("llama-3.1-instruct", "Llama 3.1", "<|begin_of_text|>", "<|eot_id|>", NO_SYSTEM, true,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                new Case("llama-3.1-instruct", "Llama 3.1", "<|begin_of_text|>", "<|eot_id|>", NO_SYSTEM, false,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"),
                new Case("llama-3.1-instruct", "Llama 3.1", "<|begin_of_text|>", "<|eot_id|>", ENDS_WITH_ASSISTANT, false,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|>"),
                new Case("llama-3.2-instruct", "Llama 3.1", "<|begin_of_text|>", "<|eot_id|>", FULL, true,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Nov 2026\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                new Case("llama-3.2-instruct", "Llama 3.1", "<|begin_of_text|>", "<|eot_id|>", NO_SYSTEM, true,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Nov 2026\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                new Case("llama-3.2-instruct", "Llama 3.1", "<|begin_of_text|>", "<|eot_id|>", NO_SYSTEM, false,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Nov 2026\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"),
                new Case("llama-3.2-instruct", "Llama 3.1", "<|begin_of_text|>", "<|eot_id|>", ENDS_WITH_ASSISTANT, false,
                        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Nov 2026\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|>"),
                new Case("mistral-instruct-v0.2", "Mistral legacy", "<s>", "</s>", FULL, true,
                        "<s>[INST] You are a helpful assistant.\n\nHello! [/INST]  Hi there. </s>[INST] What is 2+2?\n [/INST]"),
                new Case("mistral-instruct-v0.2", "Mistral legacy", "<s>", "</s>", NO_SYSTEM, true,
                        "<s>[INST] Hello! [/INST]  Hi there. </s>[INST] What is 2+2?\n [/INST]"),
                new Case("mistral-instruct-v0.2", "Mistral legacy", "<s>", "</s>", NO_SYSTEM, false,
                        "<s>[INST] Hello! [/INST]  Hi there. </s>[INST] What is 2+2?\n [/INST]"),
                new Case("mistral-instruct-v0.2", "Mistral legacy", "<s>", "</s>", ENDS_WITH_ASSISTANT, false,
                        "<s>[INST] You are a helpful assistant.\n\nHello! [/INST]  Hi there. </s>"),
                new Case("mistral-instruct-v0.3", "Mistral v3", "<s>", "</s>", FULL, true,
                        "<s>[INST] Hello![/INST] Hi there.</s>[INST] You are a helpful assistant.\n\nWhat is 2+2?\n[/INST]"),
                new Case("mistral-instruct-v0.3", "Mistral v3", "<s>", "</s>", NO_SYSTEM, true,
                        "<s>[INST] Hello![/INST] Hi there.</s>[INST] What is 2+2?\n[/INST]"),
                new Case("mistral-instruct-v0.3", "Mistral v3", "<s>", "</s>", NO_SYSTEM, false,
                        "<s>[INST] Hello![/INST] Hi there.</s>[INST] What is 2+2?\n[/INST]"),
                new Case("mistral-instruct-v0.3", "Mistral v3", "<s>", "</s>", ENDS_WITH_ASSISTANT, false,
                        "<s>[INST] Hello![/INST] Hi there.</s>"),
                new Case("mistral-large-v7", "Mistral v7", "<s>", "</s>", FULL, true,
                        "<s>[SYSTEM_PROMPT] You are a helpful assistant.[/SYSTEM_PROMPT][INST] Hello![/INST]   Hi there. </s>[INST] What is 2+2?\n[/INST]"),
                new Case("mistral-large-v7", "Mistral v7", "<s>", "</s>", NO_SYSTEM, true,
                        "<s>[INST] Hello![/INST]   Hi there. </s>[INST] What is 2+2?\n[/INST]"),
                new Case("mistral-large-v7", "Mistral v7", "<s>", "</s>", NO_SYSTEM, false,
                        "<s>[INST] Hello![/INST]   Hi there. </s>[INST] What is 2+2?\n[/INST]"),
                new Case("mistral-large-v7", "Mistral v7", "<s>", "</s>", ENDS_WITH_ASSISTANT, false,
                        "<s>[SYSTEM_PROMPT] You are a helpful assistant.[/SYSTEM_PROMPT][INST] Hello![/INST]   Hi there. </s>"),
                new Case("mistral-nemo-instruct-2407", "Mistral v3-tekken", "<s>", "</s>", FULL, true,
                        "<s>[INST]Hello![/INST]  Hi there. </s>[INST]You are a helpful assistant.\n\nWhat is 2+2?\n[/INST]"),
                new Case("mistral-nemo-instruct-2407", "Mistral v3-tekken", "<s>", "</s>", NO_SYSTEM, true,
                        "<s>[INST]Hello![/INST]  Hi there. </s>[INST]What is 2+2?\n[/INST]"),
                new Case("mistral-nemo-instruct-2407", "Mistral v3-tekken", "<s>", "</s>", NO_SYSTEM, false,
                        "<s>[INST]Hello![/INST]  Hi there. </s>[INST]What is 2+2?\n[/INST]"),
                new Case("mistral-nemo-instruct-2407", "Mistral v3-tekken", "<s>", "</s>", ENDS_WITH_ASSISTANT, false,
                        "<s>[INST]Hello![/INST]  Hi there. </s>"),
                new Case("mistral-v1-system", "Mistral v1", "<s>", "</s>", FULL, true,
                        "<s> [INST] You are a helpful assistant.\n\nHello! [/INST]   Hi there. </s> [INST] What is 2+2?\n [/INST]"),
                new Case("mistral-v1-system", "Mistral v1", "<s>", "</s>", NO_SYSTEM, true,
                        "<s> [INST] Hello! [/INST]   Hi there. </s> [INST] What is 2+2?\n [/INST]"),
                new Case("mistral-v1-system", "Mistral v1", "<s>", "</s>", NO_SYSTEM, false,
                        "<s> [INST] Hello! [/INST]   Hi there. </s> [INST] What is 2+2?\n [/INST]"),
                new Case("mistral-v1-system", "Mistral v1", "<s>", "</s>", ENDS_WITH_ASSISTANT, false,
                        "<s> [INST] You are a helpful assistant.\n\nHello! [/INST]   Hi there. </s>"),
                new Case("openhermes-chatml", "ChatML", "<s>", "<|im_end|>", FULL, true,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n<|im_start|>assistant\n"),
                new Case("openhermes-chatml", "ChatML", "<s>", "<|im_end|>", NO_SYSTEM, true,
                        "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n<|im_start|>assistant\n"),
                new Case("openhermes-chatml", "ChatML", "<s>", "<|im_end|>", NO_SYSTEM, false,
                        "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n"),
                new Case("openhermes-chatml", "ChatML", "<s>", "<|im_end|>", ENDS_WITH_ASSISTANT, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n"),
                new Case("phi-3-mini-128k-instruct-old", "Phi-3", "<s>", "<|endoftext|>", FULL, true,
                        "<s><|user|>\nYou are a helpful assistant.\n\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|assistant|>\n"),
                new Case("phi-3-mini-128k-instruct-old", "Phi-3", "<s>", "<|endoftext|>", NO_SYSTEM, true,
                        "<s><|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|assistant|>\n"),
                new Case("phi-3-mini-128k-instruct-old", "Phi-3", "<s>", "<|endoftext|>", NO_SYSTEM, false,
                        "<s><|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|assistant|>\n"),
                new Case("phi-3-mini-128k-instruct-old", "Phi-3", "<s>", "<|endoftext|>", ENDS_WITH_ASSISTANT, false,
                        "<s><|user|>\nYou are a helpful assistant.\n\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n"),
                new Case("phi-3-mini-4k-instruct", "Phi-3", "<s>", "<|endoftext|>", FULL, true,
                        "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|assistant|>\n"),
                new Case("phi-3-mini-4k-instruct", "Phi-3", "<s>", "<|endoftext|>", NO_SYSTEM, true,
                        "<|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|assistant|>\n"),
                new Case("phi-3-mini-4k-instruct", "Phi-3", "<s>", "<|endoftext|>", NO_SYSTEM, false,
                        "<|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|endoftext|>"),
                new Case("phi-3-mini-4k-instruct", "Phi-3", "<s>", "<|endoftext|>", ENDS_WITH_ASSISTANT, false,
                        "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|endoftext|>"),
                new Case("phi-3.5-mini-instruct", "Phi-3", "<s>", "<|endoftext|>", FULL, true,
                        "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|assistant|>\n"),
                new Case("phi-3.5-mini-instruct", "Phi-3", "<s>", "<|endoftext|>", NO_SYSTEM, true,
                        "<|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|assistant|>\n"),
                new Case("phi-3.5-mini-instruct", "Phi-3", "<s>", "<|endoftext|>", NO_SYSTEM, false,
                        "<|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|user|>\nWhat is 2+2?\n<|end|>\n<|endoftext|>"),
                new Case("phi-3.5-mini-instruct", "Phi-3", "<s>", "<|endoftext|>", ENDS_WITH_ASSISTANT, false,
                        "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello!<|end|>\n<|assistant|>\n  Hi there. <|end|>\n<|endoftext|>"),
                new Case("qwen2-instruct", "ChatML", "<|endoftext|>", "<|im_end|>", FULL, true,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n<|im_start|>assistant\n"),
                new Case("qwen2-instruct", "ChatML", "<|endoftext|>", "<|im_end|>", NO_SYSTEM, true,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n<|im_start|>assistant\n"),
                new Case("qwen2-instruct", "ChatML", "<|endoftext|>", "<|im_end|>", NO_SYSTEM, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n"),
                new Case("qwen2-instruct", "ChatML", "<|endoftext|>", "<|im_end|>", ENDS_WITH_ASSISTANT, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n"),
                new Case("qwen2.5-instruct", "ChatML", "<|endoftext|>", "<|im_end|>", FULL, true,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n<|im_start|>assistant\n"),
                new Case("qwen2.5-instruct", "ChatML", "<|endoftext|>", "<|im_end|>", NO_SYSTEM, true,
                        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n<|im_start|>assistant\n"),
                new Case("qwen2.5-instruct", "ChatML", "<|endoftext|>", "<|im_end|>", NO_SYSTEM, false,
                        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n"),
                new Case("qwen2.5-instruct", "ChatML", "<|endoftext|>", "<|im_end|>", ENDS_WITH_ASSISTANT, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n"),
                new Case("smollm2-instruct", "ChatML", "<|im_start|>", "<|im_end|>", FULL, true,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n<|im_start|>assistant\n"),
                new Case("smollm2-instruct", "ChatML", "<|im_start|>", "<|im_end|>", NO_SYSTEM, true,
                        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n<|im_start|>assistant\n"),
                new Case("smollm2-instruct", "ChatML", "<|im_start|>", "<|im_end|>", NO_SYSTEM, false,
                        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n<|im_start|>user\nWhat is 2+2?\n<|im_end|>\n"),
                new Case("smollm2-instruct", "ChatML", "<|im_start|>", "<|im_end|>", ENDS_WITH_ASSISTANT, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n  Hi there. <|im_end|>\n"),
                new Case("zephyr-tinyllama-chat", "Zephyr", "<s>", "</s>", FULL, true,
                        "<|system|>\nYou are a helpful assistant.</s>\n<|user|>\nHello!</s>\n<|assistant|>\n  Hi there. </s>\n<|user|>\nWhat is 2+2?\n</s>\n<|assistant|>\n"),
                new Case("zephyr-tinyllama-chat", "Zephyr", "<s>", "</s>", NO_SYSTEM, true,
                        "<|user|>\nHello!</s>\n<|assistant|>\n  Hi there. </s>\n<|user|>\nWhat is 2+2?\n</s>\n<|assistant|>\n"),
                new Case("zephyr-tinyllama-chat", "Zephyr", "<s>", "</s>", NO_SYSTEM, false,
                        "<|user|>\nHello!</s>\n<|assistant|>\n  Hi there. </s>\n<|user|>\nWhat is 2+2?\n</s>\n"),
                new Case("zephyr-tinyllama-chat", "Zephyr", "<s>", "</s>", ENDS_WITH_ASSISTANT, false,
                        "<|system|>\nYou are a helpful assistant.</s>\n<|user|>\nHello!</s>\n<|assistant|>\n  Hi there. </s>\n")

        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersExactlyAsJinja(Case c) {
        ChatTemplate template = new ChatTemplate(source(c.template()), c.bos(), c.eos(), null, CLOCK);
        assertEquals(c.family(), template.family());
        assertEquals(c.expected(), template.render(c.messages(), c.addGenerationPrompt()));
    }
}
