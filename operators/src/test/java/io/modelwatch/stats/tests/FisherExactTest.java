package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Percentage.withPercentage;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reference values are the hypergeometric tails summed exactly with integer binomial
 * coefficients (Python's math.comb and fractions), e.g.
 * {@code sum(comb(K,x)*comb(N-K,n2-x) for x in range(k2, hi+1)) / comb(N, n2)}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FisherExactTest {

    @Test
    void smallTableMatchesTheExactTails() {
        assertThat(FisherExact.greater(3, 10, 8, 12)).isCloseTo(0.0991902834008097, withPercentage(1e-7));
        assertThat(FisherExact.less(3, 10, 8, 12)).isCloseTo(0.98501343857381, withPercentage(1e-7));
        assertThat(FisherExact.twoSided(3, 10, 8, 12)).isCloseTo(2 * 0.0991902834008097, withPercentage(1e-7));
    }

    @Test
    void aBinaryFeatureFrom30To36PercentIsClearAtTheseSampleSizes() {
        // The example: n = 5,000 at 30% ones, m = 1,000 at 36%.
        assertThat(FisherExact.greater(1500, 5000, 360, 1000)).isCloseTo(1.20613982691705e-4, withPercentage(1e-5));
        assertThat(FisherExact.less(1500, 5000, 360, 1000)).isCloseTo(0.999909725604995, withPercentage(1e-8));
    }

    @Test
    void highBaseRatesAndFarTails() {
        assertThat(FisherExact.greater(3000, 5000, 700, 1000)).isCloseTo(1.11815231677874e-9, withPercentage(1e-5));
        assertThat(FisherExact.greater(4500, 5000, 950, 1000)).isCloseTo(6.76665498968152e-8, withPercentage(1e-5));
        assertThat(FisherExact.less(108, 180, 400, 1000)).isCloseTo(5.18539609855454e-7, withPercentage(1e-5));
        assertThat(FisherExact.greater(2, 180, 300, 1000)).isCloseTo(1.14177521561775e-22, withPercentage(1e-5));
    }

    @Test
    void aRareFlagWithinItsNoiseIsNotSignificant() {
        assertThat(FisherExact.greater(2, 180, 10, 1000)).isCloseTo(0.727521766418235, withPercentage(1e-7));
        assertThat(FisherExact.less(2, 180, 10, 1000)).isCloseTo(0.567497443373415, withPercentage(1e-7));
    }

    @Test
    void degenerateTablesAndBadCounts() {
        assertThat(FisherExact.greater(0, 100, 0, 100)).isEqualTo(1);
        assertThat(FisherExact.less(100, 100, 100, 100)).isEqualTo(1);
        assertThat(FisherExact.twoSided(0, 5000, 1000, 1000)).isLessThan(1e-300);
        assertThatThrownBy(() -> FisherExact.greater(5, 4, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMillionEventWindowIsCheap() {
        long start = System.nanoTime();
        double p = FisherExact.greater(3000, 5000, 601_000, 1_000_000);
        assertThat(p).isBetween(0.0, 1.0);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
    }
}
