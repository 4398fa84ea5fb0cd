package io.modelwatch.functions;

import java.util.Arrays;

/**
 * Small per-model-version bookkeeping of {@link io.modelwatch.monitor.ModelMonitorFunction}, kept as a Flink POJO
 * (public fields, no-arg constructor) so fields can be added later with state schema evolution.
 */
public class MonitorStatus {
    /** Events of this model version ever seen, late ones included. */
    public long eventsSeen;
    /** Start of the accumulating span of low-traffic windows, or -1 when none is pending. */
    public long pendingStart = -1;
    /**
     * End of the last window of the pending span that a report covered (a span below
     * {@code window.minEvents} reports at some of its windows only: io.modelwatch.monitor.LowTrafficSpans);
     * Long.MIN_VALUE in state written before it existed, which reports the span at its next window.
     */
    public long pendingReportedEnd = Long.MIN_VALUE;
    /** End of the last window whose timer fired: events before it are late. */
    public long lastFiredWindowEnd = Long.MIN_VALUE;
    /** Late events since the last report. */
    public long lateSinceReport;
    /**
     * Ends of recent drifted windows, for the escalation state in reports: a window that counts
     * {@code w} confirmations (its weight, io.modelwatch.escalation.EvidenceWeight) is recorded
     * {@code w} times; state written before weights holds each window once.
     */
    public long[] driftedWindowEnds = new long[0];
    /** Event time of the newest event of this version (silence and idle expiry). */
    public long lastEventTime = Long.MIN_VALUE;
    /** End of the newest window opened. */
    public long lastWindowEnd = Long.MIN_VALUE;
    /** The pending silence check (quality.silenceAfter), or Long.MIN_VALUE when none is registered. */
    public long silenceTimerAt = Long.MIN_VALUE;
    /** The pending idle-expiry timer (event time), or Long.MIN_VALUE when none is registered. */
    public long expiryTimer = Long.MIN_VALUE;
    /**
     * The window grids in use, as pairs (origin, window size in ms), oldest first (
     * io.modelwatch.monitor.WindowGrid): more than one pair only while windows opened before a change of
     * {@code window.size} are still open. Empty in state written before it existed.
     */
    public long[] windowGrids = new long[0];
    /**
     * The thresholds file's version of this version's last report, or null (state written before
     * it existed): a restore under another file notes what changed in the next report.
     */
    public String reportedThresholdsVersion;

    public MonitorStatus() {}

    /** Drifted windows within {@code spanMillis} before {@code windowEnd}, after recording this one. */
    public int recordWindow(long windowEnd, boolean drifted, long spanMillis) {
        return recordWindow(windowEnd, drifted ? 1 : 0, spanMillis);
    }

    /**
     * Confirmations of drift within {@code spanMillis} before {@code windowEnd}, after recording
     * this window's {@code weight} (0 when it did not drift).
     */
    public int recordWindow(long windowEnd, int weight, long spanMillis) {
        long[] kept = Arrays.stream(driftedWindowEnds).filter(t -> t > windowEnd - spanMillis).toArray();
        if (weight > 0) {
            int n = kept.length;
            kept = Arrays.copyOf(kept, n + weight);
            Arrays.fill(kept, n, n + weight, windowEnd);
        }
        driftedWindowEnds = kept;
        return kept.length;
    }

    /** Confirmations of drift (weighted windows) within {@code spanMillis} before {@code windowEnd}. */
    public int driftedWithin(long windowEnd, long spanMillis) {
        return (int) Arrays.stream(driftedWindowEnds).filter(t -> t > windowEnd - spanMillis).count();
    }
}
