package io.sluice.sampling;

/** A candidate token and its natural-log probability under the model's (unmodified) distribution. */
public record TokenLogprob(int tokenId, float logprob) {
}
