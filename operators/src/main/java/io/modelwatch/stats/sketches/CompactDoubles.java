package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

/**
 * Doubles of the state formats in as few bytes as they need, losslessly: a value that is a short
 * decimal, {@code m / 10^d} with {@code d} at most {@value #MAX_DECIMALS} and {@code |m| < 2^53}
 * (0 and 1 of a flag, a count, a JSON value with a few decimals such as 1.2345), is written as one
 * unsigned varint ({@link VarLongs}) of {@code zigzag(m) << 4 | d}: 1 byte for a flag or a small
 * count, 3 for a 4-decimal value below about 6.5 in magnitude; any other value (full-precision
 * doubles, -0.0, NaN, infinities) as the byte {@value #RAW} and its 8 bytes as they are.
 *
 * <p>Why it is exact: {@code m} and {@code 10^d} are exactly representable ({@code |m| < 2^53},
 * {@code d <= 22}), and IEEE division rounds their exact quotient correctly, so {@code m / 10^d}
 * is the double nearest to the decimal {@code m / 10^d}; a value is written this way only when
 * that quotient has the very bits of the value (checked on writing), so reading it back gives
 * those bits. What parsing the decimal from JSON gives is also the double nearest to it, which is
 * why values read from events usually take the short form.
 *
 * <p>{@link #writeAll} writes an array either way, whichever is shorter, so an array of
 * full-precision values costs one byte more than before, not one per value.
 *
 * <p>{@link #writeKll} writes a KLL sketch as DataSketches' own serialised form
 * ({@code toByteArray()}) with its trailing doubles (the minimum, the maximum and the retained
 * items, little-endian, in DataSketches 6.2.0's layout) in this form; {@link #readKll} puts the
 * same bytes back together and heapifies them, so the sketch read back is the one written, byte
 * for byte, whatever the layout: a layout with other bytes at the end only compresses less.
 */
public final class CompactDoubles {
    /** Most decimals of the short form: the tag's four bits hold 0 to 14, and 15 says raw. */
    static final int MAX_DECIMALS = 14;
    /** The varint written before a value's raw 8 bytes. */
    static final int RAW = 15;
    private static final long MAX_MANTISSA = 1L << 53;
    private static final int RATIO = 0;
    private static final int DIFFERENCE = 1;
    private static final int REST = 2;
    /** The varint of a share written as its 8 bytes. */
    static final int RAW_SHARE = 3;
    private static final byte SHORT_VALUES = 0;
    private static final byte RAW_VALUES = 1;
    private static final double[] POWERS_OF_TEN = new double[MAX_DECIMALS + 1];
    /** {@link #writeAll}'s short forms, per thread: its values' count at most, grown as needed. */
    private static final ThreadLocal<long[]> SCRATCH = ThreadLocal.withInitial(() -> new long[256]);

    static {
        double p = 1;
        for (int d = 0; d <= MAX_DECIMALS; d++) {
            POWERS_OF_TEN[d] = p;
            p *= 10;
        }
    }

    private CompactDoubles() {}

    public static void write(DataOutput out, double v) throws IOException {
        write(out, v, shortForm(v));
    }

    /** {@code v} in its short form {@code tagged} ({@link #shortForm}), or raw when that is -1. */
    private static void write(DataOutput out, double v, long tagged) throws IOException {
        if (tagged >= 0) {
            VarLongs.writeUnsigned(out, tagged);
        } else {
            out.writeByte(RAW);
            out.writeLong(Double.doubleToRawLongBits(v));
        }
    }

    /**
     * {@code v}'s short form, the varint {@link #write} writes for it, or -1 when it has none: for
     * a format that writes a value without one in its own way, finding the form once.
     */
    public static long shortFormOf(double v) {
        return shortForm(v);
    }

    /** Whether {@code v} has the short form (else {@link #write} takes 9 bytes). */
    public static boolean isShort(double v) {
        return shortForm(v) >= 0;
    }

    /** The bytes {@link #write} writes for {@code v}. */
    public static int size(double v) {
        long tagged = shortForm(v);
        return tagged < 0 ? 9 : varintSize(tagged);
    }

