package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PoissonTailTest {
    @Test
    void smallExpectedCountsGetExactTails() {
        // P(X >= 4 | 0.4) = 1 - e^-0.4 (1 + 0.4 + 0.08 + 0.0106667) = 1 - 0.6703200 * 1.4906667 = 7.76251e-4
        assertThat(PoissonTail.atLeast(4, 0.4)).isCloseTo(7.76251e-4, within(1e-9));
        // P(X >= 1 | lambda) = 1 - e^-lambda
        assertThat(PoissonTail.atLeast(1, 2.0)).isCloseTo(1 - Math.exp(-2.0), within(1e-12));
    }

    @Test
    void largeCountsUseTheContinuedFraction() {
        // P(X >= 20 | 10) = 1 - P(X <= 19 | 10) = 1 - 0.996546 = 0.003454 (tables of the Poisson CDF).
        assertThat(PoissonTail.atLeast(20, 10.0)).isCloseTo(0.0034543, within(1e-6));
        // A sum from the definition agrees far in the tail.
        double lambda = 50;
        double cdf = 0;
        double term = Math.exp(-lambda);
        for (int j = 0; j < 80; j++) {
            cdf += term;
            term *= lambda / (j + 1);
        }
        assertThat(PoissonTail.atLeast(80, lambda)).isCloseTo(1 - cdf, within(1e-12));
    }

    @Test
    void edgeCases() {
        assertThat(PoissonTail.atLeast(0, 3)).isEqualTo(1.0);
        assertThat(PoissonTail.atLeast(5, 0)).isEqualTo(0.0);
        assertThat(PoissonTail.logGamma(5)).isCloseTo(Math.log(24), within(1e-12));
        assertThat(PoissonTail.atLeast(1000, 10)).isGreaterThanOrEqualTo(0).isLessThan(1e-300 + 1e-200);
    }
}
