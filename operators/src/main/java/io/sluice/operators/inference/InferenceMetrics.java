package io.sluice.operators.inference;

import io.sluice.operators.validate.DeadLetterCounters;
import io.sluice.schemas.Completion;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The inference operator's metrics, in group {@code sluice}: throughput ({@code completions},
 * {@code completionTokens}, {@code promptTokens} counters, {@code completionsPerSecond},
 * {@code tokensPerSecond} meters), latency histograms ({@code ttftMs}, {@code tpotMs}, {@code totalMs},
 * {@code queuedMs}, {@code batchWaitMs}), the prefix cache ({@code cachedPromptTokens},
 * {@code prefixCacheHits} of this subtask's requests; {@code enginePrefixCacheHitTokens} of the shared
 * engine), queue depth ({@code inFlightRequests}, {@code backlogRequests}), engine
 * state ({@code kvCacheUsage}, {@code backendGpu} 1/0, {@code gpuIndex}), the shared engine's speculative
 * decoding ({@code specDraftedTokens}, {@code specAcceptedTokens}, {@code specAcceptanceRate},
 * {@code specTokensPerStep}) and dead letters.
 */
final class InferenceMetrics {
    private static final int WINDOW = 1024;

    final DeadLetterCounters deadLetters;
    private final Counter completions;
    private final Counter completionTokens;
    private final Counter promptTokens;
    private final Counter cachedPromptTokens;
    private final Counter prefixCacheHits;
    private final Histogram ttft;
    private final Histogram tpot;
    private final Histogram total;
    private final Histogram queued;
    private final Histogram batchWait;

    InferenceMetrics(MetricGroup operatorGroup, IntSupplier inFlight, IntSupplier backlog, EngineLease lease,
                     Device device) {
        MetricGroup g = operatorGroup.addGroup("sluice");
        deadLetters = new DeadLetterCounters(g);
        completions = g.counter("completions");
        completionTokens = g.counter("completionTokens");
        promptTokens = g.counter("promptTokens");
        cachedPromptTokens = g.counter("cachedPromptTokens");
        prefixCacheHits = g.counter("prefixCacheHits");
        g.meter("completionsPerSecond", new MeterView(completions, 10));
        g.meter("tokensPerSecond", new MeterView(completionTokens, 10));
        ttft = g.histogram("ttftMs", new DescriptiveStatisticsHistogram(WINDOW));
        tpot = g.histogram("tpotMs", new DescriptiveStatisticsHistogram(WINDOW));
        total = g.histogram("totalMs", new DescriptiveStatisticsHistogram(WINDOW));
        queued = g.histogram("queuedMs", new DescriptiveStatisticsHistogram(WINDOW));
        batchWait = g.histogram("batchWaitMs", new DescriptiveStatisticsHistogram(WINDOW));
        g.gauge("inFlightRequests", (Gauge<Integer>) inFlight::getAsInt);
        g.gauge("backlogRequests", (Gauge<Integer>) backlog::getAsInt);
        g.gauge("kvCacheUsage", (Gauge<Double>) () -> lease.kvCacheUsage().orElse(Double.NaN));
        g.gauge("enginePrefixCacheHitTokens", (Gauge<Long>) () -> lease.prefixCacheHitTokens().orElse(-1));
        g.gauge("backendGpu", (Gauge<Integer>) () -> device.isGpu() ? 1 : 0);
        g.gauge("gpuIndex", (Gauge<Integer>) device::index);
        g.gauge("specDraftedTokens", (Gauge<Long>) () -> lease.engineStats().map(s -> s.draftedTokens()).orElse(-1L));
        g.gauge("specAcceptedTokens", (Gauge<Long>) () -> lease.engineStats().map(s -> s.acceptedTokens()).orElse(-1L));
        g.gauge("specAcceptanceRate", (Gauge<Double>) () -> lease.engineStats().map(s -> s.acceptanceRate())
                .orElse(Double.NaN));
        g.gauge("specTokensPerStep", (Gauge<Double>) () -> lease.engineStats().map(s -> s.tokensPerStep())
                .orElse(Double.NaN));
    }

    void completed(Completion c) {
        completions.inc();
        completionTokens.inc(c.getUsage().getCompletionTokens());
        promptTokens.inc(c.getUsage().getPromptTokens());
        if (c.getUsage().getCachedTokens() > 0) {
            prefixCacheHits.inc();
            cachedPromptTokens.inc(c.getUsage().getCachedTokens());
        }
        ttft.update(Math.round(c.getTimings().getFirstTokenMs()));
        tpot.update(Math.round(c.getTimings().getTimePerOutputTokenMs()));
        total.update(Math.round(c.getTimings().getTotalMs()));
        queued.update(Math.round(c.getTimings().getQueuedMs()));
        batchWait.update(Math.round(c.getTimings().getBatchWaitMs()));
    }
}
