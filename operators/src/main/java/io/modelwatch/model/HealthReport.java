package io.modelwatch.model;

/**
 * The QC stream: one report per model version per evaluation window (see CONTRACT.md). Flat and
 * small enough to chart directly; arrays, not maps, so it crosses Flink without Kryo.
 *
 * @param status WARMING_UP (reference still being learned), ACCUMULATING (too few events yet;
 *     the window is merged into the next), OK, or DRIFTING (at least one feature or the
 *     prediction flagged: a significant test with an effect over its floor, or a sequential
 *     detector's alarm; see docs/detection.md)
 * @param events events in the evaluated span
 * @param eventsSeen events of this model version since the job first saw it
 * @param revision 0 for the first report of a window; later revisions replace it (labels)
 */
public record HealthReport(
        String modelId,
        String modelVersion,
        String windowStart,
        String windowEnd,
        String status,
        long events,
        long eventsSeen,
        long referenceEvents,
        FeatureHealth[] features,
        FeatureHealth prediction,
        QualityCounts quality,
        EscalationState escalation,
        String thresholdsVersion,
        int revision) {

    public static final String WARMING_UP = "WARMING_UP";
    public static final String ACCUMULATING = "ACCUMULATING";
    public static final String OK = "OK";
    public static final String DRIFTING = "DRIFTING";

    /** Per-feature (or prediction) summary of the window with its drift statistics. */
    public record FeatureHealth(
            String name,
            String type,
            long count,
            long missing,
            long typeMismatches,
            Double mean,
            Double stddev,
            Double min,
            Double max,
            Quantiles quantiles,
            CategoryCount[] topCategories,
            DriftStatistic[] drift) {}

    public record Quantiles(double p05, double p25, double p50, double p75, double p95) {}

    public record CategoryCount(String value, long count) {}

    /** One statistic against its threshold; {@code threshold} is null for informational ones. */
    public record DriftStatistic(String statistic, double value, Double threshold, boolean drifted) {}

    /** What could not be profiled, and why. */
    public record QualityCounts(long lateEvents, long unknownFeatureValues, long typeMismatches, long featuresOverCap) {}

    /**
     * Where the model stands on the way to a trigger, as the monitor sees it: drifted windows
     * among the last ones within the escalation span, and how many the pattern needs.
     */
    public record EscalationState(int driftedWindows, int windowsToTrigger, String within) {}
}
