package io.sluice.job.bulk;

import io.sluice.schemas.DeadLetter;
import java.nio.file.Path;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;

/**
 * Drops dead letters that the bulk output already holds for the same record (file and offset): records that
 * cannot be decoded have no request id, so a rerun knows them by where they are.
 */
public final class UnansweredDeadLetters extends RichFilterFunction<DeadLetter> {
    private static final long serialVersionUID = 1L;

    private final String output;
    private transient Set<String> written;

    public UnansweredDeadLetters(Path output) {
        this.output = output.toString();
    }

    @Override
    public void open(OpenContext context) {
        written = BulkOutput.answered(Path.of(output)).deadLetterPositions();
    }

    @Override
    public boolean filter(DeadLetter deadLetter) {
        return !written.contains(BulkOutput.position(deadLetter.getTopic(), deadLetter.getOffset()));
    }
}
