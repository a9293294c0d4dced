package io.sluice.operators.validate;

import io.sluice.schemas.AvroCodec;

/**
 * A guess at what a record's bytes are, from their first bytes: for dead-letter reasons that tell a user who
 * wrote JSON to an Avro topic (or the other way round) what happened.
 */
public final class RecordSniffer {

    private RecordSniffer() {
    }

    /** "; it looks like …" naming another format, or "" when the bytes look like nothing known. */
    public static String looksLike(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return "; the record is empty";
        }
        if (AvroCodec.isSingleObject(bytes)) {
            return "; it looks like Avro single-object encoding (format avro)";
        }
        if (ConfluentFraming.isFramed(bytes)) {
            return "; it looks like Schema Registry framing, schema id " + ConfluentFraming.schemaId(bytes)
                    + " (format avro-confluent)";
        }
        int i = 0;
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
            i = 3;
        }
        while (i < bytes.length && Character.isWhitespace(bytes[i])) {
            i++;
        }
        if (i < bytes.length && (bytes[i] == '{' || bytes[i] == '[')) {
            return "; it looks like JSON (format json)";
        }
        return "";
    }
}
