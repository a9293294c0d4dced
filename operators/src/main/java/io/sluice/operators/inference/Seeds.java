package io.sluice.operators.inference;

import java.nio.charset.StandardCharsets;

/**
 * The sampling seed of a request that has none: derived from its request_id, so that a request re-run after
 * a failover (or replayed from the topic) samples the same tokens.
 */
public final class Seeds {
    private Seeds() {
    }

    /** FNV-1a over the id's UTF-8 bytes, then SplitMix64's finalizer to spread the bits. */
    public static long fromRequestId(String requestId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : requestId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
