package io.modelwatch.labels;

import static io.modelwatch.labels.PerformanceMonitorFunctionTest.MINUTE;
import static io.modelwatch.labels.PerformanceMonitorFunctionTest.PER_WINDOW;
import static io.modelwatch.labels.PerformanceMonitorFunctionTest.WINDOWS;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.EstimatedMetric;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.model.LabelOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An estimated decay, reported at once from the scores, is confirmed or refuted by the realised
 * performance in a later revision of the same window, once its labels came (RocksDB, so the
 * estimate goes through the kept window result's bytes).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EstimatedDecayConfirmationTest {
    static final int FIRST_DECAYED = PerformanceMonitorFunctionTest.FIRST_DECAYED;

    /** Window k's report with an estimate that decayed from window 3 on. */
    static StreamRecord<HealthReport> report(int k) {
        boolean decayed = k >= FIRST_DECAYED;
        EstimatedMetric acc = decayed ? new EstimatedMetric(0.7, 0.6, 0.8) : new EstimatedMetric(0.85, 0.75, 0.95);
        EstimatedPerformance e = new EstimatedPerformance(0.5, EstimatedPerformance.UNCALIBRATED, PER_WINDOW, acc, null,
                null, null, null, 0.85, decayed, null);
        HealthReport r = PerformanceMonitorFunctionTest.report(k).getValue().withEstimatedPerformance(e);
        return new StreamRecord<>(r, (k + 1) * MINUTE - 1);
    }

    /** Labels 30 to 146 s after their predictions; wrong for every other prediction where {@code wrong} says. */
    static List<LabelOutcome> outcomes(IntPredicate wrong) {
        List<LabelOutcome> all = new ArrayList<>();
        for (int k = 0; k < WINDOWS; k++) {
            for (int i = 0; i < PER_WINDOW; i++) {
                long predicted = k * MINUTE + i * 2_000L;
                boolean positive = i % 2 == 0;
                int label = wrong.test(k) && positive ? 0 : positive ? 1 : 0;
                all.add(PerformanceMonitorFunctionTest.outcome(predicted, predicted + 30_000 + i * 2_000L,
                        positive ? 0.9 : 0.1, label));
            }
        }
        return all;
    }

    static List<HealthReport> run(List<LabelOutcome> labels) throws Exception {
        try (var h = PerformanceMonitorFunctionTest.harness(true)) {
            for (int k = 0; k < 20; k++) {
                long watermark = PerformanceMonitorFunctionTest.watermarkAfter(k);
                for (LabelOutcome o : labels) {
                    if (o.labelTimestamp() > watermark - MINUTE && o.labelTimestamp() <= watermark) {
                        h.processElement2(new StreamRecord<>(o, o.labelTimestamp()));
                    }
                }
                if (k < WINDOWS) {
                    h.processElement1(report(k));
                }
                h.processBothWatermarks(new Watermark(watermark));
            }
            return PerformanceMonitorFunctionTest.reports(h);
        }
    }

    static List<HealthReport> ofWindow(List<HealthReport> reports, int k) {
        String start = Instant.ofEpochMilli(k * MINUTE).toString();
        return reports.stream().filter(r -> r.windowStart().equals(start)).toList();
    }

    @Test
    void anEstimatedDecayIsReportedAtOnceAndConfirmedWhenTheLabelsShowIt() throws Exception {
        List<HealthReport> reports = run(outcomes(k -> k >= FIRST_DECAYED));
        List<HealthReport> window = ofWindow(reports, FIRST_DECAYED);
        HealthReport first = window.get(0);
        assertThat(first.revision()).isZero();
        assertThat(first.estimatedPerformance().decayed()).isTrue();
        assertThat(first.estimatedPerformance().realised()).as("no labels yet").isNull();
        HealthReport last = window.get(window.size() - 1);
        assertThat(last.revision()).isPositive();
        assertThat(last.performance().decayed()).isTrue();
        assertThat(last.estimatedPerformance().accuracy().value()).isEqualTo(0.7);
        assertThat(last.estimatedPerformance().realised()).isEqualTo(EstimatedPerformance.CONFIRMED);
        // Every revision carries the estimate beside the realised performance.
        assertThat(window).allMatch(r -> r.estimatedPerformance() != null);
        // A window whose estimate did not decay gets no confirmation either way.
        assertThat(ofWindow(reports, 1)).allMatch(r -> r.estimatedPerformance().realised() == null);
    }

    @Test
    void anEstimatedDecayTheLabelsDoNotShowIsRefuted() throws Exception {
        List<HealthReport> window = ofWindow(run(outcomes(k -> false)), FIRST_DECAYED);
        HealthReport last = window.get(window.size() - 1);
        assertThat(last.performance().decayed()).isFalse();
        assertThat(last.estimatedPerformance().realised()).isEqualTo(EstimatedPerformance.REFUTED);
    }
}