    private static int varintSize(long v) {
        return (64 - Long.numberOfLeadingZeros(v | 1) + 6) / 7;
    }

    /**
     * The short form's varint, {@code zigzag(m) << 4 | d}, or -1 when {@code v} has none.
     *
     * <p>Most values of a continuous feature or a score have none, and trying every {@code d}
     * (a multiply, a rounding and a divide each) was a tenth of a low-traffic model's CPU. So one
     * try decides first, at the most decimals {@code D} that keep {@code |v * 10^D|} below
     * {@code 2^50}: if {@code v = m / 10^d} for some {@code d <= D}, then {@code M = m * 10^(D-d)}
     * is exact, {@code v * 10^D} (two roundings of relative error {@code 2^-53} each) is within
     * a quarter of {@code M}, so it rounds to {@code M}, and {@code M / 10^D}, the same exact
     * quotient, is {@code v}. When that try fails no {@code d <= D} can succeed, and only the
     * next {@code d} can still keep {@code |m|} below {@code 2^53} (10 is more than 2^53 / 2^50);
     * when it succeeds, the fewest decimals are {@code D} less the trailing zeros of {@code M}.
     * Either way the result is the one of trying every {@code d} in turn, from 0
     * ({@link #smallestShortForm}; CompactDoublesTest compares them).
     */
    static long shortForm(double v) {
        long bits = Double.doubleToRawLongBits(v);
        if (!Double.isFinite(v) || bits == Long.MIN_VALUE) {
            return -1;
        }
        int most = mostDecimals(Math.abs(v));
        if (most < 0) {
            return smallestShortForm(v, bits);
        }
        long m = Math.round(v * POWERS_OF_TEN[most]);
        if (Double.doubleToRawLongBits(m / POWERS_OF_TEN[most]) != bits) {
            int next = most + 1;
            return next <= MAX_DECIMALS ? tagged(v, bits, next) : -1;
        }
        // m is m0 * 10^(most - d0) for the fewest decimals d0 that work, and m0 is not a multiple
        // of 10 (else d0 - 1 would work): the trailing zeros of m give d0.
        // Stripped 8, 4, 2 and 1 zeros at a time (at most 14 to strip, so each step once): each
        // step takes off k zeros when both the zeros left and the decimals left are at least k.
        int d = most;
        if (d >= 8 && m % 100_000_000L == 0) {
            m /= 100_000_000L;
            d -= 8;
        }
        if (d >= 4 && m % 10_000 == 0) {
            m /= 10_000;
            d -= 4;
        }
        if (d >= 2 && m % 100 == 0) {
            m /= 100;
            d -= 2;
        }
        if (d >= 1 && m % 10 == 0) {
            m /= 10;
            d -= 1;
        }
        return tag(m, d);
    }

    /**
     * The most decimals {@code d <= MAX_DECIMALS} with {@code magnitude * 10^d} below
     * {@code 2^50} (-1: none): estimated from the binary exponent, then moved to the exact
     * boundary (the product grows with {@code d}, so the largest such {@code d} is one boundary).
     */
    private static int mostDecimals(double magnitude) {
        // magnitude < 2^(e+1), so magnitude * 10^d < 2^50 when d <= (49 - e) * log10(2).
        int e = Math.getExponent(magnitude);
        int d = (int) Math.max(-1, Math.min(MAX_DECIMALS, Math.floor((49 - e) * 0.30102999566398120)));
        while (d < MAX_DECIMALS && magnitude * POWERS_OF_TEN[d + 1] < DECIDING_MANTISSA) {
            d++;
        }
        while (d >= 0 && !(magnitude * POWERS_OF_TEN[d] < DECIDING_MANTISSA)) {
            d--;
        }
        return d;
    }

    /** The varint of the short form {@code m / 10^d}: {@code zigzag(m) << 4 | d}. */
    private static long tag(long m, int d) {
        return ((m << 1) ^ (m >> 63)) << 4 | d;
    }

