package io.modelwatch.jobs;

/**
 * What a savepoint holds for one model version in the monitor ({@code bin/modelwatch inspect}).
 *
 * @param phase LEARNING while the reference is being learned, MONITORING once it is frozen
 * @param referenceEvents events in the frozen reference, or learned so far while LEARNING
 * @param eventsSeen events of this version since the job first saw it, late ones included
 * @param openWindows event-time windows with events, not yet evaluated
 * @param accumulating whether a span of low-traffic windows waits for more events
 * @param recentDriftedWindows drifted windows within the escalation span at the last evaluation
 * @param lastEventTime ISO-8601 event time of the newest event, or null (state written before
 *     the lifecycle was tracked)
 */
public record ModelState(
        String modelId,
        String modelVersion,
        String phase,
        long referenceEvents,
        long eventsSeen,
        int openWindows,
        boolean accumulating,
        int recentDriftedWindows,
        String lastEventTime) {

    public static final String LEARNING = "LEARNING";
    public static final String MONITORING = "MONITORING";
}
