package io.sluice.operators.validate;

import java.nio.ByteBuffer;

/**
 * The wire format of Confluent's Avro serializers: a magic byte 0, the writer schema's registry id as a
 * 4-byte big-endian integer, then the Avro binary datum.
 */
public final class ConfluentFraming {
    public static final byte MAGIC = 0;
    public static final int HEADER_LENGTH = 5;

    private ConfluentFraming() {
    }

    /** Whether the bytes start like a framed record (magic byte and room for an id). */
    public static boolean isFramed(byte[] bytes) {
        return bytes != null && bytes.length >= HEADER_LENGTH && bytes[0] == MAGIC;
    }

    /** The schema id of a framed record. */
    public static int schemaId(byte[] bytes) {
        return ByteBuffer.wrap(bytes, 1, 4).getInt();
    }

    /** A framed record: header with the id, then the datum. */
    public static byte[] frame(int schemaId, byte[] datum) {
        return ByteBuffer.allocate(HEADER_LENGTH + datum.length).put(MAGIC).putInt(schemaId).put(datum).array();
    }
}