    /** Below it, one try at the most decimals decides whether any fewer have the short form. */
    private static final double DECIDING_MANTISSA = 0x1p50;

    /** {@code v}'s short form with {@code d} decimals, or -1 (its mantissa too big or not exact). */
    private static long tagged(double v, long bits, int d) {
        double scaled = v * POWERS_OF_TEN[d];
        if (!(Math.abs(scaled) < MAX_MANTISSA)) {
            return -1;
        }
        long m = Math.round(scaled);
        return Double.doubleToRawLongBits(m / POWERS_OF_TEN[d]) == bits ? tag(m, d) : -1;
    }

    /** The short form with the fewest decimals, trying each in turn (the definition). */
    static long smallestShortForm(double v, long bits) {
        if (Double.isFinite(v) && bits != Long.MIN_VALUE) {
            for (int d = 0; d <= MAX_DECIMALS && Math.abs(v * POWERS_OF_TEN[d]) < MAX_MANTISSA; d++) {
                long tagged = tagged(v, bits, d);
                if (tagged >= 0) {
                    return tagged;
                }
            }
        }
        return -1;
    }

    /**
     * {@code count} values from {@code values[from]}: a byte saying how, then each value in the
     * short form, or all as their 8 bytes when that is no longer (full-precision values would
     * otherwise pay a tag byte each).
     */
    public static void writeAll(DataOutput out, double[] values, int from, int count) throws IOException {
        // Each value's short form is found once, into a buffer of the thread's (an array per
        // call was a tenth of what a low-traffic model's monitor allocated).
        long[] tagged = SCRATCH.get();
        if (tagged.length < count) {
            tagged = new long[Math.max(count, 2 * tagged.length)];
            SCRATCH.set(tagged);
        }
        long compact = 0;
        for (int i = 0; i < count; i++) {
            tagged[i] = shortForm(values[from + i]);
            compact += tagged[i] < 0 ? 9 : varintSize(tagged[i]);
        }
        if (compact < 8L * count) {
            out.writeByte(SHORT_VALUES);
            for (int i = 0; i < count; i++) {
                write(out, values[from + i], tagged[i]);
            }
        } else {
            out.writeByte(RAW_VALUES);
            for (int i = from; i < from + count; i++) {
                out.writeLong(Double.doubleToRawLongBits(values[i]));
            }
        }
    }

    /** {@code count} values written by {@link #writeAll}, into {@code into[0..count)}. */
    public static void readAll(DataInput in, double[] into, int count) throws IOException {
        byte how = in.readByte();
        if (how == SHORT_VALUES) {
            for (int i = 0; i < count; i++) {
                into[i] = read(in);
            }
        } else if (how == RAW_VALUES) {
            for (int i = 0; i < count; i++) {
                into[i] = Double.longBitsToDouble(in.readLong());
            }
        } else {
            throw new IOException("compact doubles: unknown array tag " + how);
        }
    }

    public static double read(DataInput in) throws IOException {
        long tagged = VarLongs.readUnsigned(in, "a compact double");
        int d = (int) (tagged & 0xF);
        if (d == RAW) {
            if (tagged != RAW) {
                throw new IOException("malformed compact double: raw tag " + tagged);
            }
            return Double.longBitsToDouble(in.readLong());
        }
        long z = tagged >>> 4;
        long m = (z >>> 1) ^ -(z & 1);
        return m / POWERS_OF_TEN[d];
    }

