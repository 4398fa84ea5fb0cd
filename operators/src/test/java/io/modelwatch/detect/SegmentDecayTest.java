package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.modelwatch.detect.SegmentDecay.Finding;
import io.modelwatch.detect.SegmentDecay.Segment;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.PerformanceAccumulator;
import io.modelwatch.stats.profiles.SegmentCounts;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SegmentDecayTest {
    static final String[] REGIONS = {"north_america", "europe", "asia", "latam", "africa"};
    /** Traffic shares of the regions: north_america about 20%. */
    static final double[] REGION_SHARES = {0.2, 0.3, 0.25, 0.15, 0.1};
    static final String[] DEVICES = {"mobile", "desktop"};

    @Test
    void twoProportionZTestMatchesTheTextbookValue() {
        // 40 of 100 against 50 of 100: pooled 0.45, se = sqrt(0.45 * 0.55 * 0.02) = 0.070356,
        // z = 0.1 / se = 1.42134, one-sided P(Z >= z) = 0.077609 (standard normal table: 0.0776).
        assertThat(SegmentDecay.higherRate(40, 100, 50, 100)).isCloseTo(0.077609, offset(1e-5));
        // A fall is not a rise: the one-sided p-value is the other tail.
        assertThat(SegmentDecay.higherRate(50, 100, 40, 100)).isCloseTo(1 - 0.077609, offset(1e-5));
    }

    @Test
    void smallExpectedCountsUseFishersExactTest() {
        // Fisher's lady tasting tea: 3 of 4 right against 1 of 4; expected counts are 2 (< 5), so
        // the exact one-sided p-value, P(X >= 3) = (16 + 1) / 70 = 0.242857 (Fisher 1935).
        assertThat(SegmentDecay.higherRate(1, 4, 3, 4)).isCloseTo(17.0 / 70, offset(1e-9));
    }

    @Test
    void welchZTestOnMeans() {
        // means 1.0 and 1.3, variances 0.25 and 0.36, 100 each: se = sqrt(0.0061) = 0.078102,
        // z = 3.8411, P(Z >= z) = 6.124e-5.
        assertThat(SegmentDecay.higherMean(1.0, 0.25, 100, 1.3, 0.36, 100)).isCloseTo(6.124e-5, offset(2e-7));
    }

    @Test
    void theSegmentWhoseLabelsFlippedExplainsMostAndComesFirst() {
        Sample reference = sample(2000, 1, null);
        Sample window = sample(1000, 2, "north_america");
        List<Finding> named = SegmentDecay.explain(window.segments, reference.segments, window.total,
                reference.total, names());
        assertThat(named).isNotEmpty();
        Finding first = named.get(0);
        assertThat(first.segment().name()).isEqualTo("region=north_america");
        assertThat(first.baseline()).isEqualTo(SegmentDecay.BASELINE_REFERENCE);
        int na = SegmentCodes.of("region", "north_america");
        SegmentCounts.Counts before = reference.segments.get(na);
        SegmentCounts.Counts after = window.segments.get(na);
        assertThat(first.before()).isEqualTo((double) before.errors / before.classified).isLessThan(0.25);
        assertThat(first.after()).isEqualTo((double) after.errors / after.classified).isGreaterThan(0.75);
        assertThat(first.share()).isCloseTo(0.2, offset(0.04));
        assertThat(first.pValue()).isLessThan(1e-10);
        // Devices carry north_america's errors in proportion (both got worse), but each explains less.
        for (Finding f : named.subList(1, named.size())) {
            assertThat(f.segment().feature()).isEqualTo("device");
            assertThat(f.contribution()).isLessThan(first.contribution());
        }
        assertThat(named).extracting(f -> f.segment().name())
                .doesNotContain("region=europe", "region=asia", "region=latam", "region=africa");
    }

    @Test
    void anUnchangedModelNamesNoSegment() {
        // Twenty windows of the same model: no segment is named in any of them.
        Sample reference = sample(2000, 3, null);
        for (int seed = 10; seed < 30; seed++) {
            Sample window = sample(1000, seed, null);
            assertThat(SegmentDecay.explain(window.segments, reference.segments, window.total, reference.total,
                    names())).as("window %d", seed).isEmpty();
        }
    }

    @Test
    void aSmallSegmentIsNotTestedEvenWhenAllItsLabelsAreWrong() {
        SegmentCounts window = new SegmentCounts();
        PerformanceAccumulator total = new PerformanceAccumulator();
        for (int i = 0; i < 400; i++) {
            boolean tiny = i < SegmentDecay.MIN_SEGMENT_LABELS - 1;
            LabelOutcome o = outcome(tiny ? "africa" : "europe", "mobile", tiny || i % 7 == 0);
            window.add(o, h -> true);
            total.add(o);
        }
        assertThat(SegmentDecay.explain(window, new SegmentCounts(), total, total, names()))
                .extracting(f -> f.segment().name()).doesNotContain("region=africa");
    }

    @Test
    void aSegmentWithoutReferenceIsComparedWithTheRestOfTheWindow() {
        SegmentCounts window = new SegmentCounts();
        PerformanceAccumulator total = new PerformanceAccumulator();
        for (int i = 0; i < 1000; i++) {
            boolean latam = i % 5 == 0;
            LabelOutcome o = outcome(latam ? "latam" : "europe", "mobile", latam ? i % 10 != 5 : i % 10 == 1);
            window.add(o, h -> true);
            total.add(o);
        }
        List<Finding> named = SegmentDecay.explain(window, new SegmentCounts(), total, total, names());
        assertThat(named.get(0).segment().name()).isEqualTo("region=latam");
        assertThat(named.get(0).baseline()).isEqualTo(SegmentDecay.BASELINE_REST);
    }

    @Test
    void aRegressionSegmentWhoseErrorGrewIsNamedByItsMae() {
        Random random = new Random(5);
        SegmentCounts reference = new SegmentCounts();
        PerformanceAccumulator referenceTotal = new PerformanceAccumulator();
        SegmentCounts window = new SegmentCounts();
        PerformanceAccumulator windowTotal = new PerformanceAccumulator();
        for (int i = 0; i < 3000; i++) {
            boolean inWindow = i >= 1000;
            String region = region(random.nextDouble());
            double label = random.nextGaussian() * 10;
            // Errors of sd 1 everywhere; in the window, sd 4 in asia (a quarter of the traffic).
            double sd = inWindow && region.equals("asia") ? 4 : 1;
            double prediction = label + random.nextGaussian() * sd;
            long code = SegmentCodes.of("region", region);
            LabelOutcome o = new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 0, 0, ValueKind.NUMERIC, prediction,
                    null, ValueKind.NUMERIC, label, null, code);
            (inWindow ? window : reference).add(o, h -> true);
            (inWindow ? windowTotal : referenceTotal).add(o);
        }
        List<Finding> named = SegmentDecay.explain(window, reference, windowTotal, referenceTotal, names());
        assertThat(named).extracting(f -> f.segment().name()).containsExactly("region=asia");
        Finding asia = named.get(0);
        assertThat(asia.metric()).isEqualTo(SegmentDecay.MAE);
        // E|N(0, sd)| = sd sqrt(2 / pi): 0.80 before, 3.19 after.
        assertThat(asia.before()).isCloseTo(0.80, offset(0.1));
        assertThat(asia.after()).isCloseTo(3.19, offset(0.35));
        assertThat(asia.contribution()).isCloseTo(asia.share() * (asia.after() - asia.before())
                / referenceTotal.absoluteError().mean(), offset(1e-12));
    }

    @Test
    void countsSurviveTheirBytes() {
        Sample s = sample(500, 4, "asia");
        SegmentCounts back = SegmentCounts.fromBytes(s.segments.toBytes());
        assertThat(back.segments().keySet()).isEqualTo(s.segments.segments().keySet());
        for (var e : s.segments.segments().entrySet()) {
            assertThat(back.get(e.getKey()).classified).isEqualTo(e.getValue().classified);
            assertThat(back.get(e.getKey()).errors).isEqualTo(e.getValue().errors);
        }
    }

    record Sample(SegmentCounts segments, PerformanceAccumulator total) {}

    /** A classifier with 15% errors everywhere, except all but 15% wrong in {@code flipped}. */
    static Sample sample(int n, long seed, String flipped) {
        Random random = new Random(seed);
        SegmentCounts segments = new SegmentCounts();
        PerformanceAccumulator total = new PerformanceAccumulator();
        for (int i = 0; i < n; i++) {
            String region = region(random.nextDouble());
            String device = DEVICES[random.nextInt(2)];
            boolean wrong = random.nextDouble() < 0.15;
            if (region.equals(flipped)) {
                wrong = !wrong;
            }
            LabelOutcome o = outcome(region, device, wrong);
            segments.add(o, h -> true);
            total.add(o);
        }
        return new Sample(segments, total);
    }

    static String region(double u) {
        double c = 0;
        for (int i = 0; i < REGIONS.length; i++) {
            c += REGION_SHARES[i];
            if (u < c) {
                return REGIONS[i];
            }
        }
        return REGIONS[REGIONS.length - 1];
    }

    static LabelOutcome outcome(String region, String device, boolean wrong) {
        long code = SegmentCodes.of("region", region) | ((long) SegmentCodes.of("device", device) << 16);
        return new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 0, 0, ValueKind.CATEGORICAL, 0, "yes",
                ValueKind.CATEGORICAL, 0, wrong ? "no" : "yes", code);
    }

    static Map<Integer, Segment> names() {
        Map<Integer, Segment> names = new HashMap<>();
        for (String r : REGIONS) {
            names.put(SegmentCodes.of("region", r), new Segment("region", r));
        }
        for (String d : DEVICES) {
            names.put(SegmentCodes.of("device", d), new Segment("device", d));
        }
        return names;
    }
}
