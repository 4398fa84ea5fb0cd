package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Exact counts of the distinct numeric values of a feature while there are at most
 * {@link #CAPACITY} of them: what a reference needs to treat a low-cardinality numeric feature (a
 * 0/1 flag, a hard class label, a small count) as the discrete variable it is, with every value
 * its own bin and its share counted, not read from a sketch. A quantile sketch's rank error
 * (about 1.3% at the default accuracy) is as large as the share of a rare flag; exact counts
 * have none.
 *
 * <p>The values are kept sorted with their counts; a value beyond the capacity ends the count for
 * good ({@link #add} returns false and the owner drops the object), since from then on the counts
 * would be of an unknown part of the data. {@code -0.0} counts as {@code 0.0}. Mutable, not
 * thread-safe.
 */
public final class DistinctValues {
    /**
     * At most this many distinct values: the number of category bins a categorical feature is
     * tested on ({@code drift.categoryBins}, 20), so a discrete numeric feature is tested on no
     * more bins than a categorical one.
     */
    public static final int CAPACITY = 20;
    private static final byte FORMAT = 1;

    private double[] values = new double[4];
    private long[] counts = new long[4];
    private int size;

    /** Counts {@code x} (finite); false when it would be value number {@link #CAPACITY} + 1. */
    public boolean add(double x) {
        return add(x, 1);
    }

    private boolean add(double x, long count) {
        double v = x + 0.0;
        int i = Arrays.binarySearch(values, 0, size, v);
        if (i >= 0) {
            counts[i] += count;
            return true;
        }
        if (size == CAPACITY) {
            return false;
        }
        int at = -i - 1;
        if (size == values.length) {
            values = Arrays.copyOf(values, Math.min(CAPACITY, size * 2));
            counts = Arrays.copyOf(counts, values.length);
        }
        System.arraycopy(values, at, values, at + 1, size - at);
        System.arraycopy(counts, at, counts, at + 1, size - at);
        values[at] = v;
        counts[at] = count;
        size++;
        return true;
    }

    /** Adds {@code other}'s counts; false when the union has more than {@link #CAPACITY} values. */
    public boolean merge(DistinctValues other) {
        for (int i = 0; i < other.size; i++) {
            if (!add(other.values[i], other.counts[i])) {
                return false;
            }
        }
        return true;
    }

    public DistinctValues copy() {
        DistinctValues c = new DistinctValues();
        c.values = values.clone();
        c.counts = counts.clone();
        c.size = size;
        return c;
    }

    public int size() {
        return size;
    }

    /** The distinct values, ascending; a copy. */
    public double[] values() {
        return Arrays.copyOf(values, size);
    }

    /** The count of each of {@link #values()}; a copy. */
    public long[] counts() {
        return Arrays.copyOf(counts, size);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            out.writeDouble(values[i]);
            out.writeLong(counts[i]);
        }
    }

    public static DistinctValues readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("DistinctValues: unknown format " + format);
        }
        int n = in.readInt();
        if (n < 0 || n > CAPACITY) {
            throw new IOException("DistinctValues: corrupt size " + n);
        }
        DistinctValues d = new DistinctValues();
        d.values = new double[Math.max(4, n)];
        d.counts = new long[d.values.length];
        for (int i = 0; i < n; i++) {
            d.values[i] = in.readDouble();
            d.counts[i] = in.readLong();
            if (i > 0 && !(d.values[i - 1] < d.values[i])) {
                throw new IOException("DistinctValues: values not strictly increasing");
            }
        }
        d.size = n;
        return d;
    }
}
