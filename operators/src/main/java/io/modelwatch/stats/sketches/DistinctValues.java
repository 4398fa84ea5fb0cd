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
 * <p>The values are kept with their counts in arrival order and found through a small
 * open-addressing table on the value's bits (an add is a hash and usually one probe; a binary
 * search of the sorted values took about five unpredictable comparisons, on every numeric value
 * of every profile being learned); they are sorted only when read or written. A value beyond the
 * capacity ends the count for good ({@link #add} returns false and the owner drops the object),
 * since from then on the counts would be of an unknown part of the data. {@code -0.0} counts as
 * {@code 0.0}. Mutable, not thread-safe.
 */
public final class DistinctValues {
    /**
     * At most this many distinct values: the number of category bins a categorical feature is
     * tested on ({@code drift.categoryBins}, 20), so a discrete numeric feature is tested on no
     * more bins than a categorical one.
     */
    public static final int CAPACITY = 20;
    /**
     * Format 1: the size, then each value and its count as 8 bytes each. Format 2: the same as
     * varints and {@link CompactDoubles} (a 0/1 flag's two values and counts in about six bytes
     * instead of 32).
     */
    private static final byte FORMAT = 2;
    private static final byte FORMAT_1 = 1;
    /** Slots of the table: a power of two, at most 20/32 full. */
    private static final int SLOTS = 32;

    /** The values in arrival order ({@code 0.0} for {@code -0.0}), and their counts. */
    private double[] values = new double[4];
    private long[] counts = new long[4];
    private int size;
    /** Per slot, the index in {@link #values} plus one; 0 for an empty slot. */
    private final byte[] slots = new byte[SLOTS];

    /** Counts {@code x} (finite); false when it would be value number {@link #CAPACITY} + 1. */
    public boolean add(double x) {
        return add(x, 1);
    }

    private boolean add(double x, long count) {
        double v = x + 0.0;
        long bits = Double.doubleToRawLongBits(v);
        int slot = slotOf(bits);
        while (true) {
            int at = slots[slot] - 1;
            if (at < 0) {
                break;
            }
            if (Double.doubleToRawLongBits(values[at]) == bits) {
                counts[at] += count;
                return true;
            }
            slot = (slot + 1) & (SLOTS - 1);
        }
        if (size == CAPACITY) {
            return false;
        }
        if (size == values.length) {
            values = Arrays.copyOf(values, Math.min(CAPACITY, size * 2));
            counts = Arrays.copyOf(counts, values.length);
        }
        values[size] = v;
        counts[size] = count;
        size++;
        slots[slot] = (byte) size;
        return true;
    }

    /** The value's bits mixed (the finaliser of SplitMix64) so that nearby doubles spread. */
    private static int slotOf(long bits) {
        long z = (bits ^ (bits >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) (z ^ (z >>> 31)) & (SLOTS - 1);
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
        System.arraycopy(slots, 0, c.slots, 0, SLOTS);
        return c;
    }

    public int size() {
        return size;
    }

    /** The distinct values, ascending; a copy. */
    public double[] values() {
        int[] order = ascending();
        double[] sorted = new double[size];
        for (int i = 0; i < size; i++) {
            sorted[i] = values[order[i]];
        }
        return sorted;
    }

    /** The count of each of {@link #values()}; a copy. */
    public long[] counts() {
        int[] order = ascending();
        long[] sorted = new long[size];
        for (int i = 0; i < size; i++) {
            sorted[i] = counts[order[i]];
        }
        return sorted;
    }

    /** The indices of the values in ascending order of value (the values are distinct). */
    private int[] ascending() {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        // Insertion sort of at most CAPACITY indices.
        for (int i = 1; i < size; i++) {
            int o = order[i];
            int j = i - 1;
            while (j >= 0 && values[order[j]] > values[o]) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = o;
        }
        return order;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        VarLongs.writeUnsigned(out, size);
        for (int i : ascending()) {
            CompactDoubles.write(out, values[i]);
            VarLongs.writeUnsigned(out, counts[i]);
        }
    }

    public static DistinctValues readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT && format != FORMAT_1) {
            throw new IOException("DistinctValues: unknown format " + format);
        }
        boolean compact = format == FORMAT;
        long n = compact ? VarLongs.readUnsigned(in, "DistinctValues") : in.readInt();
        if (n < 0 || n > CAPACITY) {
            throw new IOException("DistinctValues: corrupt size " + n);
        }
        DistinctValues d = new DistinctValues();
        double previous = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double v = compact ? CompactDoubles.read(in) : in.readDouble();
            long count = compact ? VarLongs.readUnsigned(in, "DistinctValues") : in.readLong();
            if (i > 0 && !(previous < v)) {
                throw new IOException("DistinctValues: values not strictly increasing");
            }
            d.add(v, count);
            previous = v;
        }
        return d;
    }
}
