package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WassersteinTest {
    @Test
    void exactForValuesOnTheEdges() {
        // Atoms at 0, 1, 2 with masses 0.5/0.3/0.2 against 0.3/0.3/0.4. The CDFs differ by 0.2 on
        // [0, 1) (0.5 vs 0.3) and by 0.2 on [1, 2) (0.8 vs 0.6): W1 = 0.2 + 0.2 = 0.4.
        double[] edges = {0, 1, 2};
        double[] a = {0, 50, 30, 20};
        double[] b = {0, 3, 3, 4};
        assertThat(Wasserstein.ofBins(edges, a, b)).isCloseTo(0.4, within(1e-12));
        assertThat(Wasserstein.ofBins(edges, a, a)).isZero();
        assertThat(Wasserstein.ofBins(edges, a, new double[4])).isZero();
    }

    @Test
    void aShiftedUniformOnAFineGrid() {
        // U(0, 1) against U(0.1, 1.1), counted on the 100 bins cut at 0.01, ..., 0.99. The trimmed
        // W1 is integral_0.01^0.99 |F_a - F_b| = integral_0.01^0.1 x dx + 0.1 * (0.99 - 0.1)
        // = 0.00495 + 0.089 = 0.09395. The grid sum takes P(X < right edge) on each interval:
        // 0.01 * (sum_{k=1..9} (k+1)/100 + 89 * 0.1) = 0.01 * (0.54 + 8.9) = 0.0944.
        int g = 100;
        double[] edges = Wasserstein.gridRanks(g);
        double[] a = new double[g];
        double[] b = new double[g];
        for (int i = 0; i < g; i++) {
            a[i] = 1;
            b[i] = i < 10 ? 0 : 1;
        }
        b[g - 1] += 10; // U(0.1, 1.1) puts 11% at or above the last edge 0.99
        assertThat(Wasserstein.ofBins(edges, a, b)).isCloseTo(0.0944, within(1e-12)).isCloseTo(0.09395, within(6e-4));
        assertThat(edges).hasSize(99).startsWith(0.01).endsWith(0.99);
    }
}
