package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.data.Percentage.withPercentage;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AndersonDarlingTest {
    static final double EPS = 0.013;

    /**
     * scipy.stats.anderson_ksamp([x, y], variant='midrank').statistic (scipy 1.17.1), with x and y
     * the bin indices repeated by their counts: the standardised A2akN of Scholz and Stephens.
     */
    @Test
    void matchesScipyOnGroupedSamples() {
        assertStandardized(new double[] {12, 30, 41, 25, 9, 3}, new double[] {5, 14, 22, 20, 15, 9}, 9.069891012027329);
        assertStandardized(new double[] {100, 100, 100, 100, 100, 100, 100, 100, 100, 100},
                new double[] {80, 95, 100, 110, 105, 90, 100, 120, 100, 100}, -6.633011191634888e-05);
        assertStandardized(new double[] {3, 0, 7, 1, 9}, new double[] {0, 4, 4, 2, 5}, -0.6752290242574652);
    }

    private static void assertStandardized(double[] a, double[] b, double scipy) {
        double n1 = 0;
        double n2 = 0;
        for (int i = 0; i < a.length; i++) {
            n1 += a[i];
            n2 += b[i];
        }
        double a2 = AndersonDarling.statistic(a, b, 0);
        assertThat(AndersonDarling.standardized(a2, n1, n2)).isCloseTo(scipy, within(1e-9));
    }

    /**
     * The limit's upper tail against Anderson and Darling's (1954) critical values (10%: 1.933,
     * 5%: 2.492, 1%: 3.857) and, far out, against P(sum X_j / (j (j + 1)) > x) computed by
     * numerical inversion of its characteristic function (Imhof 1961; scipy.integrate.quad, 300
     * terms plus the remainder's first two cumulants).
     */
    @Test
    void limitTailMatchesKnownValues() {
        assertThat(AndersonDarling.limitSurvival(1.933)).isCloseTo(0.10, within(2e-4));
        assertThat(AndersonDarling.limitSurvival(2.492)).isCloseTo(0.05, within(2e-4));
        assertThat(AndersonDarling.limitSurvival(3.857)).isCloseTo(0.010241153230675148, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(5.0)).isCloseTo(0.0028744213048016998, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(6.0)).isCloseTo(0.0009674519415913685, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(8.0)).isCloseTo(0.00011381415573347153, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(10.0)).isCloseTo(1.3815035411146592e-05, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(12.0)).isCloseTo(1.710286998357624e-06, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(15.0)).isCloseTo(7.633222953717933e-08, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(20.0)).isCloseTo(4.465081082649647e-10, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(25.0)).isCloseTo(2.6948998588238737e-12, withPercentage(0.5));
        assertThat(AndersonDarling.limitSurvival(0)).isEqualTo(1);
    }

    @Test
    void criticalValueInvertsTheTail() {
        assertThat(AndersonDarling.criticalValue(0.01)).isCloseTo(3.88, within(0.01));
        double c = AndersonDarling.criticalValue(1e-6);
        assertThat(AndersonDarling.limitSurvival(c)).isCloseTo(1e-6, withPercentage(0.01));
    }

    /** The rank error shrinks every gap: a difference within it is no evidence at all. */
    @Test
    void gapsWithinTheRankErrorCountForNothing() {
        double[] ref = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
        double[] win = {102, 99, 101, 100, 98, 100, 101, 99, 100, 100};
        assertThat(AndersonDarling.statistic(ref, win, 0)).isPositive();
        assertThat(AndersonDarling.statistic(ref, win, 0.01)).isZero();
        assertThat(AndersonDarling.statistic(ref, new double[10], 0)).isZero();
    }

    /**
     * What it is for: a doubled variance (spread x1.41) of a normal feature, 1,000 window values
     * against 5,000 reference values on a 50-bin equal-mass grid. The largest CDF gap is only about
     * 0.085, so KS (on the same grid, at 1e-4, about what Benjamini-Hochberg at 0.001 asks of the
     * most significant of 8 tests; both with the job's KLL rank error 0.013) misses it often;
     * Anderson-Darling finds it nearly always, and on unchanged data rejects at about its level.
     */
    @Test
    void findsADoubledVarianceThatKolmogorovSmirnovOftenMisses() {
        SplittableRandom r = new SplittableRandom(7);
        int bins = 50;
        double[] edges = new double[bins - 1];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = inverseNormal((i + 1.0) / bins);
        }
        int adHits = 0;
        int ksHits = 0;
        int nullRejections = 0;
        int reps = 200;
        for (int rep = 0; rep < reps; rep++) {
            double[] ref = counts(r, edges, 5000, 1);
            double[] wide = counts(r, edges, 1000, Math.sqrt(2));
            double[] same = counts(r, edges, 1000, 1);
            if (AndersonDarling.pValue(AndersonDarling.statistic(ref, wide, EPS)) <= 1e-4) {
                adHits++;
            }
            if (io.modelwatch.stats.tests.KolmogorovSmirnov.pValue(
                    io.modelwatch.stats.tests.KolmogorovSmirnov.distance(ref, wide), 5000, 1000, EPS) <= 1e-4) {
                ksHits++;
            }
            if (AndersonDarling.pValue(AndersonDarling.statistic(ref, same, 0)) <= 0.01) {
                nullRejections++;
            }
        }
        assertThat(adHits).isGreaterThanOrEqualTo(195); // seed 7: 200 of 200
        assertThat(ksHits).isLessThan(170); // seed 7: 139 of 200
        assertThat(nullRejections).isLessThanOrEqualTo(8); // 1% of 200 is 2; Poisson 99.9% bound
    }

    private static double[] counts(SplittableRandom r, double[] edges, int n, double sd) {
        double[] c = new double[edges.length + 1];
        for (int i = 0; i < n; i++) {
            double x = sd * gaussian(r);
            int lo = 0;
            int hi = edges.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (edges[mid] < x) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            c[lo]++;
        }
        return c;
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    private static double inverseNormal(double p) {
        double lo = -10;
        double hi = 10;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (io.modelwatch.stats.tests.NormalTail.upper(mid) > 1 - p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }
}
