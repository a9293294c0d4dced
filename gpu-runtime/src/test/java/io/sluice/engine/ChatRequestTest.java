package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.gguf.GgufFile;
import io.sluice.gguf.GgufTensorInfo;
import io.sluice.gguf.GgufWriter;
import io.sluice.model.LlamaModel;
import io.sluice.tokenizer.ChatMessage;
import io.sluice.tokenizer.ChatTemplate;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests made of chat messages are rendered with the model's own template. */
class ChatRequestTest {

    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @TempDir
    Path dir;

    @Test
    void messagesAreRenderedWithTheModelsTemplate() throws Exception {
        Path withTemplate = dir.resolve("shakespeare-chatml.gguf");
        try (GgufFile in = GgufFile.open(Path.of("../models/shakespeare.gguf"))) {
            GgufWriter w = new GgufWriter().putAll(in.metadata()).putString(ChatTemplate.METADATA_KEY, CHATML);
            for (GgufTensorInfo t : in.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), in.data(t));
            }
            w.write(withTemplate);
        }
        List<ChatMessage> messages = List.of(new ChatMessage("system", "Speak as a king."),
                new ChatMessage("user", "Who goes there?"));
        try (LlamaModel model = LlamaModel.load(withTemplate);
                LlamaEngine engine = new LlamaEngine(model, EngineConfig.builder(withTemplate).build(), false)) {
            int[] expectedPrompt = ChatTemplate.fromGguf(model.metadata(), engine.tokenizer()).encode(messages, true);
            Completion chat = engine.submit(GenerationRequest.builder("chat").messages(messages).maxTokens(8).build())
                    .get(60, TimeUnit.SECONDS);
            Completion ids = engine.submit(GenerationRequest.builder("ids").promptIds(expectedPrompt).maxTokens(8).build())
                    .get(60, TimeUnit.SECONDS);
            assertEquals(expectedPrompt.length, chat.promptTokens());
            assertArrayEquals(ids.tokenIds(), chat.tokenIds());
        }
    }
}
