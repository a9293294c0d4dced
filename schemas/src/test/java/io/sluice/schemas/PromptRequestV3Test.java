package io.sluice.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** Version 3 adds {@code speculate}: records of version 2 are read with it at its default, true. */
class PromptRequestV3Test {

    @Test
    void aVersion2RecordIsReadWithSpeculationAllowed() throws Exception {
        Schema v2;
        try (InputStream in = AvroCodec.class.getResourceAsStream("history/PromptRequest.v2.avsc")) {
            v2 = new Schema.Parser().parse(in);
        }
        assertEquals(null, v2.getField("speculate"));
        GenericRecord sampling = new GenericData.Record(v2.getField("sampling").schema());
        for (Schema.Field f : sampling.getSchema().getFields()) {
            sampling.put(f.name(), GenericData.get().getDefaultValue(f));
        }
        GenericRecord request = new GenericData.Record(v2);
        for (Schema.Field f : v2.getFields()) {
            if (f.hasDefaultValue()) {
                request.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        request.put("request_id", "v2-1");
        request.put("prompt_ids", List.of(1, 2));
        request.put("sampling", sampling);
        request.put("priority", 3);
        request.put("attributes", Map.of());
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(request).array();

        PromptRequest read = AvroCodec.PROMPT_REQUEST.decode(bytes);

        assertEquals("v2-1", read.getRequestId());
        assertEquals(3, read.getPriority());
        assertTrue(read.getSpeculate());
    }

    @Test
    void speculateRoundTrips() throws Exception {
        PromptRequest r = PromptRequest.newBuilder().setRequestId("r").setPromptIds(List.of(1)).setSpeculate(false)
                .build();
        assertFalse(AvroCodec.PROMPT_REQUEST.decode(AvroCodec.PROMPT_REQUEST.encode(r)).getSpeculate());
    }
}
