package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BenjaminiHochbergTest {
    /** The 15 p-values of Benjamini and Hochberg's (1995) example, section 3.2. */
    static final double[] PAPER = {0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
        0.4262, 0.5719, 0.6528, 0.7590, 1.0000};

    @Test
    void thePapersExampleRejectsFourAtFivePercent() {
        // p_(4) = 0.0095 <= 4 * 0.05 / 15 = 0.0133, while p_(5) = 0.0201 > 0.0167 and no later
        // p_(k) is under k * 0.05 / 15, so k = 4 (Bonferroni, 0.05 / 15 = 0.0033, rejects 3).
        boolean[] rejected = BenjaminiHochberg.reject(PAPER, 0.05);
        int count = 0;
        for (int i = 0; i < rejected.length; i++) {
            if (rejected[i]) {
                assertThat(i).isLessThan(4);
                count++;
            }
        }
        assertThat(count).isEqualTo(4);
    }

    @Test
    void adjustedValuesAreMonotoneStepUpMinimaInTheInputOrder() {
        double[] p = {0.04, 0.01, 0.03};
        // Sorted 0.01, 0.03, 0.04 with m = 3: 0.03, 0.045, 0.04, then running minima from the top:
        // 0.04 -> 0.04, 0.045 -> 0.04, 0.03 -> 0.03.
        double[] adj = BenjaminiHochberg.adjust(p);
        assertThat(adj[0]).isCloseTo(0.04, within(1e-15));
        assertThat(adj[1]).isCloseTo(0.03, within(1e-15));
        assertThat(adj[2]).isCloseTo(0.04, within(1e-15));
        assertThat(BenjaminiHochberg.adjust(new double[0])).isEmpty();
        assertThat(BenjaminiHochberg.adjust(new double[] {0.9, 0.8})).containsExactly(0.9, 0.9);
    }
}
