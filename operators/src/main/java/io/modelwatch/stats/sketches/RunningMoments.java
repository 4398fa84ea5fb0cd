package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Count, mean, sample variance, min and max of a stream of numbers, in constant memory.
 *
 * <p>Updates follow Welford, B. P. (1962), "Note on a method for calculating corrected sums of
 * squares and products", Technometrics 4(3):419-420: keep the mean and the sum of squared
 * deviations from it ({@code m2}) and correct both per value. The textbook one-pass formula
 * {@code (sum(x^2) - sum(x)^2 / n) / (n - 1)} subtracts two nearly equal large numbers and loses
 * every significant digit when the values are large compared with their spread (a feature of
 * about 1e9 that varies by units, such as an epoch timestamp); Welford's update never forms those
 * large sums.
 *
 * <p>{@link #merge} uses the pairwise formula of Chan, T. F., Golub, G. H. and LeVeque, R. J.
 * (1979), "Updating formulae and a pairwise algorithm for computing sample variances", Stanford
 * CS technical report STAN-CS-79-773 (also COMPSTAT 1982):
 * {@code m2 = m2_a + m2_b + delta^2 * n_a * n_b / n} with {@code delta = mean_b - mean_a}. It lets
 * parallel partial summaries (one per Flink subtask or per window pane) be combined exactly as if
 * all values had been added to one instance, up to rounding.
 *
 * <p>Not thread-safe; callers never pass NaN or infinities (those are routed as missing values
 * before they reach a statistic).
 */
public final class RunningMoments {
    /**
     * Format 1: count as a long, mean, m2, min and max as doubles (41 bytes with the version).
     * Format 2: the count as a varint and min and max (values of the data) as
     * {@link CompactDoubles}; mean and m2 as their 8 bytes.
     */
    private static final byte FORMAT_VERSION = 2;
    private static final byte FORMAT_1 = 1;

    private long count;
    private double mean;
    /** Sum of squared deviations from the current mean (Welford's M2). */
    private double m2;
    private double min = Double.NaN;
    private double max = Double.NaN;

    public RunningMoments() {}

    private RunningMoments(long count, double mean, double m2, double min, double max) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
        this.min = min;
        this.max = max;
    }

    public void add(double x) {
        count++;
        double delta = x - mean;
        mean += delta / count;
        // delta * (x - newMean) = delta^2 * (n-1)/n >= 0, so m2 never goes negative.
        m2 += delta * (x - mean);
        if (count == 1) {
            min = x;
            max = x;
        } else {
            if (x < min) min = x;
            if (x > max) max = x;
        }
    }

    /** Adds all values summarised by {@code other} to this one; {@code other} is unchanged. */
    public void merge(RunningMoments other) {
        // Read other's fields into locals first so that merge(this) doubles the data correctly.
        long nB = other.count;
        if (nB == 0) {
            return;
        }
        double meanB = other.mean;
        double m2B = other.m2;
        double minB = other.min;
        double maxB = other.max;
        if (count == 0) {
            count = nB;
            mean = meanB;
            m2 = m2B;
            min = minB;
            max = maxB;
            return;
        }
        long nA = count;
        long n = nA + nB;
        double delta = meanB - mean;
        // Chan et al.'s form corrects the mean by delta * nB / n instead of recomputing it as
        // (nA*meanA + nB*meanB) / n: equal means stay bit-identical and a small partial barely
        // moves a large one. nA * nB is taken in double because the long product can overflow.
        double nAd = nA;
        double nBd = nB;
        mean += delta * (nBd / n);
        m2 += m2B + delta * delta * (nAd * nBd / n);
        count = n;
        min = Math.min(min, minB);
        max = Math.max(max, maxB);
    }

    public long count() {
        return count;
    }

    /** Arithmetic mean, NaN when empty. */
    public double mean() {
        return count == 0 ? Double.NaN : mean;
    }

    /** Sample (unbiased, n - 1) variance, NaN with fewer than two values. */
    public double variance() {
        return count < 2 ? Double.NaN : m2 / (count - 1);
    }

    /** Population (biased, n) variance, NaN when empty; 0 for a single value. */
    public double populationVariance() {
        return count == 0 ? Double.NaN : m2 / count;
    }

    /** Square root of the sample variance, NaN with fewer than two values. */
    public double stddev() {
        return Math.sqrt(variance());
    }

    /** Smallest value added, NaN when empty. */
    public double min() {
        return min;
    }

    /** Largest value added, NaN when empty. */
    public double max() {
        return max;
    }

    public RunningMoments copy() {
        return new RunningMoments(count, mean, m2, min, max);
    }

    /** Writes a format version byte (2), then count, mean, m2, min and max. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        VarLongs.writeUnsigned(out, count);
        out.writeLong(Double.doubleToRawLongBits(mean));
        out.writeLong(Double.doubleToRawLongBits(m2));
        CompactDoubles.write(out, min);
        CompactDoubles.write(out, max);
    }

    public static RunningMoments readFrom(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != FORMAT_VERSION && version != FORMAT_1) {
            throw new IOException("RunningMoments: unknown format version " + version);
        }
        boolean compact = version == FORMAT_VERSION;
        long count = compact ? VarLongs.readUnsigned(in, "RunningMoments") : in.readLong();
        double mean = compact ? Double.longBitsToDouble(in.readLong()) : in.readDouble();
        double m2 = compact ? Double.longBitsToDouble(in.readLong()) : in.readDouble();
        double min = compact ? CompactDoubles.read(in) : in.readDouble();
        double max = compact ? CompactDoubles.read(in) : in.readDouble();
        if (count < 0 || !(m2 >= 0) || (count > 0 && !(min <= max))) {
            throw new IOException("RunningMoments: corrupt state (count=" + count + ", m2=" + m2
                    + ", min=" + min + ", max=" + max + ")");
        }
        return new RunningMoments(count, mean, m2, min, max);
    }

    @Override
    public String toString() {
        return "RunningMoments{count=" + count + ", mean=" + mean() + ", variance=" + variance()
                + ", min=" + min + ", max=" + max + "}";
    }
}
