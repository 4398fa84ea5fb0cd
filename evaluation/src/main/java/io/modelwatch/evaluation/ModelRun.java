package io.modelwatch.evaluation;

import java.io.Serializable;

/**
 * One simulated model version in an evaluation run: a scenario, a replica number and its own
 * seed, and its event-time span. Events are spaced evenly at the scenario's rate from
 * {@code startMillis} (inclusive) to {@code endMillis} (exclusive); the change, if any, starts at
 * {@code driftStartMillis}, on a window boundary.
 */
public record ModelRun(
        String modelId,
        Scenario scenario,
        int replica,
        long seed,
        long startMillis,
        long endMillis,
        long driftStartMillis) implements Serializable {

    public static final long NO_DRIFT = Long.MAX_VALUE;

    /**
     * Where scoring divides unchanged from changed traffic: the change's start, or never for a
     * scenario in which every trigger is false (stationary, or a negligible change).
     */
    public long scoredChangeStart() {
        return scenario.stationary() ? NO_DRIFT : driftStartMillis;
    }

    /** How far the change has gone at event time {@code t}: 0 before it, 1 in full. */
    public double driftAt(long t) {
        if (t < driftStartMillis) {
            return 0;
        }
        int ramp = scenario.rampMinutes();
        return ramp == 0 ? 1 : Math.min(1, (t - driftStartMillis) / (ramp * 60_000.0));
    }

    /** Number of events this model sends. */
    public long events() {
        return eventsBefore(endMillis);
    }

    /** Number of events with nominal time before {@code t}. */
    public long eventsBefore(long t) {
        if (t <= startMillis) {
            return 0;
        }
        // Event i is at start + floor(i * 60000 / rate): the count below t is ceil((t - start) * rate / 60000).
        long span = Math.min(t, endMillis) - startMillis;
        return (span * scenario.eventsPerMinute() + 59_999) / 60_000;
    }
}
