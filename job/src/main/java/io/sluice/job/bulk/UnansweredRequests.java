package io.sluice.job.bulk;

import io.sluice.operators.model.PendingRequest;
import java.nio.file.Path;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets through only requests that the bulk output does not answer yet (no completion and no dead letter with
 * their id), read when the task starts: so a rerun, or a task restarted within a run, resumes.
 */
public final class UnansweredRequests extends RichFilterFunction<PendingRequest> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(UnansweredRequests.class);

    private final String output;
    private transient Set<String> answered;
    private transient long skipped;

    public UnansweredRequests(Path output) {
        this.output = output.toString();
    }

    @Override
    public void open(OpenContext context) {
        answered = BulkOutput.answered(Path.of(output)).requestIds();
    }

    @Override
    public boolean filter(PendingRequest request) {
        if (answered.contains(request.requestId())) {
            skipped++;
            return false;
        }
        return true;
    }

    @Override
    public void close() {
        if (skipped > 0) {
            LOG.info("{} requests were answered by an earlier run in {}: skipped", skipped, output);
        }
    }
}
