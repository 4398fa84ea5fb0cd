package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class JensenShannonTest {

    @Test
    void identicalDistributionsAreZeroApart() {
        assertThat(JensenShannon.divergence(c(3, 0, 5), c(3, 0, 5))).isZero();
        // Only proportions matter: 30/80 = 3/8 and so on.
        assertThat(JensenShannon.divergence(c(3, 0, 5), c(30, 0, 50))).isZero();
        assertThat(JensenShannon.distance(c(1, 1), c(2, 2))).isZero();
    }

    @Test
    void disjointSupportsAreOneApart() {
        // M = P/2 on P's support and Q/2 on Q's: KL(P||M) = sum p log2(2) = 1, likewise for Q,
        // so JSD = 1/2 + 1/2 = 1, the maximum in base 2.
        assertThat(JensenShannon.divergence(c(1, 0), c(0, 1))).isCloseTo(1.0, within(1e-15));
        assertThat(JensenShannon.divergence(c(4, 6, 0, 0), c(0, 0, 1, 9)))
                .isCloseTo(1.0, within(1e-15));
        assertThat(JensenShannon.distance(c(1, 0), c(0, 1))).isCloseTo(1.0, within(1e-15));
    }

    @Test
    void pointMassAgainstFairCoin() {
        // P = [1, 0], Q = [0.5, 0.5], M = [0.75, 0.25]
        // KL(P||M) = 1 log2(1 / 0.75) = log2(4/3) = 2 - log2 3
        // KL(Q||M) = 0.5 log2(0.5 / 0.75) + 0.5 log2(0.5 / 0.25) = 0.5 (1 - log2 3) + 0.5
        //          = 1 - 0.5 log2 3
        // JSD = 0.5 (2 - log2 3) + 0.5 (1 - 0.5 log2 3) = 1.5 - 0.75 log2 3
        //     = 1.5 - 0.75 * 1.5849625007 = 0.3112781245
        // (scipy.spatial.distance.jensenshannon([1, 0], [.5, .5], base=2) ** 2 agrees.)
        double log2of3 = Math.log(3) / Math.log(2);
        double expected = 1.5 - 0.75 * log2of3;
        assertThat(JensenShannon.divergence(c(1, 0), c(0.5, 0.5)))
                .isCloseTo(expected, within(1e-15))
                .isCloseTo(0.3112781245, within(1e-10));
        // Counts rather than proportions give the same value.
        assertThat(JensenShannon.divergence(c(10, 0), c(3, 3))).isCloseTo(expected, within(1e-15));
        assertThat(JensenShannon.distance(c(1, 0), c(0.5, 0.5)))
                .isCloseTo(Math.sqrt(expected), within(1e-15));
    }

    @Test
    void threeBinExampleMatchesTheEntropyForm() {
        // P = [0.1, 0.2, 0.7], Q = [0.6, 0.3, 0.1], M = [0.35, 0.25, 0.4]
        // Lin (1991) writes JSD = H(M) - (H(P) + H(Q)) / 2 with H the Shannon entropy in bits:
        //   H(M) = 1.5588718484, H(P) = 1.1567796494, H(Q) = 1.2954618442
        //   JSD = 1.5588718484 - 1.2261207468 = 0.3327511016
        // (scipy: jensenshannon([1, 2, 7], [6, 3, 1], base=2) ** 2 = 0.3327511016026796)
        assertThat(JensenShannon.divergence(c(1, 2, 7), c(6, 3, 1)))
                .isCloseTo(0.3327511016026796, within(1e-14));
    }

    @Test
    void agreesWithTheEntropyFormOnRandomVectors() {
        Random random = new Random(1991);
        for (int trial = 0; trial < 500; trial++) {
            int bins = 1 + random.nextInt(10);
            double[] p = randomCounts(random, bins);
            double[] q = randomCounts(random, bins);
            double jsd = JensenShannon.divergence(p, q);
            assertThat(jsd).isCloseTo(entropyForm(p, q), within(1e-12)).isBetween(0.0, 1.0);
            assertThat(JensenShannon.divergence(q, p)).isCloseTo(jsd, within(1e-15));
        }
    }

    @Test
    void distanceObeysTheTriangleInequality() {
        Random random = new Random(2003);
        for (int trial = 0; trial < 500; trial++) {
            int bins = 1 + random.nextInt(6);
            double[] x = randomCounts(random, bins);
            double[] y = randomCounts(random, bins);
            double[] z = randomCounts(random, bins);
            double viaY = JensenShannon.distance(x, y) + JensenShannon.distance(y, z);
            assertThat(JensenShannon.distance(x, z)).isLessThanOrEqualTo(viaY + 1e-12);
        }
    }

    @Test
    void emptyTotalsGiveNaN() {
        assertThat(JensenShannon.divergence(c(0, 0), c(1, 2))).isNaN();
        assertThat(JensenShannon.divergence(c(1, 2), c(0, 0))).isNaN();
        assertThat(JensenShannon.distance(c(0, 0), c(0, 0))).isNaN();
    }

    @Test
    void rejectsInvalidInput() {
        assertThatThrownBy(() -> JensenShannon.divergence(c(1), c(1, 2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JensenShannon.divergence(new double[0], new double[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JensenShannon.divergence(c(-1, 2), c(1, 2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JensenShannon.distance(c(1, 2), c(1, Double.POSITIVE_INFINITY)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Counts with roughly a third of the bins empty and at least one non-empty bin. */
    private static double[] randomCounts(Random random, int bins) {
        double[] counts = new double[bins];
        for (int i = 0; i < bins; i++) {
            counts[i] = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(100);
        }
        counts[random.nextInt(bins)] += 1;
        return counts;
    }

    /** H(M) - (H(P) + H(Q)) / 2 in bits: Lin's (1991) definition, computed independently. */
    private static double entropyForm(double[] countsP, double[] countsQ) {
        double[] p = normalise(countsP);
        double[] q = normalise(countsQ);
        double[] m = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            m[i] = (p[i] + q[i]) / 2;
        }
        return entropyBits(m) - (entropyBits(p) + entropyBits(q)) / 2;
    }

    private static double entropyBits(double[] p) {
        double h = 0;
        for (double x : p) {
            if (x > 0) {
                h -= x * Math.log(x) / Math.log(2);
            }
        }
        return h;
    }

    private static double[] normalise(double[] counts) {
        double total = 0;
        for (double c : counts) {
            total += c;
        }
        double[] p = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            p[i] = counts[i] / total;
        }
        return p;
    }

    private static double[] c(double... counts) {
        return counts;
    }
}
