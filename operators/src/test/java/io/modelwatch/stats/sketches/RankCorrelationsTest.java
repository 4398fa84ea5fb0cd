package io.modelwatch.stats.sketches;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RankCorrelationsTest {
    // numpy default_rng(7): x normal, y = 0.6 x + normal, rounded to 6 digits; scipy.stats.spearmanr = 0.18045112781954886
    static final double[] X = {0.00123, 0.298746, -0.274138, -0.890592, -0.454671, -0.991647, 0.060144, 1.340215,
        -0.492207, -0.620475, 0.489842, 0.356887, 0.105414, -0.930468, -0.029252, 0.695303, -1.344215, -0.457616,
        -1.901223, -1.289538};
    static final double[] Y = {-1.840997, -0.055844, -1.431929, -0.263091, -0.116051, -0.781919, -2.480674, 0.265436,
        -0.343825, -0.258976, -1.236231, -0.263621, -0.915271, -1.367118, 1.043348, -0.390353, -0.83905, 0.60982,
        -1.724334, -0.885425};

    /** The sample's own empirical CDF at the mid-rank: its PIT against itself. */
    static double[] midRankPit(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        double[] u = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = (Arrays.binarySearch(sorted, v[i]) + 0.5) / v.length;
        }
        return u;
    }

    @Test
    void pearsonOfMidRankPitsIsSpearmansRho() {
        RankCorrelations r = new RankCorrelations(new String[] {"x", "y"});
        double[] u = midRankPit(X);
        double[] v = midRankPit(Y);
        for (int i = 0; i < X.length; i++) {
            r.add(new double[] {u[i], v[i]});
        }
        assertEquals(0.18045112781954886, r.correlation(0), 1e-12);
        assertEquals(20, r.count(0));
    }

    @Test
    void pairsArePairwiseCompleteAndNamed() {
        RankCorrelations r = new RankCorrelations(new String[] {"a", "b", "c", "d"});
        assertEquals(6, r.pairCount());
        assertEquals("a", r.first(0));
        assertEquals("b", r.second(0));
        assertEquals("a", r.first(2));
        assertEquals("d", r.second(2));
        assertEquals("b", r.first(3));
        assertEquals("c", r.second(3));
        assertEquals("c", r.first(5));
        assertEquals("d", r.second(5));
        r.add(new double[] {0.1, Double.NaN, 0.2, 0.3});
        r.add(new double[] {0.5, 0.6, Double.NaN, 0.7});
        assertEquals(1, r.count(0)); // a*b: only the second event
        assertEquals(1, r.count(1)); // a*c: only the first
        assertEquals(2, r.count(2)); // a*d: both
        assertEquals(0, r.count(3)); // b*c: never both
        assertEquals(1, r.count(4)); // b*d: the second
        assertEquals(2, r.events());
    }

    @Test
    void mergeEqualsOneSummaryOfEverythingAndBytesRoundTrip() {
        Random rnd = new Random(3);
        RankCorrelations all = new RankCorrelations(new String[] {"a", "b", "c"});
        RankCorrelations left = all.emptyCopy();
        RankCorrelations right = all.emptyCopy();
        for (int i = 0; i < 1000; i++) {
            double a = rnd.nextDouble();
            double[] pit = {a, 0.7 * a + 0.3 * rnd.nextDouble(), rnd.nextDouble() < 0.2 ? Double.NaN : 1 - a};
            all.add(pit);
            (i % 3 == 0 ? left : right).add(pit);
        }
        left.merge(right);
        for (int k = 0; k < 3; k++) {
            assertEquals(all.correlation(k), left.correlation(k), 1e-12);
            assertEquals(all.count(k), left.count(k));
        }
        assertTrue(all.correlation(0) > 0.9);
        assertEquals(-1.0, all.correlation(1), 1e-12);
        RankCorrelations back = StateBytes.read(StateBytes.of(all::writeTo), RankCorrelations::readFrom);
        assertEquals(all.correlation(2), back.correlation(2), 0);
        assertEquals(all.events(), back.events());
        assertEquals(all.serializedBytes(), StateBytes.of(all::writeTo).length);
        assertThrows(IllegalArgumentException.class, () -> all.merge(new RankCorrelations(new String[] {"a", "b"})));
    }

    @Test
    void aFeatureThatDoesNotVaryHasNoCorrelation() {
        RankCorrelations r = new RankCorrelations(new String[] {"a", "b"});
        for (int i = 0; i < 100; i++) {
            r.add(new double[] {0.5, i / 100.0});
        }
        assertTrue(Double.isNaN(r.correlation(0)));
    }

    @Test
    void theCapIsTwelveFeaturesAndItsStateIsStated() {
        String[] twelve = new String[12];
        for (int i = 0; i < 12; i++) {
            twelve[i] = "f" + i;
        }
        RankCorrelations r = new RankCorrelations(twelve);
        assertEquals(66, r.pairCount());
        assertTrue(StateBytes.of(r::writeTo).length < 3300);
        assertThrows(IllegalArgumentException.class, () -> new RankCorrelations(new String[13]));
    }

    /** RankCorrelations' format 1, as the previous build wrote it. */
    private static byte[] formatOne(RankCorrelations r) {
        return StateBytes.of(out -> {
            out.writeByte(1);
            out.writeLong(r.events());
            out.writeInt(r.featureCount());
            for (String s : r.names()) {
                out.writeUTF(s);
            }
            for (int k = 0; k < r.pairCount(); k++) {
                out.writeLong(r.count(k));
                for (double x : r.sums(k)) {
                    out.writeDouble(x);
                }
            }
        });
    }

    /**
     * Format 2 holds what format 1 held: summaries with and without missing values, and an empty
     * one, read back from format 1 and from format 2 to the summary format 2 writes; a feature's
     * sums are written once where no value is missing, so format 2 is far smaller then.
     */
    @Test
    void format1AndFormat2ReadBackToTheSameSummary() {
        Random rnd = new Random(5);
        String[] names = {"a", "b", "c", "d", "e", "f"};
        RankCorrelations complete = new RankCorrelations(names);
        RankCorrelations missing = new RankCorrelations(names);
        for (int i = 0; i < 300; i++) {
            double[] pit = new double[names.length];
            for (int f = 0; f < pit.length; f++) {
                pit[f] = (rnd.nextInt(50) + 0.5) / 50;
            }
            complete.add(pit);
            if (rnd.nextInt(4) == 0) {
                pit[rnd.nextInt(pit.length)] = Double.NaN;
            }
            missing.add(pit);
        }
        for (RankCorrelations r : new RankCorrelations[] {complete, missing, complete.emptyCopy()}) {
            byte[] now = StateBytes.of(r::writeTo);
            assertEquals(2, now[0]);
            byte[] old = formatOne(r);
            assertArrayEquals(now, StateBytes.of(StateBytes.read(old, RankCorrelations::readFrom)::writeTo));
            RankCorrelations back = StateBytes.read(now, RankCorrelations::readFrom);
            assertArrayEquals(now, StateBytes.of(back::writeTo));
            for (int k = 0; k < r.pairCount(); k++) {
                assertEquals(r.count(k), back.count(k));
                assertArrayEquals(r.sums(k), back.sums(k));
            }
            assertTrue(now.length <= old.length + 2 * r.pairCount());
        }
        assertTrue(StateBytes.of(complete::writeTo).length < formatOne(complete).length / 2);
    }
}
