package io.sluice.operators.validate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.schemas.AvroCodec;
import io.sluice.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLetterTruncationTest {

    private static DeadLetter dead(byte[] original) {
        return DeadLetter.newBuilder().setOriginal(ByteBuffer.wrap(original)).setTopic("t").setErrorCode("UNDECODABLE")
                .setErrorMessage("m").setFailedAt(1).build();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void keepsAnOriginalUpToTheLimitWhole() {
        byte[] original = "abcd".getBytes(StandardCharsets.UTF_8);
        DeadLetter d = new DeadLetterTruncation(4).map(dead(original));
        assertFalse(d.getTruncated());
        assertArrayEquals(original, bytes(d.getOriginal()));
        assertEquals(4L, d.getOriginalSize());
        assertNull(d.getOriginalSha256());
    }

    @Test
    void cutsALargerOneToItsFirstBytesWithSizeAndSha256() throws Exception {
        DeadLetter d = new DeadLetterTruncation(3).map(dead("abcd".getBytes(StandardCharsets.UTF_8)));
        assertTrue(d.getTruncated());
        assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), bytes(d.getOriginal()));
        assertEquals(4L, d.getOriginalSize());
        // sha256("abcd"), as `printf abcd | sha256sum` prints it.
        assertEquals("88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589", d.getOriginalSha256());
        DeadLetter back = AvroCodec.DEAD_LETTER.decode(AvroCodec.DEAD_LETTER.encode(d));
        assertEquals(d, back);
    }
}
