package io.modelwatch.stats.tests;

import io.modelwatch.stats.sketches.ReproducibleKll;
import io.modelwatch.stats.sketches.QuantileBins;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

class KolmogorovSmirnovTest {
    @Test
    void distanceIsTheLargestGapOfTheCumulativeProportions() {
        // Cumulative A at the 3 interior edges: 0.1, 0.4, 0.8; B: 0.25, 0.5, 0.75.
        double[] a = {1, 3, 4, 2};
        double[] b = {25, 25, 25, 25};
        assertThat(KolmogorovSmirnov.distance(a, b)).isCloseTo(0.15, within(1e-12));
        assertThat(KolmogorovSmirnov.distance(a, a)).isZero();
        assertThat(KolmogorovSmirnov.distance(new double[] {0, 0}, new double[] {1, 1})).isZero();
    }

    @Test
    void pValueAndCriticalValueAgree() {
        // c(0.05) = sqrt(-ln(0.025)/2) = 1.3581; with n = 5000 and m = 1000,
        // sqrt((n+m)/(n m)) = sqrt(0.0012) = 0.034641, so the textbook critical distance is 0.047046;
        // Stephens' correction (sqrt(ne) + 0.12 + 0.11/sqrt(ne) instead of sqrt(ne), ne = 833.3)
        // lowers it by 0.4%.
        double crit = KolmogorovSmirnov.criticalValue(0.05, 5000, 1000, 0);
        assertThat(crit).isCloseTo(1.3581 * Math.sqrt(0.0012), within(3e-4)).isLessThan(1.3581 * Math.sqrt(0.0012));
        // Exactly the distance whose p-value is the level.
        assertThat(KolmogorovSmirnov.pValue(crit, 5000, 1000, 0)).isCloseTo(0.05, within(1e-12));
        assertThat(KolmogorovSmirnov.pValue(crit * 1.01, 5000, 1000, 0)).isLessThan(0.05);
        // The rank error adds to the critical value and is taken off the distance.
        assertThat(KolmogorovSmirnov.criticalValue(0.05, 5000, 1000, 0.01)).isCloseTo(crit + 0.01, within(1e-12));
        assertThat(KolmogorovSmirnov.pValue(crit + 0.01, 5000, 1000, 0.01))
                .isCloseTo(KolmogorovSmirnov.pValue(crit, 5000, 1000, 0), within(1e-15));
        assertThat(KolmogorovSmirnov.pValue(0.005, 5000, 1000, 0.01)).isEqualTo(1);
    }

    @Test
    void onAReferenceGridTheTestHoldsItsLevelAndFindsAThirdOfASigma() {
        SplittableRandom r = new SplittableRandom(11);
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
        int n = 5000;
        for (int i = 0; i < n; i++) {
            ReproducibleKll.update(sketch, r.nextGaussian());
        }
        QuantileBins grid = QuantileBins.fromSketch(sketch, 50);
        double eps = sketch.getNormalizedRankError(false);
        double[] ref = grid.referenceCounts();
        int runs = 400;
        int falseRejections = 0;
        int detections = 0;
        for (int run = 0; run < runs; run++) {
            double[] same = new double[grid.binCount()];
            double[] shifted = new double[grid.binCount()];
            for (int i = 0; i < 1000; i++) {
                double x = r.nextGaussian();
                same[grid.binOf(x)]++;
                shifted[grid.binOf(x + 0.3)]++;
            }
            if (KolmogorovSmirnov.pValue(KolmogorovSmirnov.distance(ref, same), n, 1000, eps) < 0.05) {
                falseRejections++;
            }
            if (KolmogorovSmirnov.pValue(KolmogorovSmirnov.distance(ref, shifted), n, 1000, eps) < 0.001) {
                detections++;
            }
        }
        // Nominal 5%; the grid and the rank-error allowance make it conservative, and the test
        // must not be anti-conservative beyond binomial noise (sd 1.1% over 400 runs).
        assertThat(falseRejections).isLessThanOrEqualTo(runs * 8 / 100);
        // A 0.3 sd shift moves the CDF by 0.12, far past the 0.1% critical distance (~0.08).
        assertThat(detections).isGreaterThanOrEqualTo(runs * 95 / 100);
    }
}
