package io.modelwatch.detect;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.escalation.EvidenceWeight;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole verdict of one window, as a pure function of what the monitor knows: the
 * {@link HealthReport} (drift statistics from {@link DriftEvaluator}, data quality from
 * {@link QualityEvaluator}, what live control changed) and every signal the window sends to the
 * escalation (one per drift reason and one for data quality, each weighted by its evidence,
 * {@link EvidenceWeight}). No state, no Flink: the keyed monitor decides when a window is due and
 * keeps the sequential detectors whose evidence comes in here.
 *
 * @param report the window's report, with quality and control applied
 * @param signals the weighted signals for the escalation, drift first, then data quality, then
 *     an estimated performance decay ({@link PerformanceEstimate})
 * @param drifted whether a drift test or sequential detector flagged (data quality alone does not
 *     count as a drifted window in the escalation state of later reports)
 */
public record WindowVerdict(HealthReport report, List<DriftSignal> signals, boolean drifted) {

    /**
     * Judges a window (or a merged span of low-traffic windows) against the reference.
     *
     * @param c the window (its start and end span the merged windows) and the version's counts;
     *     its {@code lateEvents} count into the report and the data-quality checks
     * @param sequential what the version's sequential detectors found after this window
     * @param control what live control changed for the model, or null when no control record is in
     *     force (the report then carries none)
     */
    public static WindowVerdict judge(ReferenceProfile ref, ModelProfile window, Thresholds t, DriftEvaluator.Context c,
            List<SequentialEvidence> sequential, HealthReport.Control control) {
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window, t, c, sequential);
        QualityEvaluator.Result quality = quality(ref, window, t, c);
        HealthReport report = withControl(withQuality(eval.report(), quality), c, control);
        List<DriftSignal> signals = weightedSignals(eval, quality, c, t);
        if (ref.segmentsComplete() && window.segments() != null && hasPredictionDrift(signals)) {
            PredictionShiftSegments.Result shift = PredictionShiftSegments.explain(ref.segmentPlan(), ref.segments(),
                    window.segments());
            if (shift != null) {
                report = report.withPredictionSegments(predictionShift(ref, shift));
                signals = withSegmentEvidence(signals, shift, c);
            }
        }
        PerformanceEstimate.Result estimate = PerformanceEstimate.estimate(ref.prediction(), window.prediction(), t);
        if (estimate != null) {
            report = report.withEstimatedPerformance(estimate.estimate());
            if (estimate.estimate().decayed() && t.estimatedDecaySignal()) {
                List<DriftSignal> all = new ArrayList<>(signals);
                all.add(estimatedDecaySignal(c, estimate, t));
                signals = List.copyOf(all);
            }
        }
        WindowVerdict v = new WindowVerdict(report, signals, eval.drifted());
        HealthReport.EscalationState e = report.escalation();
        if (e != null && v.weight() > 1) {
            // The escalation state counts confirmations, as the escalation does: this window as its weight.
            report = report.withEscalation(new HealthReport.EscalationState(c.driftedWindowsBefore() + v.weight(),
                    e.windowsToTrigger(), e.within()));
            v = new WindowVerdict(report, signals, eval.drifted());
        }
        return v;
    }

    /**
     * The confirmations of drift this window counts for: the largest weight of its drift signals
     * ({@link DriftSignal#windowsCounted()}; {@code FEATURE_DRIFT} and {@code PREDICTION_DRIFT}
     * escalate separately, so the heavier one), 0 when it did not drift. Data quality escalates
     * apart and is not counted.
     */
    public int weight() {
        if (!drifted) {
            return 0;
        }
        int w = 1;
        for (DriftSignal s : signals) {
            if (RetrainTrigger.FEATURE_DRIFT.equals(s.reason()) || RetrainTrigger.PREDICTION_DRIFT.equals(s.reason())) {
                w = Math.max(w, s.windowsCounted());
            }
        }
        return w;
    }

    /** Whether a PREDICTION_DRIFT signal is among {@code signals}. */
    public static boolean hasPredictionDrift(List<DriftSignal> signals) {
        for (DriftSignal s : signals) {
            if (RetrainTrigger.PREDICTION_DRIFT.equals(s.reason())) {
                return true;
            }
        }
        return false;
    }

    private static HealthReport.PredictionShift predictionShift(ReferenceProfile ref,
            PredictionShiftSegments.Result shift) {
        HealthReport.ShiftSegment[] named = shift.named().stream()
                .map(f -> new HealthReport.ShiftSegment(f.name(), f.feature(), f.value(), f.before(), f.after(),
                        f.referenceShare(), f.share(), f.events(), f.pValue(), f.contribution(), f.explained()))
                .toArray(HealthReport.ShiftSegment[]::new);
        return new HealthReport.PredictionShift(ref.segmentPlan().quantity(ref.prediction()), shift.referenceMean(),
                shift.windowMean(), shift.tested(), named);
    }

    /**
     * The PREDICTION_DRIFT signal with the named segments' entries after its own (its weight as it
     * was: a segment entry has no p-value of the drift tests and weighs nothing). Per segment its
     * effect, {@code segment_shift_contribution}: its part of the mean's shift in the shift's
     * direction against the whole shift, so its strength is the share it explains and the segments
     * follow in that order; then its mean after against before, its share of the window and its
     * adjusted p-value against the false discovery rate.
     */
    private static List<DriftSignal> withSegmentEvidence(List<DriftSignal> signals,
            PredictionShiftSegments.Result shift, DriftEvaluator.Context c) {
        if (shift.named().isEmpty()) {
            return signals;
        }
        String windowEnd = Instant.ofEpochMilli(c.windowEnd()).toString();
        double whole = Math.abs(shift.windowMean() - shift.referenceMean());
        double direction = Math.signum(shift.windowMean() - shift.referenceMean());
        List<DriftSignal> out = new ArrayList<>(signals.size());
        for (DriftSignal s : signals) {
            if (!RetrainTrigger.PREDICTION_DRIFT.equals(s.reason())) {
                out.add(s);
                continue;
            }
            List<Evidence> evidence = new ArrayList<>(List.of(s.evidence()));
            for (PredictionShiftSegments.Finding f : shift.named()) {
                String signal = Evidence.SEGMENT_PREFIX + f.name();
                evidence.add(new Evidence(signal, "segment_shift_contribution", direction * f.contribution(), whole,
                        windowEnd));
                evidence.add(new Evidence(signal, "segment_mean", f.after(), f.before(), windowEnd));
                evidence.add(new Evidence(signal, "segment_share", f.share(), 0, windowEnd));
                evidence.add(new Evidence(signal, "segment_p_value", f.pValue(), PredictionShiftSegments.FDR, windowEnd));
            }
            out.add(new DriftSignal(s.modelId(), s.modelVersion(), s.reason(), s.windowStart(), s.windowEnd(),
                    s.eventsSeen(), Evidence.strongestFirst(evidence).toArray(Evidence[]::new), s.critical(),
                    s.thresholdsVersion(), s.weight()));
        }
        return List.copyOf(out);
    }

    /**
     * ESTIMATED_PERFORMANCE_DECAY escalates like drift, through the same pattern, weighted by its
     * test ({@link EvidenceWeight#ofEstimate}); CRITICAL when the drop is 2.5 times the floor.
     */
    private static DriftSignal estimatedDecaySignal(DriftEvaluator.Context c, PerformanceEstimate.Result r,
            Thresholds t) {
        Evidence e = new Evidence("performance:estimated", "estimated_accuracy_drop", r.drop(), t.accuracyDrop(),
                Instant.ofEpochMilli(c.windowEnd()).toString());
        DriftSignal s = new DriftSignal(c.modelId(), c.modelVersion(), RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY,
                c.windowStart(), c.windowEnd(), c.eventsSeen(), new Evidence[] {e},
                Severity.critical(r.drop(), t.accuracyDrop()), c.thresholdsVersion());
        return EvidenceWeight.ofEstimate(s, r.pValue(), r.drop(), t.accuracyDrop(), t);
    }

    /**
     * A report without drift statistics, {@code status} one of {@link HealthReport#WARMING_UP}
     * (the reference is still learned), {@link HealthReport#ACCUMULATING} (a low-traffic span waits
     * for more events) and {@link HealthReport#SILENT}; with control applied as in {@link #judge}.
     */
    public static HealthReport summary(String status, ModelProfile window, long referenceEvents, Thresholds t,
            DriftEvaluator.Context c, HealthReport.Control control) {
        return withControl(DriftEvaluator.summary(status, window, referenceEvents, t, c), c, control);
    }

    /**
     * The early-close rule: whether a span still short of {@code window.minEvents}, with at least
     * {@code window.minEvents / 2} events, already holds a drift or quality signal of weight
     * {@code escalation.windows} (only with {@code escalation.weighted}). Then the monitor judges it
     * at its time boundary instead of accumulating further, so a strong change at low traffic
     * triggers a window sooner. Under no change a span is decisive with probability at most
     * {@code alpha^k} (1e-9 at the defaults), so the extra look leaves the false-trigger rate as it
     * is. Without sequential evidence: the look has no side effects.
     */
    public static boolean decisive(ReferenceProfile ref, ModelProfile span, Thresholds t, DriftEvaluator.Context c) {
        if (!t.escalationWeighted() || span.events() < t.minWindowEvents() / 2) {
            return false;
        }
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, span, t, c, List.of());
        for (DriftSignal s : eval.signals()) {
            if (EvidenceWeight.ofDrift(s, eval.report(), t).weight() >= t.escalationWindows()) {
                return true;
            }
        }
        QualityEvaluator.Result q = quality(ref, span, t, c);
        return !q.findings().isEmpty()
                && EvidenceWeight.ofQuality(qualitySignal(c, q), q.findings(), t).weight() >= t.escalationWindows();
    }

    /** The data-quality checks of the window: its own span of time, the late events since the last report. */
    private static QualityEvaluator.Result quality(ReferenceProfile ref, ModelProfile window, Thresholds t,
            DriftEvaluator.Context c) {
        return QualityEvaluator.evaluate(ref, window, t, c.windowEnd() - c.windowStart(), c.lateEvents());
    }

    private static List<DriftSignal> weightedSignals(WindowEvaluation eval, QualityEvaluator.Result quality,
            DriftEvaluator.Context c, Thresholds t) {
        List<DriftSignal> signals = new ArrayList<>();
        if (eval.drifted()) {
            for (DriftSignal s : eval.signals()) {
                signals.add(EvidenceWeight.ofDrift(s, eval.report(), t));
            }
        }
        if (!quality.findings().isEmpty()) {
            signals.add(EvidenceWeight.ofQuality(qualitySignal(c, quality), quality.findings(), t));
        }
        return List.copyOf(signals);
    }

    /** The report's quality counts with the findings; an OK window with findings is DEGRADED. */
    private static HealthReport withQuality(HealthReport r, QualityEvaluator.Result q) {
        HealthReport.QualityCounts old = r.quality();
        HealthReport.QualityCounts counts = new HealthReport.QualityCounts(old.lateEvents(), old.unknownFeatureValues(),
                old.typeMismatches(), old.featuresOverCap(), old.nonFiniteValues(), old.outOfRangeValues(),
                old.unseenCategoryValues(), q.expectedEvents(), q.findings().toArray(HealthReport.QualityFinding[]::new));
        String status = HealthReport.OK.equals(r.status()) && !q.findings().isEmpty() ? HealthReport.DEGRADED : r.status();
        return r.withQuality(counts, status);
    }

    private static HealthReport withControl(HealthReport r, DriftEvaluator.Context c, HealthReport.Control control) {
        return control == null ? r : r.withControl(c.thresholdsVersion(), control);
    }

    /**
     * DATA_QUALITY escalates like drift, through the same pattern; CRITICAL when the strongest
     * finding is critical ({@link Severity}).
     */
    private static DriftSignal qualitySignal(DriftEvaluator.Context c, QualityEvaluator.Result q) {
        String windowEnd = Instant.ofEpochMilli(c.windowEnd()).toString();
        Evidence[] evidence = q.findings().stream()
                .map(f -> new Evidence(f.signal(), f.statistic(), f.value(), f.threshold(), windowEnd))
                .toArray(Evidence[]::new);
        boolean critical = Severity.critical(evidence[0].value(), evidence[0].threshold());
        return new DriftSignal(c.modelId(), c.modelVersion(), RetrainTrigger.DATA_QUALITY, c.windowStart(),
                c.windowEnd(), c.eventsSeen(), evidence, critical, c.thresholdsVersion());
    }
}
