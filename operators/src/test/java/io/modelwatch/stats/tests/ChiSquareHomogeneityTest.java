package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ChiSquareHomogeneityTest {
    @Test
    void twoByThreeTableByHand() {
        // Rows 60 and 50, columns 30, 40, 40, N = 110. Expected: row 1 16.364, 21.818, 21.818;
        // row 2 13.636, 18.182, 18.182. X2 = 2.4747 + 0.1515 + 3.0682 + 2.9697 + 0.1818 + 3.6818
        // = 12.5278 with 2 degrees of freedom, whose survival function is exp(-x/2).
        ChiSquareHomogeneity.Result r = ChiSquareHomogeneity.test(new double[] {10, 20, 30}, new double[] {20, 20, 10});
        assertThat(r.statistic()).isCloseTo(12.5278, within(1e-4));
        assertThat(r.degreesOfFreedom()).isEqualTo(2);
        assertThat(r.pValue()).isCloseTo(Math.exp(-r.statistic() / 2), within(1e-15));
    }

    @Test
    void equalProportionsGiveZeroWhateverTheSampleSizes() {
        ChiSquareHomogeneity.Result r = ChiSquareHomogeneity.test(new double[] {500, 300, 200}, new double[] {50, 30, 20});
        assertThat(r.statistic()).isCloseTo(0, within(1e-12));
        assertThat(r.pValue()).isCloseTo(1, within(1e-12));
    }

    @Test
    void sparseBinsArePooledAndEmptyOnesIgnored() {
        // The smaller sample is 1/11 of the total, so bins 3 and 4 expect 5/11 and 11/11 values
        // in it: below 5, they are pooled into one (Cochran); the empty bin does not count.
        // Bins left: 2 big + 1 pooled = 3, df = 2.
        ChiSquareHomogeneity.Result r = ChiSquareHomogeneity.test(
                new double[] {4500, 4400, 5, 10, 0}, new double[] {450, 440, 0, 1, 0});
        assertThat(r.degreesOfFreedom()).isEqualTo(2);
        assertThat(r.pValue()).isGreaterThan(0.5);
        // A category new in the window (0 in the reference) is tested, not pooled away.
        ChiSquareHomogeneity.Result fresh = ChiSquareHomogeneity.test(
                new double[] {5000, 5000, 0}, new double[] {450, 450, 100});
        assertThat(fresh.degreesOfFreedom()).isEqualTo(2);
        assertThat(fresh.pValue()).isLessThan(1e-100);
        // Nothing left to compare.
        assertThat(ChiSquareHomogeneity.test(new double[] {10, 0}, new double[] {3, 0}).pValue()).isEqualTo(1);
    }
}
