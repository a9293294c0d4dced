package io.sluice.operators.sql;

import io.sluice.engine.Completion;
import io.sluice.operators.inference.Device;
import io.sluice.operators.inference.EngineLease;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Metrics of a sluice model's predict function, in group {@code sluice}: {@code rows} answered by the
 * engine, {@code failedRows} (whatever the error-handling strategy made of them), {@code promptTokens},
 * {@code completionTokens}, {@code tokensPerSecond}, {@code ttftMs} and {@code totalMs} histograms,
 * {@code inFlightRows}, and the engine's {@code kvCacheUsage} and {@code backendGpu} (1/0).
 */
final class PredictMetrics {
    private static final int WINDOW = 1024;

    private final Counter rows;
    private final Counter failedRows;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final Histogram ttft;
    private final Histogram total;

    PredictMetrics(MetricGroup functionGroup, IntSupplier inFlight, EngineLease lease, Device device) {
        MetricGroup g = functionGroup.addGroup("sluice");
        rows = g.counter("rows");
        failedRows = g.counter("failedRows");
        promptTokens = g.counter("promptTokens");
        completionTokens = g.counter("completionTokens");
        g.meter("tokensPerSecond", new MeterView(completionTokens, 10));
        ttft = g.histogram("ttftMs", new DescriptiveStatisticsHistogram(WINDOW));
        total = g.histogram("totalMs", new DescriptiveStatisticsHistogram(WINDOW));
        g.gauge("inFlightRows", (Gauge<Integer>) inFlight::getAsInt);
        g.gauge("kvCacheUsage", (Gauge<Double>) () -> lease.kvCacheUsage().orElse(Double.NaN));
        g.gauge("backendGpu", (Gauge<Integer>) () -> device.isGpu() ? 1 : 0);
    }

    void answered(Completion c) {
        rows.inc();
        promptTokens.inc(c.promptTokens());
        completionTokens.inc(c.completionTokens());
        if (c.timings() != null) {
            ttft.update(Math.round(c.timings().timeToFirstTokenMs()));
            total.update(Math.round(c.timings().totalMs()));
        }
    }

    void failed() {
        failedRows.inc();
    }
}
