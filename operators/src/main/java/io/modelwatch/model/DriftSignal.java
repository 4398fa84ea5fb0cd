package io.modelwatch.model;

/**
 * A window-level verdict: one model version's evaluation window drifted for one reason. Only
 * these (not raw events) reach the CEP escalation, one per window at most per reason.
 *
 * @param windowEnd event time (ms) of the end of the evaluated span
 * @param evidence statistics over their warning thresholds, strongest first
 * @param critical whether the strongest statistic passed its critical threshold
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
        String thresholdsVersion) {

    /** CEP and the cooldown key by model version and reason: separate reasons escalate separately. */
    public String escalationKey() {
        return ModelKey.of(modelId, modelVersion) + ModelKey.SEPARATOR + reason;
    }
}
