package io.modelwatch.stats.sketches;

import io.modelwatch.stats.tests.PopulationStabilityIndex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

public class QuantileBinsTest {
    /** Normalised single-rank error of the default k = 200 at 99% confidence, about 0.0133. */
    private static final double EPS = KllDoublesSketch.getNormalizedRankError(200, false);

    @Test
    void uniformReferenceGivesTenEqualBins() {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
        int n = 10_000;
        for (int v = 0; v < n; v++) {
            ReproducibleKll.update(sketch, v);
        }
        QuantileBins bins = QuantileBins.fromSketch(sketch, 10);

        assertThat(bins.binCount()).isEqualTo(10);
        assertThat(bins.referenceCount()).isEqualTo(n);
        double[] edges = bins.edges();
        for (int i = 0; i < edges.length; i++) {
            // True inclusive rank of integer v in 0..n-1 is (v + 1) / n.
            assertThat((edges[i] + 1) / n).as("rank of edge %d", i)
                    .isCloseTo((i + 1) / 10.0, within(EPS));
        }
        // A bin's mass is the difference of two ranks, each within EPS of the truth.
        double[] proportions = bins.referenceProportions();
        assertThat(proportions).hasSize(10);
        double sum = 0;
        for (double p : proportions) {
            assertThat(p).isCloseTo(0.1, within(2 * EPS));
            sum += p;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-12));

