package io.sluice.operators.validate;

import io.sluice.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Keeps a dead letter small enough for the producer's {@code max.request.size}: an original of more than
 * {@code maxOriginalBytes} is cut to its first {@code maxOriginalBytes}, flagged {@code truncated}, with the
 * whole record's size and SHA-256 (so a large record can still be found and matched). A dead letter that
 * the sink cannot write would fail the job on every restart.
 */
public final class DeadLetterTruncation implements MapFunction<DeadLetter, DeadLetter> {
    private static final long serialVersionUID = 1L;

    private final int maxOriginalBytes;

    public DeadLetterTruncation(int maxOriginalBytes) {
        if (maxOriginalBytes < 0) {
            throw new IllegalArgumentException("the dead-letter original limit must be >= 0, got " + maxOriginalBytes);
        }
        this.maxOriginalBytes = maxOriginalBytes;
    }

    @Override
    public DeadLetter map(DeadLetter dead) {
        ByteBuffer original = dead.getOriginal().duplicate();
        int size = original.remaining();
        dead.setOriginalSize((long) size);
        if (size <= maxOriginalBytes) {
            return dead;
        }
        byte[] whole = new byte[size];
        original.get(whole);
        byte[] kept = new byte[maxOriginalBytes];
        System.arraycopy(whole, 0, kept, 0, maxOriginalBytes);
        dead.setOriginal(ByteBuffer.wrap(kept));
        dead.setTruncated(true);
        dead.setOriginalSha256(sha256(whole));
        return dead;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
