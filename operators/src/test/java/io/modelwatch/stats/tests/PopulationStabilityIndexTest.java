package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PopulationStabilityIndexTest {

    @Test
    void unsmoothedThreeBinExample() {
        // e = [25, 25, 50] / 100 = [0.25, 0.25, 0.50]
        // a = [50, 25, 25] / 100 = [0.50, 0.25, 0.25]
        // PSI = (0.50 - 0.25) ln(0.50 / 0.25) + 0 + (0.25 - 0.50) ln(0.25 / 0.50)
        //     = 0.25 ln 2 + 0.25 ln 2 = 0.5 ln 2 = 0.34657359027997264
        double psi = PopulationStabilityIndex.of(c(25, 25, 50), c(50, 25, 25), 0);
        assertThat(psi).isCloseTo(0.5 * Math.log(2), within(1e-15));
        assertThat(psi).isCloseTo(0.34657359027997264, within(1e-15));
    }

    @Test
    void smoothedFourBinExampleWithAnEmptyBin() {
        // Ten events move from bin 0 to bin 1, leaving bin 0 empty. Both samples hold 98 counts;
        // with alpha = 0.5 over 4 bins the denominator is 98 + 2 = 100:
        //   e = [10.5, 20.5, 30.5, 38.5] / 100 = [0.105, 0.205, 0.305, 0.385]
        //   a = [ 0.5, 30.5, 30.5, 38.5] / 100 = [0.005, 0.305, 0.305, 0.385]
        // PSI = (0.005 - 0.105) ln(0.005 / 0.105) + (0.305 - 0.205) ln(0.305 / 0.205) + 0 + 0
        //     = 0.1 ln 21 + 0.1 ln(61 / 41)
        //     = 0.1 * 3.0445224377 + 0.1 * 0.3973017975 = 0.3441824235
        double psi = PopulationStabilityIndex.of(
                c(10, 20, 30, 38), c(0, 30, 30, 38),
                PopulationStabilityIndex.DEFAULT_SMOOTHING);
        assertThat(psi).isCloseTo(0.1 * Math.log(21) + 0.1 * Math.log(61.0 / 41.0), within(1e-12));
        assertThat(psi).isCloseTo(0.3441824235, within(1e-10));
        // The two-argument form uses the default smoothing.
        assertThat(PopulationStabilityIndex.of(c(10, 20, 30, 38), c(0, 30, 30, 38)))
                .isEqualTo(psi);
    }

    @Test
    void identicalProportionsGiveZero() {
        double[] counts = {5, 0, 7, 120};
        assertThat(PopulationStabilityIndex.of(counts, counts.clone())).isZero();
        // Unsmoothed, only the proportions matter, not the sample sizes.
        assertThat(PopulationStabilityIndex.of(c(1, 2, 3), c(10, 20, 30), 0))
                .isZero();
        // A single bin always holds everything.
        assertThat(PopulationStabilityIndex.of(c(3), c(700))).isZero();
    }

    @Test
    void emptyBinsStayFinite() {
        double[] expected = {100, 0, 100};
        double[] actual = {0, 100, 100};
        // n = 200, denominator 200 + 3 * 0.5 = 201.5
        //   e = [100.5, 0.5, 100.5] / 201.5,  a = [0.5, 100.5, 100.5] / 201.5
        // The first two terms are equal, each (100 / 201.5) ln(100.5 / 0.5) = (100 / 201.5) ln 201,
        // the third is 0: PSI = (200 / 201.5) ln 201 = 5.263826211473028
        double psi = PopulationStabilityIndex.of(expected, actual);
        assertThat(psi).isFinite().isCloseTo(200 / 201.5 * Math.log(201), within(1e-12));
        // Without smoothing the same data is infinitely unstable; bins empty on both sides are 0.
        assertThat(PopulationStabilityIndex.of(expected, actual, 0)).isInfinite();
        assertThat(PopulationStabilityIndex.of(c(0, 4), c(0, 9), 0)).isZero();
    }

    @Test
    void symmetricAndNonNegative() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int bins = 1 + random.nextInt(12);
            double[] e = new double[bins];
            double[] a = new double[bins];
            for (int i = 0; i < bins; i++) {
                e[i] = random.nextInt(4) == 0 ? 0 : random.nextInt(1000);
                a[i] = random.nextInt(4) == 0 ? 0 : random.nextInt(1000);
            }
            double forward = PopulationStabilityIndex.of(e, a);
            assertThat(forward).isGreaterThanOrEqualTo(0).isFinite();
            assertThat(PopulationStabilityIndex.of(a, e)).isEqualTo(forward);
        }
    }

    @Test
    void smoothedProportions() {
        // (c + 0.5) / (4 + 3 * 0.5): [0.5, 1.5, 3.5] / 5.5
        double[] p = PopulationStabilityIndex.smoothedProportions(c(0, 1, 3), 0.5);
        assertThat(p).containsExactly(c(0.5 / 5.5, 1.5 / 5.5, 3.5 / 5.5), within(1e-15));
        // All-empty counts become uniform rather than 0/0.
        assertThat(PopulationStabilityIndex.smoothedProportions(c(0, 0), 0.5))
                .containsExactly(0.5, 0.5);
        assertThat(PopulationStabilityIndex.smoothedProportions(c(1, 3), 0))
                .containsExactly(0.25, 0.75);
    }

    @Test
    void rejectsInvalidInput() {
        assertThatThrownBy(() -> PopulationStabilityIndex.of(c(1, 2), c(1, 2, 3), 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PopulationStabilityIndex.of(new double[0], new double[0], 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PopulationStabilityIndex.of(c(1, -1), c(1, 1), 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PopulationStabilityIndex.of(c(1, Double.NaN), c(1, 1), 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PopulationStabilityIndex.smoothedProportions(c(1), -0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PopulationStabilityIndex.smoothedProportions(c(0, 0), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static double[] c(double... counts) {
        return counts;
    }
}
