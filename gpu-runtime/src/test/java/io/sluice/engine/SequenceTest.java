package io.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.sampling.Sampler;
import org.junit.jupiter.api.Test;

class SequenceTest {

    private static Sequence sequence(int... prompt) {
        GenerationRequest r = GenerationRequest.builder("s").promptIds(prompt).maxTokens(8).build();
        return new Sequence(1, r, prompt, TokenListener.NONE, new Sampler(r.sampling(), 16, 16),
                r.stopConditions(), TextStream.none(), 4, 0);
    }

    @Test
    void draftsFollowTheCommittedTokensUntilAcceptedOrTruncated() {
        Sequence s = sequence(1, 2, 3);
        s.computed = 2;
        s.setDrafts(new int[] {7, 8, 9}, 3);
        assertEquals(6, s.tokensWithSpec());
        assertEquals(3, s.length());
        assertEquals(8, s.token(4));
        s.computed = 6; // the step ran every position
        s.acceptDraft();
        assertEquals(4, s.length());
        assertThrows(IllegalStateException.class, () -> s.append(5));
        s.truncate(4); // the second draft is rejected: its K/V and the third's no longer count
        assertEquals(0, s.draftCount());
        assertEquals(4, s.computed);
        s.append(5);
        assertArrayEquals(new int[] {7, 5}, s.generated());
        assertEquals(1, s.pending());
        assertEquals(true, s.isDecoding());
    }
}