    /**
     * Shares of {@code n} values, such as a reference's bin proportions, each as the count it was
     * computed from when its bits say so: {@code c / n} (a bin counted exactly), the difference of
     * two cumulative shares {@code (k + c) / n - k / n} (a bin between two ranks of a sketch, where
     * {@code k} is the count of the shares before it) or the rest {@code 1 - k / n} (the last
     * bin). A varint of {@code c << 2 | how}; a share that is none of them is {@value #RAW_SHARE}
     * and its 8 bytes. The reader computes the same expression, so it gets the same bits.
     */
    public static void writeShares(DataOutput out, double[] shares, long n) throws IOException {
        long before = 0;
        for (double p : shares) {
            long bits = Double.doubleToRawLongBits(p);
            long c = n > 0 && p >= 0 && p <= 1 ? Math.round(p * n) : -1;
            if (c >= 0 && Double.doubleToRawLongBits((double) c / n) == bits) {
                VarLongs.writeUnsigned(out, c << 2 | RATIO);
            } else if (c >= 0 && Double.doubleToRawLongBits(difference(before, c, n)) == bits) {
                VarLongs.writeUnsigned(out, c << 2 | DIFFERENCE);
            } else if (n > 0 && Double.doubleToRawLongBits(1 - (double) before / n) == bits) {
                VarLongs.writeUnsigned(out, REST);
                c = n - before;
            } else {
                VarLongs.writeUnsigned(out, RAW_SHARE);
                out.writeLong(bits);
            }
            before += Math.max(0, c);
        }
    }

    public static void readShares(DataInput in, double[] into, long n) throws IOException {
        long before = 0;
        for (int i = 0; i < into.length; i++) {
            long tagged = VarLongs.readUnsigned(in, "compact shares");
            long c = tagged >>> 2;
            int how = (int) (tagged & 3);
            double p;
            if (how == RATIO) {
                p = (double) c / n;
            } else if (how == DIFFERENCE) {
                p = difference(before, c, n);
            } else if (how == REST && c == 0) {
                p = 1 - (double) before / n;
                c = n - before;
            } else if (tagged == RAW_SHARE) {
                p = Double.longBitsToDouble(in.readLong());
                c = n > 0 && p >= 0 && p <= 1 ? Math.round(p * n) : -1;
            } else {
                throw new IOException("compact shares: malformed share " + tagged);
            }
            into[i] = p;
            before += Math.max(0, c);
        }
    }

    /** As {@code QuantileBins.fromSketch} computes a bin's share from two ranks. */
    private static double difference(long before, long c, long n) {
        return Math.max(0, (double) (before + c) / n - (double) before / n);
    }

    /** A KLL sketch, to be read back by {@link #readKll} as the same sketch. */
    public static void writeKll(DataOutput out, KllDoublesSketch sketch) throws IOException {
        byte[] bytes = sketch.toByteArray();
        // DataSketches 6.2.0: a sketch of n >= 2 ends with min, max and the retained items; of n = 1
        // with its item; an empty one has none.
        long doubles = sketch.getN() >= 2 ? sketch.getNumRetained() + 2L : sketch.getNumRetained();
        int tail = (int) Math.min(doubles, bytes.length / 8);
        int head = bytes.length - 8 * tail;
        VarLongs.writeUnsigned(out, head);
        out.write(bytes, 0, head);
        VarLongs.writeUnsigned(out, tail);
        double[] items = new double[tail];
        for (int i = 0; i < tail; i++) {
            items[i] = Double.longBitsToDouble(littleEndianLong(bytes, head + 8 * i));
        }
        writeAll(out, items, 0, tail);
    }

    public static KllDoublesSketch readKll(DataInput in) throws IOException {
        long head = VarLongs.readUnsigned(in, "a compact KLL sketch");
        if (head < 0 || head > 1 << 20) {
            throw new IOException("compact KLL sketch: corrupt header length " + head);
        }
        byte[] first = new byte[(int) head];
        in.readFully(first);
        long tail = VarLongs.readUnsigned(in, "a compact KLL sketch");
        if (tail < 0 || tail > 1 << 24) {
            throw new IOException("compact KLL sketch: corrupt item count " + tail);
        }
        byte[] bytes = new byte[(int) (head + 8 * tail)];
        System.arraycopy(first, 0, bytes, 0, first.length);
        double[] items = new double[(int) tail];
        readAll(in, items, items.length);
        for (int i = 0; i < tail; i++) {
            putLittleEndianLong(bytes, (int) head + 8 * i, Double.doubleToRawLongBits(items[i]));
        }
        return KllDoublesSketch.heapify(Memory.wrap(bytes));
    }

    private static long littleEndianLong(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    private static void putLittleEndianLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
