package io.modelwatch.detect;

import static io.modelwatch.detect.QualityEvaluatorTest.every;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.testing.Events;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole verdict of a window from known inputs: report status, quality findings, what live
 * control changed, and the weighted signals the escalation receives.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WindowVerdictTest {
    static final Thresholds T = Thresholds.defaults();
    static final long MINUTE = 60_000;
    /** A one-minute window of version 1 of model m, 6,000 events seen, one drifted window before. */
    static final DriftEvaluator.Context CTX = new DriftEvaluator.Context("m", "1", 0, MINUTE, 6000, 0, 1, "v1");
    static final HealthReport.Control CONTROL = new HealthReport.Control("c-1", null,
            new String[] {"drift.effect.numeric"}, null, null, null, null);

    /** 1,000 events over a minute against {@link QualityEvaluatorTest#reference()}: the reference's rate. */
    static ModelProfile window(ReferenceProfile ref, double shift, UnaryOperator<PredictionEvent> damage) {
        ModelProfile w = ModelProfile.against(ref);
        for (PredictionEvent e : Events.stream("m", 3, 1000, 0, 60, shift, 0)) {
            w.add(damage.apply(e), ref);
        }
        return w;
    }

    static UnaryOperator<PredictionEvent> missingEveryThird() {
        return every(3, 0, ValueKind.MISSING, 0, null);
    }

    @Test
    void anUnchangedWindowIsOkWithNoSignalAndNoControl() {
        ReferenceProfile ref = QualityEvaluatorTest.reference();
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, 0, e -> e), T, CTX, List.of(), null);
        assertThat(v.report().status()).isEqualTo(HealthReport.OK);
        assertThat(v.report().quality().findings()).isEmpty();
        assertThat(v.report().control()).isNull();
        assertThat(v.report().thresholdsVersion()).isEqualTo("v1");
        assertThat(v.report().escalation().driftedWindows()).isEqualTo(1);
        assertThat(v.signals()).isEmpty();
        assertThat(v.drifted()).isFalse();
    }

    @Test
    void aQualityFindingAloneDegradesTheReportAndSendsOneCriticalDataQualitySignal() {
        ReferenceProfile ref = QualityEvaluatorTest.reference();
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, 0, missingEveryThird()), T, CTX, List.of(), null);
        assertThat(v.report().status()).isEqualTo(HealthReport.DEGRADED);
        HealthReport.QualityFinding[] findings = v.report().quality().findings();
        assertThat(findings).extracting(HealthReport.QualityFinding::signal).containsExactly("quality:x");
        assertThat(v.drifted()).as("data quality is not drift").isFalse();
        assertThat(v.report().escalation().driftedWindows()).isEqualTo(1);
        assertThat(v.signals()).hasSize(1);
        DriftSignal q = v.signals().get(0);
        assertThat(q.reason()).isEqualTo(RetrainTrigger.DATA_QUALITY);
        assertThat(q.modelId()).isEqualTo("m");
        assertThat(q.windowStart()).isZero();
        assertThat(q.windowEnd()).isEqualTo(MINUTE);
        assertThat(q.evidence()).extracting(e -> e.signal() + " " + e.statistic())
                .containsExactly(findings[0].signal() + " " + findings[0].statistic());
        // A third of the values missing against none: far past the floor, and overwhelming.
        assertThat(findings[0].value()).isGreaterThanOrEqualTo(Severity.CRITICAL_RATIO * findings[0].threshold());
        assertThat(q.critical()).isTrue();
        assertThat(q.windowsCounted()).isEqualTo(T.escalationWindows());
    }

    @Test
    void driftWithAQualityFindingIsDriftingAndSendsDriftSignalsThenTheQualitySignal() {
        ReferenceProfile ref = QualityEvaluatorTest.reference();
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, 1.0, missingEveryThird()), T, CTX, List.of(), null);
        assertThat(v.report().status()).as("drift outranks DEGRADED").isEqualTo(HealthReport.DRIFTING);
        assertThat(v.report().quality().findings()).isNotEmpty();
        assertThat(v.drifted()).isTrue();
        // The escalation state counts confirmations as the escalation does: the drifted window
        // before, and this one as its weight, 3 (below), so the report shows the trigger's 3 of 3 reached.
        assertThat(v.weight()).isEqualTo(T.escalationWindows());
        assertThat(v.report().escalation().driftedWindows()).isEqualTo(1 + T.escalationWindows());
        assertThat(v.signals()).extracting(DriftSignal::reason).containsExactly(RetrainTrigger.FEATURE_DRIFT,
                RetrainTrigger.PREDICTION_DRIFT, RetrainTrigger.DATA_QUALITY);
        assertThat(v.signals().get(0).evidence()[0].signal()).isEqualTo("feature:x");
        // A 1 sd shift on 1,000 events is overwhelming evidence (EvidenceWeight): one window suffices.
        assertThat(v.signals().get(0).windowsCounted()).isEqualTo(T.escalationWindows());
    }

    @Test
    void aControlOverrideIsNamedInTheReportAndChangesNoSignal() {
        ReferenceProfile ref = QualityEvaluatorTest.reference();
        ModelProfile w = window(ref, 1.0, missingEveryThird());
        DriftEvaluator.Context live = new DriftEvaluator.Context("m", "1", 0, MINUTE, 6000, 0, 1, "v1+c-1");
        WindowVerdict without = WindowVerdict.judge(ref, w, T, live, List.of(), null);
        WindowVerdict with = WindowVerdict.judge(ref, w, T, live, List.of(), CONTROL);
        assertThat(with.report().control()).isSameAs(CONTROL);
        assertThat(with.report().thresholdsVersion()).isEqualTo("v1+c-1");
        assertThat(without.report().control()).isNull();
        assertThat(with.report().status()).isEqualTo(without.report().status());
        assertThat(with.signals()).usingRecursiveComparison().isEqualTo(without.signals());
        assertThat(with.signals()).allMatch(s -> s.thresholdsVersion().equals("v1+c-1"));
    }

    @Test
    void aSummaryCarriesItsStatusAndControlButNoVerdict() {
        ReferenceProfile ref = QualityEvaluatorTest.reference();
        HealthReport r = WindowVerdict.summary(HealthReport.ACCUMULATING, window(ref, 1.0, missingEveryThird()),
                ref.events(), T, CTX, CONTROL);
        assertThat(r.status()).isEqualTo(HealthReport.ACCUMULATING);
        assertThat(r.control()).isSameAs(CONTROL);
        assertThat(r.referenceEvents()).isEqualTo(5000);
        assertThat(r.quality().findings()).isEmpty();
        assertThat(r.features()[0].drift()).isEmpty();
    }

    @Test
    void aStrongChangeAtHalfTheMinimumIsDecisiveAndUnchangedTrafficIsNot() {
        ReferenceProfile ref = QualityEvaluatorTest.reference();
        ModelProfile shifted = ModelProfile.against(ref);
        ModelProfile unchanged = ModelProfile.against(ref);
        List<PredictionEvent> events = Events.stream("m", 5, T.minWindowEvents() / 2, 0, 60, 0, 0);
        for (PredictionEvent e : Events.stream("m", 5, T.minWindowEvents() / 2, 0, 60, 1.0, 0)) {
            shifted.add(e, ref);
        }
        events.forEach(e -> unchanged.add(e, ref));
        assertThat(WindowVerdict.decisive(ref, shifted, T, CTX)).isTrue();
        assertThat(WindowVerdict.decisive(ref, unchanged, T, CTX)).isFalse();
    }

    @Test
    void criticalIsTwoAndAHalfTimesTheThreshold() {
        assertThat(Severity.critical(0.25, 0.1)).isTrue();
        assertThat(Severity.critical(0.24, 0.1)).isFalse();
        assertThat(new PerformanceDecay.Finding("error_rate_increase", 0.125, 0.05, 1e-9).critical()).isTrue();
        assertThat(new PerformanceDecay.Finding("error_rate_increase", 0.12, 0.05, 1e-9).critical()).isFalse();
    }
}
