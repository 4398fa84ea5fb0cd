package io.modelwatch.detect;

import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import java.util.List;

/** What one evaluated window produced: its health report and the drift signals for escalation. */
public record WindowEvaluation(HealthReport report, List<DriftSignal> signals) {
    public boolean drifted() {
        return !signals.isEmpty();
    }
}
