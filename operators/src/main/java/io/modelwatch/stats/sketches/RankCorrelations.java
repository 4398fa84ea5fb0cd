package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * A streaming, mergeable summary of the joint structure of up to {@link #MAX_FEATURES} numeric
 * features: for every pair, the Pearson sums of the features' probability-integral transforms
 * (PIT: each value replaced by the frozen reference's CDF at it, a number in [0, 1]), so the
 * pair's correlation is a Spearman-type rank correlation measured against the reference's
 * marginals. Ranks make it robust where Pearson's r on raw values is not: one value of 1e9 in a
 * heavy-tailed feature moves a PIT by at most 1.
 *
 * <p>Pairwise complete: a value that is missing (NaN) in an event skips every pair it belongs
 * to, so each pair keeps its own count. The sums are of {@code u - 1/2}, which keeps the
 * cancellation in {@code sum(uv) - sum(u) sum(v) / n} small in doubles.
 *
 * <p>State: per pair one long and five doubles, at most 50 bytes written; with the cap of 12
 * features, 66 pairs, at most 3.3 KB plus the names, about 10 bytes a pair when the features'
 * values are not missing (format 2, {@link #serializedBytes}). Per event, {@code F(F-1)/2} pair
 * updates of five multiply-adds.
 */
public final class RankCorrelations {
    /**
     * At most 12 features per model version: 66 pairs, up to 3.3 KB per summary, and a model
     * keeps one in its reference and one in each open window. Quadratic in the cap: 16 would be
     * 120 pairs and 5.8 KB per summary, which with two open windows breaks the budget of 4 KB
     * per model and numeric feature for models with few features.
     */
    public static final int MAX_FEATURES = 12;

    /**
     * Format 1: events, the names, and per pair its count as a long and its five sums as doubles
     * (48 bytes a pair). Format 2 holds the same in fewer bytes: the counts as varints, and per pair
     * a byte of flags saying which sums have the bits of one already written, so only the others
     * follow: a feature's sum and sum of squares are the same in every pair where no value of
     * either feature is missing, so they are written once per feature, not once per pair (flag
     * bits: the pair's sum of u, of v, of u^2, of v^2 equal to the last written sum, or sum of
     * squares, of the same feature; the sum of u*v is 0.0). About 10 bytes a pair instead of 48.
     */
    private static final byte FORMAT = 2;
    private static final byte FORMAT_1 = 1;
    private static final int SAME_SU = 1;
    private static final int SAME_SV = 2;
    private static final int SAME_SUU = 4;
    private static final int SAME_SVV = 8;
    private static final int ZERO_SUV = 16;

    private final String[] names;
    private final long[] n;
    private final double[] su;
    private final double[] sv;
    private final double[] suu;
    private final double[] svv;
    private final double[] suv;
    /** Events added (with or without values of these features): the size of the span summarised. */
    private long events;

    public RankCorrelations(String[] names) {
        if (names.length > MAX_FEATURES) {
            throw new IllegalArgumentException("at most " + MAX_FEATURES + " features, got " + names.length);
        }
        this.names = names.clone();
        int pairs = pairs(names.length);
        n = new long[pairs];
        su = new double[pairs];
        sv = new double[pairs];
        suu = new double[pairs];
        svv = new double[pairs];
        suv = new double[pairs];
    }

    /** The number of pairs of {@code f} features. */
    public static int pairs(int f) {
        return f * (f - 1) / 2;
    }

    /**
     * Adds one event: {@code pit[i]} is the PIT of feature {@code i}'s value, NaN when it is
     * missing (or not numeric). Pairs are ordered (0,1), (0,2), ..., (0,F-1), (1,2), ...
     */
    public void add(double[] pit) {
        events++;
        int f = names.length;
        int k = 0;
        for (int i = 0; i < f; i++) {
            double u = pit[i] - 0.5;
            if (u != u) { // NaN: every pair of feature i is skipped
                k += f - 1 - i;
                continue;
            }
            double uu = u * u;
            for (int j = i + 1; j < f; j++, k++) {
                double v = pit[j] - 0.5;
                if (v != v) {
                    continue;
                }
                n[k]++;
                su[k] += u;
                sv[k] += v;
                suu[k] += uu;
                svv[k] += v * v;
                suv[k] += u * v;
            }
        }
    }

    /** Adds another summary of the same features. */
    public void merge(RankCorrelations other) {
        if (!Arrays.equals(names, other.names)) {
            throw new IllegalArgumentException("cannot merge summaries of different features");
        }
        events += other.events;
        for (int k = 0; k < n.length; k++) {
            n[k] += other.n[k];
            su[k] += other.su[k];
            sv[k] += other.sv[k];
            suu[k] += other.suu[k];
            svv[k] += other.svv[k];
            suv[k] += other.suv[k];
        }
    }

    /** An empty summary of the same features. */
    public RankCorrelations emptyCopy() {
        return new RankCorrelations(names);
    }

    public String[] names() {
        return names.clone();
    }

    public int featureCount() {
        return names.length;
    }

    public int pairCount() {
        return n.length;
    }

    public long events() {
        return events;
    }

    /** Events in which both features of pair {@code k} had a value. */
    public long count(int k) {
        return n[k];
    }

    /** Pair {@code k}'s sums of u, v, u², v², uv (of the PITs less 1/2), for a file that keeps them. */
    public double[] sums(int k) {
        return new double[] {su[k], sv[k], suu[k], svv[k], suv[k]};
    }

    /**
     * A summary from its parts, as {@link #count}, {@link #sums} and {@link #events} gave them.
     *
     * @throws IllegalArgumentException when the parts do not fit the names
     */
    public static RankCorrelations of(String[] names, long events, long[] counts, double[][] sums) {
        RankCorrelations r = new RankCorrelations(names);
        if (counts.length != r.n.length || sums.length != r.n.length) {
            throw new IllegalArgumentException(names.length + " features have " + r.n.length + " pairs, found "
                    + counts.length);
        }
        r.events = events;
        for (int k = 0; k < counts.length; k++) {
            if (sums[k].length != 5) {
                throw new IllegalArgumentException("pair " + k + ": 5 sums expected, found " + sums[k].length);
            }
            r.n[k] = counts[k];
            r.su[k] = sums[k][0];
            r.sv[k] = sums[k][1];
            r.suu[k] = sums[k][2];
            r.svv[k] = sums[k][3];
            r.suv[k] = sums[k][4];
        }
        return r;
    }

    /** The first feature of pair {@code k}. */
    public String first(int k) {
        return names[firstIndex(k)];
    }

    /** The second feature of pair {@code k}. */
    public String second(int k) {
        int i = firstIndex(k);
        return names[i + 1 + (k - offset(i))];
    }

    private int offset(int i) {
        int f = names.length;
        return i * (2 * f - i - 1) / 2;
    }

    private int firstIndex(int k) {
        int i = 0;
        while (offset(i + 1) <= k) {
            i++;
        }
        return i;
    }

    /**
     * The Pearson correlation of the PITs of pair {@code k} (pairwise complete), NaN when fewer
     * than 3 events had both or either feature did not vary.
     */
    public double correlation(int k) {
        long m = n[k];
        if (m < 3) {
            return Double.NaN;
        }
        double cuu = suu[k] - su[k] * su[k] / m;
        double cvv = svv[k] - sv[k] * sv[k] / m;
        double cuv = suv[k] - su[k] * sv[k] / m;
        // A feature that did not vary (a single reference bin held all of it) has no correlation;
        // rounding leaves ~1e-16 per value, so anything below 1e-12 per value is no variance.
        if (!(cuu > 1e-12 * m) || !(cvv > 1e-12 * m)) {
            return Double.NaN;
        }
        double r = cuv / Math.sqrt(cuu * cvv);
        return Math.max(-1, Math.min(1, r));
    }

    /** The bytes {@link #writeTo} writes. */
    public int serializedBytes() {
        return StateBytes.of(this::writeTo).length;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        VarLongs.writeUnsigned(out, events);
        VarLongs.writeUnsigned(out, names.length);
        for (String s : names) {
            out.writeUTF(s);
        }
        int f = names.length;
        // Per feature, the bits of its sum and sum of squares last written (0.0 at first).
        long[] lastSum = new long[f];
        long[] lastSquares = new long[f];
        int k = 0;
        for (int i = 0; i < f; i++) {
            for (int j = i + 1; j < f; j++, k++) {
                long u = Double.doubleToRawLongBits(su[k]);
                long v = Double.doubleToRawLongBits(sv[k]);
                long uu = Double.doubleToRawLongBits(suu[k]);
                long vv = Double.doubleToRawLongBits(svv[k]);
                long uv = Double.doubleToRawLongBits(suv[k]);
                int flags = (u == lastSum[i] ? SAME_SU : 0) | (v == lastSum[j] ? SAME_SV : 0)
                        | (uu == lastSquares[i] ? SAME_SUU : 0) | (vv == lastSquares[j] ? SAME_SVV : 0)
                        | (uv == 0 ? ZERO_SUV : 0);
                VarLongs.writeUnsigned(out, n[k]);
                out.writeByte(flags);
                writeUnlessFlagged(out, flags, SAME_SU, u);
                writeUnlessFlagged(out, flags, SAME_SV, v);
                writeUnlessFlagged(out, flags, SAME_SUU, uu);
                writeUnlessFlagged(out, flags, SAME_SVV, vv);
                writeUnlessFlagged(out, flags, ZERO_SUV, uv);
                lastSum[i] = u;
                lastSum[j] = v;
                lastSquares[i] = uu;
                lastSquares[j] = vv;
            }
        }
    }

    private static void writeUnlessFlagged(DataOutput out, int flags, int flag, long bits) throws IOException {
        if ((flags & flag) == 0) {
            out.writeLong(bits);
        }
    }

    private static long readUnlessFlagged(DataInput in, int flags, int flag, long flagged) throws IOException {
        return (flags & flag) == 0 ? in.readLong() : flagged;
    }

    private static RankCorrelations readFormat2(DataInput in) throws IOException {
        long events = VarLongs.readUnsigned(in, "RankCorrelations");
        long f = VarLongs.readUnsigned(in, "RankCorrelations");
        if (f < 0 || f > MAX_FEATURES) {
            throw new IOException("RankCorrelations: " + f + " features");
        }
        String[] names = new String[(int) f];
        for (int i = 0; i < f; i++) {
            names[i] = in.readUTF();
        }
        RankCorrelations r = new RankCorrelations(names);
        r.events = events;
        long[] lastSum = new long[(int) f];
        long[] lastSquares = new long[(int) f];
        int k = 0;
        for (int i = 0; i < f; i++) {
            for (int j = i + 1; j < f; j++, k++) {
                r.n[k] = VarLongs.readUnsigned(in, "RankCorrelations");
                int flags = in.readUnsignedByte();
                long u = readUnlessFlagged(in, flags, SAME_SU, lastSum[i]);
                long v = readUnlessFlagged(in, flags, SAME_SV, lastSum[j]);
                long uu = readUnlessFlagged(in, flags, SAME_SUU, lastSquares[i]);
                long vv = readUnlessFlagged(in, flags, SAME_SVV, lastSquares[j]);
                long uv = readUnlessFlagged(in, flags, ZERO_SUV, 0L);
                r.su[k] = Double.longBitsToDouble(u);
                r.sv[k] = Double.longBitsToDouble(v);
                r.suu[k] = Double.longBitsToDouble(uu);
                r.svv[k] = Double.longBitsToDouble(vv);
                r.suv[k] = Double.longBitsToDouble(uv);
                lastSum[i] = u;
                lastSum[j] = v;
                lastSquares[i] = uu;
                lastSquares[j] = vv;
            }
        }
        return r;
    }

    public static RankCorrelations readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format == FORMAT) {
            return readFormat2(in);
        }
        if (format != FORMAT_1) {
            throw new IOException("RankCorrelations: unknown format " + format);
        }
        long events = in.readLong();
        int f = in.readInt();
        if (f < 0 || f > MAX_FEATURES) {
            throw new IOException("RankCorrelations: " + f + " features");
        }
        String[] names = new String[f];
        for (int i = 0; i < f; i++) {
            names[i] = in.readUTF();
        }
        RankCorrelations r = new RankCorrelations(names);
        r.events = events;
        for (int k = 0; k < r.n.length; k++) {
            r.n[k] = in.readLong();
            r.su[k] = in.readDouble();
            r.sv[k] = in.readDouble();
            r.suu[k] = in.readDouble();
            r.svv[k] = in.readDouble();
            r.suv[k] = in.readDouble();
        }
        return r;
    }
}
