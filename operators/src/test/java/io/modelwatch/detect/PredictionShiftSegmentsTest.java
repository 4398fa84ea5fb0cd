package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwatch.config.Thresholds;
import io.modelwatch.escalation.RetrainTriggerBuilder;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.PredictionSegments;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.profiles.SegmentPlan;
import io.modelwatch.testing.RegionEvents;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The decomposition of a prediction's shift over segments against hand-computed values, and the
 * ranking through the verdict: a shift confined to region = north_america (20% of the traffic)
 * names that region first and nothing else; a shift of every event names none; an unchanged
 * model has no prediction drift to explain.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PredictionShiftSegmentsTest {
    static final Thresholds T = Thresholds.defaults();

    @Test
    void aSegmentsOwnChangeIsItsAverageShareTimesTheChangeOfItsMean() {
        // A and B half the traffic on both sides; A's mean goes 0.2 -> 0.6, B's stays 0.4.
        // Overall 0.3 -> 0.5: A explains the whole 0.2 (0.5 x 0.4), B nothing.
        assertThat(PredictionShiftSegments.contribution(0.5, 0.2, 0.5, 0.6, 0.3, 0.5)).isCloseTo(0.2, within(1e-12));
        assertThat(PredictionShiftSegments.contribution(0.5, 0.4, 0.5, 0.4, 0.3, 0.5)).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void theMixEffectCountsAShareThatGrewAtItsDistanceFromTheOverallMeanAndThePartsSumToTheShift() {
        // Reference: A 20% at 0.5, B 80% at 0.1 (overall 0.18). Window: A 40% at 0.6, B 60% at 0.1
        // (overall 0.30). Kitagawa: A = 0.3 x 0.1 + (0.55 - 0.24) x 0.2 = 0.092;
        // B = 0.7 x 0 + (0.1 - 0.24) x (-0.2) = 0.028; together the shift 0.12.
        double a = PredictionShiftSegments.contribution(0.2, 0.5, 0.4, 0.6, 0.18, 0.30);
        double b = PredictionShiftSegments.contribution(0.8, 0.1, 0.6, 0.1, 0.18, 0.30);
        assertThat(a).isCloseTo(0.092, within(1e-12));
        assertThat(b).isCloseTo(0.028, within(1e-12));
        assertThat(a + b).isCloseTo(0.30 - 0.18, within(1e-12));
        // The same with every prediction 10 higher: the parts do not depend on the origin.
        assertThat(PredictionShiftSegments.contribution(0.2, 10.5, 0.4, 10.6, 10.18, 10.30)).isCloseTo(a, within(1e-9));
    }

    @Test
    void theContributionsOfOneFeaturesSegmentsAndItsRestAddUpToTheWindowsShift() {
        ReferenceProfile ref = reference();
        ModelProfile w = window(ref, events(7, 2000, e -> regionOf(e).equals("north_america") ? 0.5 : 0.1));
        PredictionShiftSegments.Result r = PredictionShiftSegments.explain(ref.segmentPlan(), ref.segments(),
                w.segments());
        SegmentPlan plan = ref.segmentPlan();
        PredictionSegments r0 = ref.segments();
        PredictionSegments w1 = w.segments();
        int all = plan.cellCount();
        double m0 = r0.sum(all) / r0.total();
        double m1 = w1.sum(all) / w1.total();
        assertThat(r.referenceMean()).isCloseTo(m0, within(1e-12));
        assertThat(r.windowMean()).isCloseTo(m1, within(1e-12));
        // region: its four values are all of its traffic (no rest), so their parts sum to the shift.
        double sum = 0;
        for (int c = 0; c < all; c++) {
            if (plan.feature(c).equals("region")) {
                sum += PredictionShiftSegments.contribution(r0.count(c) / r0.total(), r0.sum(c) / r0.count(c),
                        w1.count(c) / w1.total(), w1.sum(c) / w1.count(c), m0, m1);
            }
        }
        assertThat(sum).isCloseTo(m1 - m0, within(1e-9));
    }

    @Test
    void aShiftConfinedToOneRegionNamesThatRegionFirstAndNoOtherSegment() {
        ReferenceProfile ref = reference();
        List<PredictionEvent> shifted = events(3, 2000, e -> regionOf(e).equals("north_america") ? 1.0 : 0);
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, shifted), T, ctx(), List.of(), null);
        DriftSignal drift = predictionDrift(v);
        assertThat(drift).isNotNull();
        List<Evidence> segments = segmentEffects(drift);
        assertThat(segments).extracting(Evidence::signal).containsExactly("segment:region=north_america");
        // About all of the shift is north_america's: 20% of the traffic, its mean up by 1.
        assertThat(segments.get(0).strength()).isGreaterThan(0.9);
        assertThat(drift.evidence()[0].signal()).isEqualTo("prediction");
        HealthReport.PredictionShift s = v.report().predictionSegments();
        assertThat(s.quantity()).isEqualTo("mean");
        assertThat(s.windowMean() - s.referenceMean()).isCloseTo(0.2, within(0.05));
        assertThat(s.segmentsTested()).isGreaterThan(10);
        HealthReport.ShiftSegment na = s.segments()[0];
        assertThat(na.segment()).isEqualTo("region=north_america");
        assertThat(na.after() - na.before()).isCloseTo(1.0, within(0.05));
        assertThat(na.share()).isCloseTo(0.2, within(0.03));
        assertThat(na.pValue()).isLessThan(1e-6);
        // The trigger keeps the entries after the prediction's own, north_america first.
        RetrainTrigger trigger = RetrainTriggerBuilder.build(List.of(drift, drift, drift));
        assertThat(Arrays.stream(trigger.evidence()).map(Evidence::signal).filter(x -> x.startsWith("segment:")))
                .first().isEqualTo("segment:region=north_america");
    }

    @Test
    void aShiftOfEveryEventNamesNoSegmentAndSaysSo() {
        ReferenceProfile ref = reference();
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, events(4, 2000, e -> 0.3)), T, ctx(), List.of(), null);
        DriftSignal drift = predictionDrift(v);
        assertThat(drift).isNotNull();
        assertThat(segmentEffects(drift)).isEmpty();
        HealthReport.PredictionShift s = v.report().predictionSegments();
        assertThat(s.segmentsTested()).isGreaterThan(10);
        assertThat(s.segments()).isEmpty();
    }

    @Test
    void anUnchangedModelHasNoPredictionDriftAndNoSegments() {
        ReferenceProfile ref = reference();
        for (int seed = 10; seed < 30; seed++) {
            WindowVerdict v = WindowVerdict.judge(ref, window(ref, events(seed, 1000, e -> 0)), T, ctx(), List.of(),
                    null);
            assertThat(predictionDrift(v)).isNull();
            assertThat(v.report().predictionSegments()).isNull();
        }
    }

    @Test
    void aSegmentWithFewerThan30EventsOnASideIsNotTested() {
        ReferenceProfile ref = reference();
        // 100 events: north_america has about 20, the other regions and the deciles about 10 to 40.
        ModelProfile small = window(ref, events(5, 100, e -> regionOf(e).equals("north_america") ? 5.0 : 0));
        PredictionShiftSegments.Result r = PredictionShiftSegments.explain(ref.segmentPlan(), ref.segments(),
                small.segments());
        SegmentPlan plan = ref.segmentPlan();
        int tested = 0;
        for (int c = 0; c < plan.cellCount(); c++) {
            if (small.segments().count(c) >= 30 && small.segments().total() - small.segments().count(c) >= 30) {
                tested++;
            }
        }
        assertThat(r.tested()).isEqualTo(tested);
        assertThat(r.named()).extracting(PredictionShiftSegments.Finding::name)
                .doesNotContain("region=north_america");
    }

    @Test
    void theSegmentsAreTheTopRegionsDevicesAndTheDecilesOfX() {
        SegmentPlan plan = reference().segmentPlan();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < plan.cellCount(); c++) {
            names.add(plan.feature(c) + "=" + plan.value(c));
        }
        assertThat(names).contains("region=north_america", "region=europe", "device=mobile", "device=desktop");
        assertThat(names.stream().filter(n -> n.startsWith("x="))).hasSize(10);
        assertThat(names.stream().filter(n -> n.startsWith("x="))).first().asString().startsWith("x=[-inf, ");
        assertThat(names.stream().filter(n -> n.startsWith("x="))).last().asString().endsWith(", inf)");
    }

    @Test
    void aClassPredictionIsDecomposedAsTheShareOfClassesOtherThanTheReferencesMostFrequent() {
        // "no" 80% of the reference's predictions; from the shift on, north_america predicts "yes"
        // 70% of the time instead of 20%.
        ModelProfile learned = new ModelProfile();
        classEvents(1, 5000, false).forEach(learned::add);
        ReferenceProfile frozen = ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
        ReferenceProfile ref = frozen.withSegmentsFrom(window(frozen, classEvents(2, 5000, false)).segments(), 5000);
        assertThat(ref.segmentPlan().classPrediction()).isTrue();
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, classEvents(3, 2000, true)), T, ctx(), List.of(), null);
        HealthReport.PredictionShift s = v.report().predictionSegments();
        assertThat(s.quantity()).isEqualTo("share_other_than:no");
        assertThat(s.referenceMean()).isCloseTo(0.2, within(0.02));
        assertThat(s.segments()).extracting(HealthReport.ShiftSegment::segment).containsExactly("region=north_america");
        assertThat(s.segments()[0].after()).isCloseTo(0.7, within(0.06));
    }

    @Test
    void aReferenceBuiltFromDataCountsItsSegmentsInItsSecondPass() {
        ReferenceProfile ref = io.modelwatch.stats.profiles.ReferenceBuilder.fromData(events(1, 5000, e -> 0),
                T.numericBins(), T.categoryBins());
        assertThat(ref.segmentsComplete()).isTrue();
        assertThat(ref.segments().total()).isEqualTo(5000);
        ReferenceProfile back = ReferenceProfile.fromBytes(ref.toBytes());
        assertThat(back.segmentsComplete()).isTrue();
        assertThat(back.toBytes()).isEqualTo(ref.toBytes());
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, events(3, 2000, RegionEvents.northAmerica(1.0))), T,
                ctx(), List.of(), null);
        assertThat(v.report().predictionSegments().segments()[0].segment()).isEqualTo("region=north_america");
    }

    static List<PredictionEvent> classEvents(long seed, int n, boolean shifted) {
        List<PredictionEvent> out = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed + 1000);
        for (PredictionEvent e : events(seed, n, RegionEvents.NONE)) {
            double yes = shifted && regionOf(e).equals("north_america") ? 0.7 : 0.2;
            out.add(new PredictionEvent("m", "1", e.predictionId(), e.timestamp(), e.featureNames(), e.featureKinds(),
                    e.numericValues(), e.categoricalValues(), io.modelwatch.model.ValueKind.CATEGORICAL, 0,
                    r.nextDouble() < yes ? "yes" : "no"));
        }
        return out;
    }

    // ---- fixtures

    static DriftEvaluator.Context ctx() {
        return new DriftEvaluator.Context("m", "1", 0, 60_000, 20_000, 0, 0, "v1");
    }

    /** Learned from 5,000 events, its segments completed from the next 5,000, as the monitor does. */
    static ReferenceProfile reference() {
        ModelProfile learned = new ModelProfile();
        events(1, 5000, e -> 0).forEach(learned::add);
        ReferenceProfile frozen = ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
        ReferenceProfile ref = frozen.withSegmentsFrom(window(frozen, events(2, 5000, e -> 0)).segments(), 5000);
        assertThat(ref.segmentsComplete()).isTrue();
        return ref;
    }

    static ModelProfile window(ReferenceProfile ref, List<PredictionEvent> events) {
        ModelProfile w = ModelProfile.against(ref);
        events.forEach(e -> w.add(e, ref));
        return w;
    }

    static String regionOf(PredictionEvent e) {
        return RegionEvents.region(e);
    }

    static DriftSignal predictionDrift(WindowVerdict v) {
        return v.signals().stream().filter(s -> s.reason().equals(RetrainTrigger.PREDICTION_DRIFT)).findFirst()
                .orElse(null);
    }

    static List<Evidence> segmentEffects(DriftSignal s) {
        return Arrays.stream(s.evidence()).filter(e -> e.statistic().equals("segment_shift_contribution")).toList();
    }

    static List<PredictionEvent> events(long seed, int n, ToDoubleFunction<PredictionEvent> shift) {
        return RegionEvents.events(seed, n, 0, 10, shift);
    }
}
