package io.modelwatch.stats.sketches;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.FeatureReference;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The same values in the same order give the same sketch, in any thread, every time. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReproducibleKllTest {
    private static final double[] RANKS = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

    /** Values with ties, a heavy tail and an atom: every compaction path is taken many times. */
    private static double[] values(long seed, int n) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(10) == 0 ? 0 : Math.exp(r.nextGaussian()) + Math.floor(r.nextDouble() * 3);
        }
        return v;
    }

    /** Two halves fed in order, then merged: updates and merges both compact. */
    private static KllDoublesSketch build(double[] v) {
        KllDoublesSketch left = KllDoublesSketch.newHeapInstance(200);
        KllDoublesSketch right = KllDoublesSketch.newHeapInstance(100);
        for (int i = 0; i < v.length; i++) {
            ReproducibleKll.update(i % 3 == 0 ? right : left, v[i]);
        }
        ReproducibleKll.merge(left, right);
        return left;
    }

    @Test
    void anUpdateSeedsTheCoinsExactlyWhenItCompacts() {
        int updates = 0;
        int compactions = 0;
        for (int k : new int[] {8, 100, 200}) {
            KllDoublesSketch s = KllDoublesSketch.newHeapInstance(k);
            for (double x : values(k, 50_000)) {
                boolean predicted = ReproducibleKll.compactsFirst(s);
                int before = s.getNumRetained();
                ReproducibleKll.update(s, x);
                boolean compacted = s.getNumRetained() != before + 1;
                assertThat(predicted).as("update %d of k=%d", updates, k).isEqualTo(compacted);
                updates++;
                compactions += compacted ? 1 : 0;
            }
        }
        // Most updates do not compact (and then leave the thread's coins alone).
        assertThat(compactions).isPositive().isLessThan(updates / 4);
    }

    @Test
    void seedingOnlyTheUpdatesThatCompactBuildsTheSketchSeedingEveryUpdateBuilt() {
        for (int k : new int[] {8, 100, 200}) {
            double[] v = values(31 + k, 40_000);
            KllDoublesSketch lazily = KllDoublesSketch.newHeapInstance(k);
            KllDoublesSketch always = KllDoublesSketch.newHeapInstance(k);
            for (double x : v) {
                ReproducibleKll.update(lazily, x);
                ReproducibleKll.seed(ReproducibleKll.mix(always.getN() * ReproducibleKll.GOLDEN_GAMMA
                        ^ Double.doubleToLongBits(x)));
                always.update(x);
            }
            assertThat(lazily.isEstimationMode()).isTrue();
            assertThat(lazily.toByteArray()).as("k=%d", k).isEqualTo(always.toByteArray());
        }
    }

    @Test
    void twoThreadsFeedingTheSameValuesBuildByteIdenticalSketches() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 40; round++) {
                double[] v = values(round, 20_000 + round * 997);
                Callable<KllDoublesSketch> task = () -> build(v);
                List<Future<KllDoublesSketch>> both = new ArrayList<>();
                both.add(pool.submit(task));
                both.add(pool.submit(task));
                KllDoublesSketch a = both.get(0).get();
                KllDoublesSketch b = both.get(1).get();
                assertThat(a.isEstimationMode()).as("the sketch compacted").isTrue();
                assertThat(a.toByteArray()).as("round %d", round).isEqualTo(b.toByteArray());
                assertThat(a.getQuantiles(RANKS, QuantileSearchCriteria.INCLUSIVE))
                        .isEqualTo(b.getQuantiles(RANKS, QuantileSearchCriteria.INCLUSIVE));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSketchDoesNotDependOnWhatOtherSketchesDidInTheSameThread() {
        double[] v = values(7, 30_000);
        KllDoublesSketch alone = build(v);
        // Another sketch compacting in between every update of the same history.
        KllDoublesSketch other = KllDoublesSketch.newHeapInstance(8);
        KllDoublesSketch interleaved = KllDoublesSketch.newHeapInstance(200);
        KllDoublesSketch right = KllDoublesSketch.newHeapInstance(100);
        for (int i = 0; i < v.length; i++) {
            ReproducibleKll.update(other, -v[i]);
            ReproducibleKll.update(i % 3 == 0 ? right : interleaved, v[i]);
        }
        ReproducibleKll.merge(interleaved, right);
        assertThat(interleaved.toByteArray()).isEqualTo(alone.toByteArray());
    }

    @Test
    void theCoinsAreFairAndTheRankErrorHolds() {
        // The seeded flips must not bias KLL: the rank error stays within its 99% bound.
        double eps = KllDoublesSketch.getNormalizedRankError(200, false);
        int n = 200_000;
        for (long seed = 1; seed <= 5; seed++) {
            KllDoublesSketch s = KllDoublesSketch.newHeapInstance(200);
            List<Double> shuffled = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                shuffled.add((double) i);
            }
            java.util.Collections.shuffle(shuffled, new Random(seed));
            for (double x : shuffled) {
                ReproducibleKll.update(s, x);
            }
            for (double rank : RANKS) {
                double q = s.getQuantile(rank, QuantileSearchCriteria.INCLUSIVE);
                assertThat(Math.abs((q + 1) / n - rank)).as("rank %s, seed %d", rank, seed).isLessThan(eps);
            }
        }
        assertThat(ReproducibleKll.flipsDrawn()).isPositive();
    }

    @Test
    void aReferenceGridLearnedTwiceIsTheSame() throws IOException {
        double[] v = values(11, 50_000);
        FeatureReference first = learn(v);
        FeatureReference second = learn(v);
        assertThat(first.grid()).isNotNull();
        assertThat(first.grid().edges()).isEqualTo(second.grid().edges());
        assertThat(first.grid().referenceProportions()).isEqualTo(second.grid().referenceProportions());
        assertThat(first.numericBins().edges()).isEqualTo(second.numericBins().edges());
        assertThat(bytes(first)).isEqualTo(bytes(second));
    }

    /** As the reference learner: partial profiles per batch, merged into the span's profile. */
    private static FeatureReference learn(double[] v) {
        FeatureProfile span = new FeatureProfile();
        for (int start = 0; start < v.length; start += 700) {
            FeatureProfile batch = new FeatureProfile();
            for (int i = start; i < Math.min(v.length, start + 700); i++) {
                batch.addNumeric(v[i], -1);
            }
            span.merge(batch);
        }
        return FeatureReference.freeze("x", span, v.length, 10, 10);
    }

    private static byte[] bytes(FeatureReference r) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        r.writeTo(new DataOutputStream(b));
        return b.toByteArray();
    }
}
