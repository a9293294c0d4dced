package io.sluice.engine;

/**
 * Where a request's time went, in milliseconds: waiting before its first step, until its first generated
 * token (from submission), in total, and per output token after the first (0 when fewer than two).
 */
public record RequestTimings(double queuedMs, double timeToFirstTokenMs, double totalMs, double timePerOutputTokenMs) {
}
