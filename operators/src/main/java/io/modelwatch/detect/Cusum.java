package io.modelwatch.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Two-sided tabular CUSUM (Page, E. S. (1954), "Continuous inspection schemes", Biometrika
 * 41(1/2):100-115; in the tabular form of Montgomery, D. C., "Introduction to Statistical Quality
 * Control", ch. 9):
 *
 * <pre>  C+_t = max(0, C+_(t-1) + (x_t - target) - k)      C-_t = max(0, C-_(t-1) - (x_t - target) - k)</pre>
 *
 * alarming when either exceeds {@code h}. {@code k} (the allowance, or reference value) is what
 * a deviation must exceed before it accumulates at all; {@code h} (the decision interval) is how
 * much excess must accumulate. Both are in the units of {@code x}. After an alarm both sums
 * restart from 0, so a persisting change alarms again after another {@code h} of evidence.
 *
 * <p>The target is known (the reference's), which is what distinguishes CUSUM from
 * {@link PageHinkley}: CUSUM asks "has the stream left the reference?", Page-Hinkley "has the
 * stream changed since it started?".
 */
public final class Cusum {
    private static final byte FORMAT = 1;

    private double upper;
    private double lower;
    private long observations;
    /** The statistic right after the latest observation, before a reset (not state). */
    private transient double last;

    public Cusum() {}

    /**
     * Adds one observation.
     *
     * @return whether this observation made a sum exceed {@code h} (the sums are then reset)
     */
    public boolean add(double x, double target, double k, double h) {
        observations++;
        upper = Math.max(0, upper + (x - target) - k);
        lower = Math.max(0, lower - (x - target) - k);
        last = Math.max(upper, lower);
        if (upper > h || lower > h) {
            upper = 0;
            lower = 0;
            return true;
        }
        return false;
    }

    /** The larger of the two sums: how far along the way to an alarm the detector is. */
    public double statistic() {
        return Math.max(upper, lower);
    }

    /** The statistic right after the latest observation: at an alarm, the value that crossed {@code h}. */
    public double lastValue() {
        return last;
    }

    public double upper() {
        return upper;
    }

    public double lower() {
        return lower;
    }

    public long observations() {
        return observations;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeDouble(upper);
        out.writeDouble(lower);
        out.writeLong(observations);
    }

    public static Cusum readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("Cusum: unknown format " + format);
        }
        Cusum c = new Cusum();
        c.upper = in.readDouble();
        c.lower = in.readDouble();
        c.observations = in.readLong();
        return c;
    }
}