        // Binning the reference data itself with binOf gives (up to the same error) the mass
        // the sketch reported: edges and proportions describe the same half-open bins.
        long[] counted = new long[bins.binCount()];
        for (int v = 0; v < n; v++) {
            counted[bins.binOf(v)]++;
        }
        for (int b = 0; b < counted.length; b++) {
            assertThat((double) counted[b] / n).as("bin %d", b)
                    .isCloseTo(proportions[b], within(2 * EPS));
        }
    }

    @Test
    void integerFeatureCollapsesDuplicateEdgesAndIsolatesItsAtoms() {
        // Values 0..3 with 120, 250, 250, 380 copies: P(X <= v) = 0.12, 0.37, 0.62, 1.
        // k = 2000 exceeds n = 1000, so KLL never compacts and every rank is exact.
        // Inclusive quantiles at 0.1..0.9: 0.1 -> 0; 0.2, 0.3 -> 1; 0.4, 0.5, 0.6 -> 2;
        // 0.7, 0.8, 0.9 -> 3. Deduplicated edges [0, 1, 2, 3]; every value holds more than
        // 1/10, so each is an atom and gets the edge just above it: [v, nextUp(v)) holds v alone.
        // Masses: bins (-inf,0) 0, [0] 0.12, (0,1) 0, [1] 0.25, (1,2) 0, [2] 0.25, (2,3) 0,
        // [3] 0.38, above 3: 0.
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(2000);
        int[] copies = {120, 250, 250, 380};
        for (int v = 0; v < copies.length; v++) {
            for (int c = 0; c < copies[v]; c++) {
                ReproducibleKll.update(sketch, v);
            }
        }
        QuantileBins bins = QuantileBins.fromSketch(sketch, 10);

        assertThat(bins.edges()).containsExactly(0, Math.nextUp(0.0), 1, Math.nextUp(1.0), 2, Math.nextUp(2.0), 3,
                Math.nextUp(3.0));
        assertThat(bins.binCount()).isEqualTo(9);
        assertThat(bins.referenceProportions())
                .containsExactly(new double[] {0, 0.12, 0, 0.25, 0, 0.25, 0, 0.38, 0}, within(1e-12));
        assertThat(bins.referenceCounts())
                .containsExactly(new double[] {0, 120, 0, 250, 0, 250, 0, 380, 0}, within(1e-9));
        assertThat(bins.singleValued()).isTrue();
        assertThat(bins.binOf(0)).isEqualTo(1);
        assertThat(bins.binOf(0.5)).isEqualTo(2);
        assertThat(bins.binOf(3)).isEqualTo(7);
        assertThat(bins.binOf(4)).isEqualTo(8);
    }

    @Test
    void zeroInflatedFeatureKeepsOneBinForTheZeros() {
        // 650 zeros and the values 1..350 once each (exact sketch, as above):
        // P(X <= 0) = 0.65, P(X <= v) = 0.65 + v / 1000 for v >= 1.
        // Ranks 0.1..0.6 all give 0; 0.7 -> 50, 0.8 -> 150, 0.9 -> 250. Edges [0, 50, 150, 250],
        // and 0 (an atom of 0.65) gets nextUp(0), so the zeros are a bin of their own.
        // P(X < e): 0, 0.65, 0.699, 0.799, 0.899 -> bins [0, 0.65, 0.049, 0.1, 0.1, 0.101].
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(2000);
        for (int i = 0; i < 650; i++) {
            ReproducibleKll.update(sketch, 0);
        }
        for (int v = 1; v <= 350; v++) {
            ReproducibleKll.update(sketch, v);
        }
        QuantileBins bins = QuantileBins.fromSketch(sketch, 10);

        assertThat(bins.edges()).containsExactly(0, Double.MIN_VALUE, 50, 150, 250);
        assertThat(bins.referenceProportions())
                .containsExactly(new double[] {0, 0.65, 0.049, 0.1, 0.1, 0.101}, within(1e-12));
    }

    @Test
    void constantReferenceIsOneSingleValuedBin() {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
        for (int i = 0; i < 5000; i++) {
            ReproducibleKll.update(sketch, 7.5);
        }
        QuantileBins bins = QuantileBins.fromSketch(sketch, 10);

        assertThat(bins.edges()).containsExactly(7.5, Math.nextUp(7.5));
        assertThat(bins.referenceProportions()).containsExactly(0.0, 1.0, 0.0);
        assertThat(bins.binOf(7.4)).isZero();
        assertThat(bins.binOf(7.5)).isEqualTo(1);
        assertThat(bins.binOf(7.6)).isEqualTo(2);
    }

    @Test
    void binOfAtAndAroundEdges() {
        QuantileBins bins = new QuantileBins(
                new double[] {1, 2, 3}, new double[] {0.25, 0.25, 0.25, 0.25}, 100);

        assertThat(bins.binOf(Double.NEGATIVE_INFINITY)).isZero();
        assertThat(bins.binOf(Math.nextDown(1.0))).isZero();
        assertThat(bins.binOf(1.0)).isEqualTo(1); // an edge opens its bin: [1, 2)
        assertThat(bins.binOf(1.5)).isEqualTo(1);
        assertThat(bins.binOf(Math.nextDown(2.0))).isEqualTo(1);
        assertThat(bins.binOf(2.0)).isEqualTo(2);
        assertThat(bins.binOf(3.0)).isEqualTo(3);
        assertThat(bins.binOf(1e300)).isEqualTo(3);
        assertThat(bins.binOf(Double.POSITIVE_INFINITY)).isEqualTo(3);
        assertThat(bins.binOf(Double.NaN)).isZero(); // documented; callers handle missing apart
    }

    @Test
    void binOfIsTheNumberOfEdgesAtOrBelowTheValueForAnyNumberOfEdges() {
        // The definition, counted: the search must agree with it for every length (odd, even,
        // powers of two), at edges, between them, beyond both ends, at -0.0 and NaN.
        Random r = new Random(7);
        for (int n = 1; n <= 130; n++) {
            double[] edges = new double[n];
            double e = -n / 2.0;
            for (int i = 0; i < n; i++) {
                e += 0.1 + r.nextDouble();
                edges[i] = e;
            }
            double[] props = new double[n + 1];
            java.util.Arrays.fill(props, 1.0 / (n + 1));
            QuantileBins bins = new QuantileBins(edges, props, 1);
            for (int k = 0; k < 2_000; k++) {
                double x = switch (k % 5) {
                    case 0 -> edges[r.nextInt(n)];
                    case 1 -> edges[0] - 1 - r.nextDouble();
                    case 2 -> edges[n - 1] + r.nextDouble();
                    case 3 -> k % 2 == 0 ? -0.0 : Double.NaN;
                    default -> edges[0] + (edges[n - 1] - edges[0]) * r.nextDouble();
                };
                int expected = 0;
                for (double edge : edges) {
                    if (edge <= x) {
                        expected++;
                    }
                }
                assertThat(bins.binOf(x)).as("x=%s with %d edges", x, n).isEqualTo(expected);
            }
        }
    }

    @Test
    void negativeZeroIsTheSameEdgeAsZero() {
        QuantileBins bins = new QuantileBins(new double[] {-0.0}, new double[] {0.5, 0.5}, 2);
        assertThat(Double.doubleToRawLongBits(bins.edges()[0])).isZero(); // stored as +0.0
        assertThat(bins.binOf(-0.0)).isEqualTo(1);
        assertThat(bins.binOf(0.0)).isEqualTo(1);
        assertThat(bins.binOf(-Double.MIN_VALUE)).isZero();
        double[] threeBins = {0.3, 0.3, 0.4};
        assertThatThrownBy(() -> new QuantileBins(new double[] {-0.0, 0.0}, threeBins, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void referenceBinsFeedPsi() {
        // Bins from one N(0,1) sample; a second sample of the same law is stable, a shift of
        // one standard deviation is not (rule of thumb: < 0.1 stable, > 0.25 significant).
        Random random = new Random(8);
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
        for (int i = 0; i < 50_000; i++) {
            ReproducibleKll.update(sketch, random.nextGaussian());
        }
        QuantileBins bins = QuantileBins.fromSketch(sketch, 10);
        double[] same = new double[bins.binCount()];
        double[] shifted = new double[bins.binCount()];
        for (int i = 0; i < 5_000; i++) {
            same[bins.binOf(random.nextGaussian())]++;
            shifted[bins.binOf(random.nextGaussian() + 1)]++;
        }
        assertThat(PopulationStabilityIndex.of(bins.referenceCounts(), same)).isLessThan(0.02);
        assertThat(PopulationStabilityIndex.of(bins.referenceCounts(), shifted)).isGreaterThan(0.5);
    }

    @Test
    void rejectsInvalidInput() {
        assertThatThrownBy(() -> QuantileBins.fromSketch(KllDoublesSketch.newHeapInstance(), 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        KllDoublesSketch one = KllDoublesSketch.newHeapInstance();
        ReproducibleKll.update(one, 1);
        assertThatThrownBy(() -> QuantileBins.fromSketch(one, 1))
                .isInstanceOf(IllegalArgumentException.class);

        double[] twoBins = {0.5, 0.5};
        assertThatThrownBy(() -> new QuantileBins(new double[] {1, 2}, twoBins, 10))
                .as("proportions must be edges + 1").isInstanceOf(IllegalArgumentException.class);
        double[] threeBins = {0.3, 0.3, 0.4};
        assertThatThrownBy(() -> new QuantileBins(new double[] {2, 1}, threeBins, 10))
                .as("decreasing edges").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QuantileBins(new double[] {Double.NaN}, twoBins, 10))
                .as("NaN edge").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QuantileBins(new double[] {1}, new double[] {0.5, 0.6}, 10))
                .as("sum != 1").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QuantileBins(new double[] {1}, new double[] {-0.5, 1.5}, 10))
                .as("negative proportion").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QuantileBins(new double[] {1}, twoBins, 0))
                .as("no reference values").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void accessorsReturnCopies() {
        QuantileBins bins = new QuantileBins(new double[] {1}, new double[] {0.5, 0.5}, 2);
        bins.edges()[0] = 99;
        bins.referenceProportions()[0] = 99;
        assertThat(bins.edges()).containsExactly(1.0);
        assertThat(bins.referenceProportions()).containsExactly(0.5, 0.5);
    }

    @Test
    void roundTripsThroughBinaryForm() throws IOException {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
        Random random = new Random(4);
        for (int i = 0; i < 20_000; i++) {
            ReproducibleKll.update(sketch, Math.exp(random.nextGaussian()));
        }
        QuantileBins original = QuantileBins.fromSketch(sketch, 20);

        byte[] bytes = serialise(original);
        QuantileBins restored = QuantileBins.readFrom(input(bytes));

        assertThat(restored).isEqualTo(original).hasSameHashCodeAs(original);
        assertThat(restored.edges()).containsExactly(original.edges());
        assertThat(restored.referenceProportions())
                .containsExactly(original.referenceProportions());
        assertThat(restored.referenceCount()).isEqualTo(20_000);
        // Format 2: version, edge count, how the edges are written, the edges (full precision: 8
        // bytes each), the reference count (a 3-byte varint), each proportion as the count of the
        // sketch it was computed from (below 4,096 here: 2 bytes).
        assertThat(bytes).hasSize(1 + 1 + 1 + 8 * original.edges().length + 3 + 2 * (original.edges().length + 1));
    }

    @Test
    void rejectsUnknownFormatVersionAndCorruptState() {
        byte[] bytes = serialise(new QuantileBins(new double[] {1}, new double[] {0.5, 0.5}, 2));
        byte[] wrongVersion = bytes.clone();
        wrongVersion[0] = 0;
        assertThatThrownBy(() -> QuantileBins.readFrom(input(wrongVersion)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("QuantileBins")
                .hasMessageContaining("version 0");

        byte[] badCount = bytes.clone();
        badCount[badCount.length - 1] = 0; // reference count 2 -> 0
        assertThatThrownBy(() -> QuantileBins.readFrom(input(badCount)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("QuantileBins");
    }

    private static byte[] serialise(QuantileBins bins) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bins.writeTo(new DataOutputStream(bytes));
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static DataInputStream input(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    /** QuantileBins' format 1, as the previous build wrote it (also inside FeatureReference's earlier formats). */
    public static byte[] format1(QuantileBins b) {
        return StateBytes.of(out -> {
            out.writeByte(1);
            out.writeInt(b.edges().length);
            for (double e : b.edges()) {
                out.writeDouble(e);
            }
            for (double p : b.referenceProportions()) {
                out.writeDouble(p);
            }
            out.writeLong(b.referenceCount());
        });
    }

    /**
     * Format 2 holds what format 1 held, in fewer bytes: bins from a sketch (in and out of
     * estimation mode, 4-decimal and full-precision values, an atom), from exact counts and with
     * proportions typed in read back equal to the bins written, and format 1's bytes read back
     * equal to them too.
     */
    @Test
    void format2AndFormat1ReadBackToTheSameBins() {
        Random r = new Random(8);
        java.util.List<QuantileBins> all = new java.util.ArrayList<>();
        for (int n : new int[] {1, 5, 150, 600, 5_000, 100_000}) {
            KllDoublesSketch decimals = KllDoublesSketch.newHeapInstance(200);
            KllDoublesSketch full = KllDoublesSketch.newHeapInstance(200);
            KllDoublesSketch atom = KllDoublesSketch.newHeapInstance(200);
            for (int i = 0; i < n; i++) {
                ReproducibleKll.update(decimals, Math.round(r.nextGaussian() * 1e4) / 1e4);
                ReproducibleKll.update(full, r.nextGaussian());
                ReproducibleKll.update(atom, r.nextInt(10) < 8 ? 0 : r.nextInt(5));
            }
            for (int bins : new int[] {10, 50}) {
                all.add(QuantileBins.fromSketch(decimals, bins));
                all.add(QuantileBins.fromSketch(full, bins));
                all.add(QuantileBins.fromSketch(atom, bins));
            }
        }
        all.add(QuantileBins.ofValues(new double[] {0, 1}, new long[] {697, 303}));
        all.add(QuantileBins.ofValues(new double[] {-1, 0, 2.5, 7}, new long[] {3, 1_000_000, 1, 17}));
        all.add(new QuantileBins(new double[] {0.5, 1.5}, new double[] {0.3, 0.3, 0.4}, 7));
        int format1Bytes = 0;
        int format2Bytes = 0;
        for (QuantileBins b : all) {
            byte[] now = StateBytes.of(b::writeTo);
            assertThat(now[0]).isEqualTo((byte) 2);
            assertThat(StateBytes.read(now, QuantileBins::readFrom)).isEqualTo(b);
            byte[] old = format1(b);
            assertThat(StateBytes.read(old, QuantileBins::readFrom)).isEqualTo(b);
            format1Bytes += old.length;
            format2Bytes += now.length;
        }
        assertThat(format2Bytes).isLessThan(format1Bytes * 6 / 10);
    }
}
