package io.sluice.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

class AvroCodecTest {

    private static Schema v1() throws Exception {
        try (InputStream in = AvroCodec.class.getResourceAsStream("history/PromptRequest.v1.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    private static GenericRecord v1Request(Schema v1) {
        GenericRecord sampling = new GenericData.Record(v1.getField("sampling").schema());
        sampling.put("max_tokens", 7);
        sampling.put("temperature", 0.5f);
        sampling.put("top_p", 0.9f);
        sampling.put("top_k", 20);
        sampling.put("seed", 42L);
        GenericRecord request = new GenericData.Record(v1);
        request.put("request_id", "old-1");
        request.put("prompt", "ROMEO:");
        request.put("prompt_ids", null);
        request.put("sampling", sampling);
        request.put("attributes", Map.of("team", "search"));
        request.put("created_at", 1234L);
        return request;
    }

    @Test
    void recordWrittenWithVersion1IsReadByTheCurrentSchema() throws Exception {
        Schema v1 = v1();
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(v1Request(v1)).array();

        PromptRequest request = AvroCodec.PROMPT_REQUEST.decode(bytes);

        assertEquals("old-1", request.getRequestId());
        assertEquals("ROMEO:", request.getPrompt());
        assertEquals(7, request.getSampling().getMaxTokens());
        assertEquals(0.5f, request.getSampling().getTemperature());
        assertEquals(42L, request.getSampling().getSeed());
        assertEquals(Map.of("team", "search"), request.getAttributes());
        assertEquals(1234L, request.getCreatedAt());
        // Fields added in version 2 take their defaults.
        assertNull(request.getModel());
        assertNull(request.getMessages());
        assertEquals(0.05f, request.getSampling().getMinP());
        assertEquals(1.0f, request.getSampling().getRepetitionPenalty());
        assertEquals(List.of(), request.getSampling().getStop());
        assertEquals(0, request.getPriority());
        assertNull(request.getDeadline());
    }

    @Test
    void deadLetterOfVersion1IsReadWithoutTruncationFields() throws Exception {
        Schema v1;
        try (InputStream in = AvroCodec.class.getResourceAsStream("history/DeadLetter.v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        GenericRecord old = new GenericData.Record(v1);
        old.put("original", ByteBuffer.wrap(new byte[] {7, 8}));
        old.put("topic", "prompts");
        old.put("partition", 0);
        old.put("offset", 3L);
        old.put("request_id", null);
        old.put("error_code", "UNDECODABLE");
        old.put("error_message", "no");
        old.put("attributes", Map.of());
        old.put("failed_at", 9L);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();

        DeadLetter dead = AvroCodec.DEAD_LETTER.decode(bytes);

        assertEquals("UNDECODABLE", dead.getErrorCode());
        assertEquals(false, dead.getTruncated());
        assertEquals(-1L, dead.getOriginalSize());
        assertNull(dead.getOriginalSha256());
        for (Schema.Field field : DeadLetter.getClassSchema().getFields()) {
            if (v1.getField(field.name()) == null) {
                assertTrue(field.hasDefaultValue(), "new field without default: " + field.name());
            }
        }
    }

    @Test
    void plainBinaryDatumOfVersion1ResolvesToTheGeneratedClass() throws Exception {
        Schema v1 = v1();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v1).write(v1Request(v1), encoder);
        encoder.flush();

        PromptRequest request = new SpecificDatumReader<PromptRequest>(v1, PromptRequest.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertEquals("old-1", request.getRequestId());
        assertEquals(20, request.getSampling().getTopK());
        assertEquals(0.05f, request.getSampling().getMinP());
    }

    @Test
    void currentSchemasCanReadEveryEarlierVersion() {
        for (AvroCodec<?> codec : List.of(AvroCodec.PROMPT_REQUEST, AvroCodec.COMPLETION, AvroCodec.DEAD_LETTER)) {
            for (Schema writer : codec.readableSchemas()) {
                SchemaCompatibility.SchemaPairCompatibility result =
                        SchemaCompatibility.checkReaderWriterCompatibility(codec.schema(), writer);
                assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE, result.getType(),
                        codec.schema().getName() + ": " + result.getDescription());
            }
        }
        assertEquals(3, AvroCodec.PROMPT_REQUEST.readableSchemas().size());
    }

    @Test
    void everyFieldAddedAfterTheFirstVersionHasADefault() throws Exception {
        Schema v1 = v1();
        for (Schema.Field field : PromptRequest.getClassSchema().getFields()) {
            if (v1.getField(field.name()) == null) {
                assertTrue(field.hasDefaultValue(), "new field without default: " + field.name());
            }
        }
    }

    @Test
    void roundTripsAllRecords() throws Exception {
        PromptRequest request = PromptRequest.newBuilder().setRequestId("r1").setPromptIds(List.of(1, 957))
                .setSampling(SamplingParameters.newBuilder().setTemperature(0f).setStop(List.of("\n\n")).build())
                .setAttributes(Map.of("k", "v")).build();
        assertEquals(request, AvroCodec.PROMPT_REQUEST.decode(AvroCodec.PROMPT_REQUEST.encode(request)));

        Completion completion = Completion.newBuilder().setRequestId("r1").setModel("shakespeare").setText("Ay")
                .setTokenIds(List.of(5, 6)).setFinishReason("length")
                .setUsage(new Usage(2, 0, 2)).setTimings(new Timings(1.0, 2.0, 3.0, 4.0, 0.5))
                .setWorker(new Worker("host", 0, "cpu")).build();
        assertEquals(completion, AvroCodec.COMPLETION.decode(AvroCodec.COMPLETION.encode(completion)));

        DeadLetter dead = DeadLetter.newBuilder().setOriginal(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setTopic("prompts").setPartition(1).setOffset(9).setErrorCode("UNDECODABLE")
                .setErrorMessage("no").setFailedAt(5).build();
        DeadLetter back = AvroCodec.DEAD_LETTER.decode(AvroCodec.DEAD_LETTER.encode(dead));
        assertArrayEquals(new byte[] {1, 2, 3}, back.getOriginal().array());
        assertEquals("UNDECODABLE", back.getErrorCode());
    }

    @Test
    void garbageAndTruncatedBytesAreUndecodable() {
        assertKind(RecordDecodeException.Kind.UNDECODABLE, "hello, world".getBytes());
        assertKind(RecordDecodeException.Kind.UNDECODABLE, new byte[0]);
        byte[] good = AvroCodec.PROMPT_REQUEST.encode(PromptRequest.newBuilder().setRequestId("abc")
                .setPrompt("To be").build());
        assertKind(RecordDecodeException.Kind.UNDECODABLE, Arrays.copyOf(good, good.length - 3));
        assertKind(RecordDecodeException.Kind.UNDECODABLE, Arrays.copyOf(good, good.length + 2));
    }

    @Test
    void hugeClaimedLengthsFailFastWithoutAllocating() {
        byte[] good = AvroCodec.PROMPT_REQUEST.encode(PromptRequest.newBuilder().setRequestId("abc")
                .setPrompt("x").build());
        byte[] evil = Arrays.copyOf(good, 10 + 5);
        // request_id claims 2^31 - 1 bytes (zig-zag varint of 2147483647).
        evil[10] = (byte) 0xFE;
        evil[11] = (byte) 0xFF;
        evil[12] = (byte) 0xFF;
        evil[13] = (byte) 0xFF;
        evil[14] = (byte) 0x0F;
        assertKind(RecordDecodeException.Kind.UNDECODABLE, evil);
    }

    @Test
    void otherSchemasAreWrongSchema() throws Exception {
        Completion completion = Completion.newBuilder().setRequestId("r1").setModel("m").setText("")
                .setTokenIds(List.of()).setFinishReason("stop").setUsage(new Usage(1, 0, 0))
                .setTimings(new Timings(0.0, 0.0, 0.0, 0.0, 0.0)).setWorker(new Worker("h", 0, "cpu")).build();
        RecordDecodeException e = assertKind(RecordDecodeException.Kind.WRONG_SCHEMA,
                AvroCodec.COMPLETION.encode(completion));
        assertTrue(e.getMessage().contains("io.sluice.schemas.Completion"), e.getMessage());

        Schema other = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Other\",\"fields\":"
                + "[{\"name\":\"a\",\"type\":\"int\"}]}");
        GenericRecord record = new GenericData.Record(other);
        record.put("a", 1);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), other).encode(record).array();
        assertTrue(assertKind(RecordDecodeException.Kind.WRONG_SCHEMA, bytes).getMessage().contains("unknown"));
    }

    private static RecordDecodeException assertKind(RecordDecodeException.Kind kind, byte[] bytes) {
        RecordDecodeException e = assertThrows(RecordDecodeException.class,
                () -> AvroCodec.PROMPT_REQUEST.decode(bytes));
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }
}
