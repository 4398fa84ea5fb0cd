package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * Bins for a numeric feature cut at the quantiles of its reference distribution, with the
 * reference's mass in each bin: the expected side of a {@link PopulationStabilityIndex}.
 *
 * <p>Equal-frequency (quantile) bins are the customary choice for PSI (Siddiqi 2006, ch. 8;
 * Yurdakul 2018): every reference bin holds about {@code 1/bins} of the mass, so no bin is
 * starved and the index weighs the whole range evenly. The reference quantiles come from a KLL
 * sketch (Karnin, Z., Lang, K. and Liberty, E. (2016), "Optimal quantile approximation in
 * streams", FOCS 2016), whose rank error is bounded by
 * {@link KllDoublesSketch#getNormalizedRankError(int, boolean)}.
 *
 * <p>Interior edges are the reference quantiles at ranks {@code 1/bins, ..., (bins-1)/bins} with
 * the INCLUSIVE criterion ({@code q} is the smallest value with {@code P(X <= q) >= rank}), with
 * duplicates removed, giving {@code edges.length + 1} bins
 * {@code (-inf, e0), [e0, e1), ..., [e_last, +inf)}. Integer or zero-inflated features have
 * repeated quantiles, and deduplication collapses those bins rather than leaving empty ones
 * between equal edges; as a result a constant reference {@code c} has the single edge {@code c},
 * bins {@code (-inf, c)} and {@code [c, +inf)} with proportions {@code [0, 1]}.
 *
 * <p>The reference proportions are read from the same sketch at the same edges, with
 * {@code P(X < e)} (the EXCLUSIVE rank), which is precisely the mass of the half-open bins that
 * {@link #binOf} assigns to; quantiles and proportions therefore describe the same bins rather
 * than assuming each holds exactly {@code 1/bins}.
 *
 * <p>Immutable.
 */
public final class QuantileBins {
    /**
     * Format 1: the edge count as an int, the edges and proportions as 8-byte doubles, the
     * reference count as a long. Format 2: the same in fewer bytes: the counts as varints, the
     * edges (values of the data) as {@link CompactDoubles}, and the proportions as the counts they
     * were computed from ({@link CompactDoubles#writeShares}).
     */
    private static final byte FORMAT_VERSION = 2;
    private static final byte FORMAT_1 = 1;
    /** Proportions typed in by hand or rounded in transit need not sum to 1 to the last ulp. */
    private static final double SUM_TOLERANCE = 1e-6;

    private final double[] edges;
    private final double[] referenceProportions;
    private final long referenceCount;

    /**
     * @param edges finite and strictly increasing ({@code -0.0} is read as {@code 0.0})
     * @param referenceProportions one more than the edges, each in [0, 1], summing to 1
     * @param referenceCount number of reference values, at least 1
     */
    public QuantileBins(double[] edges, double[] referenceProportions, long referenceCount) {
        this.edges = edges.clone();
        this.referenceProportions = referenceProportions.clone();
        this.referenceCount = referenceCount;
        for (int i = 0; i < this.edges.length; i++) {
            double e = this.edges[i];
            if (!Double.isFinite(e)) {
                throw new IllegalArgumentException("edges must be finite, found " + e);
            }
            // -0.0 == 0.0 for the <= of binOf, so both spellings must be the same edge.
            this.edges[i] = e + 0.0;
            if (i > 0 && !(this.edges[i - 1] < this.edges[i])) {
                throw new IllegalArgumentException(
                        "edges must be strictly increasing: " + Arrays.toString(edges));
            }
        }
        if (this.referenceProportions.length != this.edges.length + 1) {
            throw new IllegalArgumentException(this.edges.length + " edges need "
                    + (this.edges.length + 1) + " proportions, got "
                    + this.referenceProportions.length);
        }
        double sum = 0;
        for (double p : this.referenceProportions) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("proportions must be in [0, 1], found " + p);
            }
            sum += p;
        }
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw new IllegalArgumentException("proportions must sum to 1, sum is " + sum);
        }
        if (referenceCount < 1) {
            throw new IllegalArgumentException(
                    "referenceCount must be >= 1, was " + referenceCount);
        }
    }

    /**
     * Cuts {@code reference} into at most {@code bins} equal-mass bins (fewer when quantiles
     * coincide).
     *
     * @throws IllegalArgumentException if the sketch is empty or {@code bins < 2}
     */
    public static QuantileBins fromSketch(KllDoublesSketch reference, int bins) {
        Objects.requireNonNull(reference, "reference");
        if (bins < 2) {
            throw new IllegalArgumentException("bins must be >= 2, was " + bins);
        }
        if (reference.isEmpty()) {
            throw new IllegalArgumentException("reference sketch is empty");
        }
        double[] ranks = new double[bins - 1];
        for (int i = 1; i < bins; i++) {
            ranks[i - 1] = (double) i / bins;
        }
        double[] quantiles = reference.getQuantiles(ranks, QuantileSearchCriteria.INCLUSIVE);
        double[] distinct = new double[quantiles.length];
        int n = 0;
        for (double q : quantiles) {
            double edge = q + 0.0; // fold -0.0 into 0.0
            // Quantiles come back sorted, so comparing with the last kept edge removes all repeats.
            if (n == 0 || edge > distinct[n - 1]) {
                distinct[n++] = edge;
            }
        }
        double[] edges = isolateAtoms(reference, Arrays.copyOf(distinct, n), bins);
        n = edges.length;

        double[] below = reference.getRanks(edges, QuantileSearchCriteria.EXCLUSIVE);
        double[] proportions = new double[n + 1];
        double previous = 0;
        for (int i = 0; i < n; i++) {
            // Ranks are non-decreasing in the edge; max() only guards against a future sketch
            // returning them otherwise, as a negative mass would break PSI.
            proportions[i] = Math.max(0, below[i] - previous);
            previous = Math.max(previous, below[i]);
        }
        proportions[n] = Math.max(0, 1 - previous);
        return new QuantileBins(edges, proportions, reference.getN());
    }

    /**
     * Adds the edge {@code Math.nextUp(q)} after every edge {@code q} that holds more than
     * {@code 1/bins} of the reference on its own (an atom: {@code P(X = q) > 1/bins}), so the
     * atom is a bin of its own, {@code [q, nextUp(q))}, holding exactly the value {@code q}.
     *
     * <p>Without it a dominant value swallows its neighbours: when one value holds at least
     * {@code 1 - 1/bins} of the reference every quantile is that value, one edge is left, and a
     * 0/1 flag moving from 1% to 30% ones changes no bin's share, so every statistic on the bins
     * (KS, PSI, the PIT shift behind CUSUM and Page-Hinkley) is exactly 0. An atom of more than
     * {@code 1/bins} always is one of the quantiles at ranks {@code j/bins} (its rank interval is
     * longer than the spacing), so every such atom is found.
     */
    private static double[] isolateAtoms(KllDoublesSketch reference, double[] edges, int bins) {
        if (edges.length == 0) {
            return edges;
        }
        double[] atMost = reference.getRanks(edges, QuantileSearchCriteria.INCLUSIVE);
        double[] below = reference.getRanks(edges, QuantileSearchCriteria.EXCLUSIVE);
        double[] out = new double[edges.length * 2];
        int n = 0;
        for (int i = 0; i < edges.length; i++) {
            out[n++] = edges[i];
            double up = Math.nextUp(edges[i]);
            boolean atom = atMost[i] - below[i] > 1.0 / bins;
            if (atom && Double.isFinite(up) && (i + 1 == edges.length || up < edges[i + 1])) {
                out[n++] = up;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Bins for a discrete feature whose reference values and their counts are known exactly
     * ({@link DistinctValues}): every value {@code v} is a bin of its own, {@code [v, nextUp(v))},
     * with its exact share; the bins between values and beyond the extremes have share 0, so a
     * value the reference never had is seen as such.
     *
     * @param values distinct, finite, ascending
     * @param counts the count of each value, at least one positive
     */
    public static QuantileBins ofValues(double[] values, long[] counts) {
        if (values.length == 0 || values.length != counts.length) {
            throw new IllegalArgumentException("need one count per value, at least one value");
        }
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double[] edges = new double[values.length * 2];
        double[] proportions = new double[values.length * 2 + 1];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            double v = values[i] + 0.0;
            if (n == 0 || v > edges[n - 1]) {
                edges[n++] = v;
            }
            // bin n (after edge n-1) is [v, next edge): v's own bin
            proportions[n] += (double) counts[i] / total;
            double up = Math.nextUp(v);
            if (Double.isFinite(up) && (i + 1 == values.length || up < values[i + 1])) {
                edges[n++] = up;
            }
        }
        return new QuantileBins(Arrays.copyOf(edges, n), Arrays.copyOf(proportions, n + 1), total);
    }

    /**
     * Whether every bin with reference mass holds a single value ({@code [v, nextUp(v))}): the
     * bins of a discrete feature, {@link #ofValues}.
     */
    public boolean singleValued() {
        for (int b = 0; b < referenceProportions.length; b++) {
            if (referenceProportions[b] > 0
                    && (b == 0 || b == edges.length || edges[b] != Math.nextUp(edges[b - 1]))) {
                return false;
            }
        }
        return true;
    }

    /** Interior edges, ascending; a copy. */
    public double[] edges() {
        return edges.clone();
    }

    /** Number of bins: {@code edges().length + 1}. */
    public int binCount() {
        return edges.length + 1;
    }

    /**
     * Bin index of {@code x}: the number of edges {@code <= x}, so an edge value belongs to the
     * bin it opens. NaN is not ordered and lands in bin 0; callers count missing values apart.
     */
    public int binOf(double x) {
        // Hand-rolled rather than Arrays.binarySearch, which orders by Double.compare and would
        // put -0.0 below an edge of 0.0 and NaN above everything. Branch-free (Khuong and Morin,
        // "Array layouts for comparison-based searching", 2017): the loop runs log2(edges) times
        // whatever x is, and the JIT turns the choice into a conditional move. Every window value
        // is binned, and with a classic binary search the mispredicted branches of random values
        // made this 15% of the monitor's time (docs/benchmarks.md); 2 to 3 times faster so.
        int n = edges.length;
        if (n == 0) {
            return 0;
        }
        int base = 0; // edges[base] is the last edge <= x, if any edge is
        while (n > 1) {
            int half = n >>> 1;
            base = edges[base + half] <= x ? base + half : base;
            n -= half;
        }
        return edges[base] <= x ? base + 1 : base;
    }

    /** Reference mass per bin, summing to 1; a copy. */
    public double[] referenceProportions() {
        return referenceProportions.clone();
    }

    /**
     * Reference proportions scaled by {@link #referenceCount}: the expected counts to hand to
     * {@link PopulationStabilityIndex#of}, so smoothing sees the reference's real sample size.
     */
    public double[] referenceCounts() {
        double[] counts = new double[referenceProportions.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = referenceProportions[i] * referenceCount;
        }
        return counts;
    }

    /** Number of values in the reference distribution. */
    public long referenceCount() {
        return referenceCount;
    }

    /**
     * Writes a format version byte (1), the edge count, the edges, the proportions (edge count + 1)
     * and the reference count.
     */
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        VarLongs.writeUnsigned(out, edges.length);
        CompactDoubles.writeAll(out, edges, 0, edges.length);
        VarLongs.writeSigned(out, referenceCount);
        CompactDoubles.writeShares(out, referenceProportions, referenceCount);
    }

    public static QuantileBins readFrom(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version == FORMAT_VERSION) {
            long n = VarLongs.readUnsigned(in, "QuantileBins");
            if (n < 0 || n > 1 << 20) {
                throw new IOException("QuantileBins: corrupt edge count " + n);
            }
            double[] edges = new double[(int) n];
            CompactDoubles.readAll(in, edges, edges.length);
            long referenceCount = VarLongs.readSigned(in, "QuantileBins");
            double[] proportions = new double[edges.length + 1];
            CompactDoubles.readShares(in, proportions, referenceCount);
            try {
                return new QuantileBins(edges, proportions, referenceCount);
            } catch (IllegalArgumentException e) {
                throw new IOException("QuantileBins: corrupt state: " + e.getMessage(), e);
            }
        }
        if (version != FORMAT_1) {
            throw new IOException("QuantileBins: unknown format version " + version);
        }
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("QuantileBins: corrupt edge count " + n);
        }
        double[] edges = new double[n];
        for (int i = 0; i < n; i++) {
            edges[i] = in.readDouble();
        }
        double[] proportions = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            proportions[i] = in.readDouble();
        }
        long referenceCount = in.readLong();
        try {
            return new QuantileBins(edges, proportions, referenceCount);
        } catch (IllegalArgumentException e) {
            throw new IOException("QuantileBins: corrupt state: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantileBins b
                && referenceCount == b.referenceCount
                && Arrays.equals(edges, b.edges)
                && Arrays.equals(referenceProportions, b.referenceProportions);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(referenceCount) + Arrays.hashCode(edges))
                + Arrays.hashCode(referenceProportions);
    }

    @Override
    public String toString() {
        return "QuantileBins{edges=" + Arrays.toString(edges) + ", referenceProportions="
                + Arrays.toString(referenceProportions) + ", referenceCount=" + referenceCount
                + "}";
    }
}
