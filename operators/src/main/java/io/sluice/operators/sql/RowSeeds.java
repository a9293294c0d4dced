package io.sluice.operators.sql;

import io.sluice.operators.inference.Seeds;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The default sampling seed of a row: a hash of its prompt and its position among the rows with the same
 * prompt that this subtask has seen (0 for the first). Re-running the same input gives every row the same
 * seed, so the same text; repeating a prompt in a table still samples a different text per row. Positions
 * are remembered for the last {@value #REMEMBERED} distinct prompts (least recently seen are forgotten).
 * Not thread-safe: called from the task's thread only.
 */
final class RowSeeds {
    static final int REMEMBERED = 100_000;

    private final Map<Long, Long> seen = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** The seed of the next row with this prompt key. */
    long next(String promptKey) {
        // Prompts are remembered by a 64-bit hash, not by their text, to bound the memory.
        long prompt = Seeds.fromRequestId(promptKey);
        long position = seen.merge(prompt, 1L, Long::sum) - 1;
        return Seeds.fromRequestId(Long.toHexString(prompt) + "/" + position);
    }
}
