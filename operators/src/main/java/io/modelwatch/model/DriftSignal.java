package io.modelwatch.model;

/**
 * A window-level verdict: one model version's evaluation window was flagged for one reason
 * (feature or prediction drift, data quality, performance decay). Only these (not raw events)
 * reach the CEP escalation, one per window at most per reason. The name says "drift" for every
 * reason because the class name is written into the escalation's savepoints.
 *
 * @param windowEnd event time (ms) of the end of the evaluated span
 * @param evidence statistics over their warning thresholds, strongest first
 * @param critical whether the strongest statistic passed its critical threshold
 * @param weight how many of the {@code escalation.windows} confirmations this window counts for
 *     ({@code io.modelwatch.escalation.EvidenceWeight}): 1 for a flagged window, more when its
 *     evidence is overwhelming. Signals written before the weight existed restore with 0, which
 *     the escalation reads as 1.
 */
public record DriftSignal(
        String modelId,
        String modelVersion,
        String reason,
        long windowStart,
        long windowEnd,
        long eventsSeen,
        Evidence[] evidence,
        boolean critical,
        String thresholdsVersion,
        int weight) {

    /** A signal that counts as one window. */
    public DriftSignal(String modelId, String modelVersion, String reason, long windowStart, long windowEnd,
            long eventsSeen, Evidence[] evidence, boolean critical, String thresholdsVersion) {
        this(modelId, modelVersion, reason, windowStart, windowEnd, eventsSeen, evidence, critical, thresholdsVersion, 1);
    }

    /** CEP and the cooldown key by model version and reason: separate reasons escalate separately. */
    public String escalationKey() {
        return ModelKey.of(modelId, modelVersion) + ModelKey.SEPARATOR + reason;
    }

    /** The windows this signal counts for: at least 1 (0 is a signal restored from before weights). */
    public int windowsCounted() {
        return Math.max(1, weight);
    }

    public DriftSignal withWeight(int w) {
        return new DriftSignal(modelId, modelVersion, reason, windowStart, windowEnd, eventsSeen, evidence, critical,
                thresholdsVersion, w);
    }
}
