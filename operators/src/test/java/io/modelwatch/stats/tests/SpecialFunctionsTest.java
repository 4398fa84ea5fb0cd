package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SpecialFunctionsTest {
    @Test
    void logGammaAtKnownPoints() {
        assertThat(SpecialFunctions.logGamma(1)).isCloseTo(0, within(1e-14));
        assertThat(SpecialFunctions.logGamma(2)).isCloseTo(0, within(1e-14));
        // Gamma(1/2) = sqrt(pi)
        assertThat(SpecialFunctions.logGamma(0.5)).isCloseTo(0.5 * Math.log(Math.PI), within(1e-14));
        // Gamma(10) = 9! = 362880
        assertThat(SpecialFunctions.logGamma(10)).isCloseTo(Math.log(362880), within(1e-12));
        // Gamma(0.1) = 9.513507698668731836 (Abramowitz & Stegun 6.1)
        assertThat(SpecialFunctions.logGamma(0.1)).isCloseTo(Math.log(9.513507698668732), within(1e-12));
    }

    @Test
    void chiSquareSurvivalMatchesTables() {
        // Upper 5% points of chi-square (Abramowitz & Stegun table 26.8).
        assertThat(SpecialFunctions.chiSquareSurvival(3.841458820694124, 1)).isCloseTo(0.05, within(1e-10));
        assertThat(SpecialFunctions.chiSquareSurvival(18.307038053275146, 10)).isCloseTo(0.05, within(1e-10));
        assertThat(SpecialFunctions.chiSquareSurvival(31.410432844230925, 20)).isCloseTo(0.05, within(1e-10));
        // Upper 0.1% point with 1 degree of freedom.
        assertThat(SpecialFunctions.chiSquareSurvival(10.827566170662733, 1)).isCloseTo(0.001, within(1e-12));
        // With 2 degrees of freedom chi-square is exponential with mean 2: P(X > x) = exp(-x/2).
        for (double x : new double[] {0.1, 1, 5, 30, 200}) {
            assertThat(SpecialFunctions.chiSquareSurvival(x, 2)).isCloseTo(Math.exp(-x / 2), within(1e-15));
        }
        assertThat(SpecialFunctions.chiSquareSurvival(0, 3)).isEqualTo(1);
        assertThat(SpecialFunctions.chiSquareSurvival(1e6, 3)).isEqualTo(0);
    }

    @Test
    void kolmogorovDistributionMatchesTables() {
        // K(1) = P(sup|B| <= 1) = 0.730000328 (Smirnov's table).
        assertThat(SpecialFunctions.kolmogorovSurvival(1.0)).isCloseTo(1 - 0.7300003283, within(1e-9));
        // At lambda = c(alpha) = sqrt(-ln(alpha/2)/2), exp(-2 lambda^2) = alpha/2 =: a, so the series
        // is Q = 2 (a - a^4 + a^9 - ...): the customary critical values 1.358 (5%), 1.628 (1%)
        // and 1.949 (0.1%) are its first term.
        for (double alpha : new double[] {0.05, 0.01, 0.001}) {
            double a = alpha / 2;
            double lambda = Math.sqrt(-Math.log(a) / 2);
            assertThat(SpecialFunctions.kolmogorovSurvival(lambda))
                    .isCloseTo(2 * (a - Math.pow(a, 4) + Math.pow(a, 9)), within(1e-15));
        }
        // The two series agree where they are switched.
        double below = SpecialFunctions.kolmogorovSurvival(Math.nextDown(1.18));
        double above = SpecialFunctions.kolmogorovSurvival(1.18);
        assertThat(below).isCloseTo(above, within(1e-12));
        assertThat(SpecialFunctions.kolmogorovSurvival(0)).isEqualTo(1);
        assertThat(SpecialFunctions.kolmogorovSurvival(0.2)).isCloseTo(1, within(1e-12));
    }
}
