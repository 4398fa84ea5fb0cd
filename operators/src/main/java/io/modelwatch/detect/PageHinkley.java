package io.modelwatch.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The Page-Hinkley test (Page 1954; Hinkley, D. V. (1971), "Inference about the change-point
 * from cumulative sum tests", Biometrika 58(3):509-523), in the two-sided form used for
 * concept-drift detection (Gama, J., Sebastiao, R. and Rodrigues, P. P. (2013), "On evaluating
 * stream learning algorithms", Machine Learning 90:317-346; as in MOA and River):
 *
 * <pre>
 *   mean_T = (x_1 + ... + x_T) / T
 *   m_T = m_(T-1) + (x_T - mean_T - delta)      PH+ = m_T - min_(t<=T) m_t
 *   n_T = n_(T-1) + (x_T - mean_T + delta)      PH- = max_(t<=T) n_t - n_T
 * </pre>
 *
 * alarming when {@code PH+} or {@code PH-} exceeds {@code lambda} after at least
 * {@code minObservations}. Deviations are taken from the stream's own running mean, not from a
 * known target: the test finds a change <em>within</em> the stream, and is indifferent to a
 * constant offset between the stream and any reference. After an alarm the test restarts.
 */
public final class PageHinkley {
    private static final byte FORMAT = 1;

    private long observations;
    private double mean;
    private double sumUp;
    private double minUp;
    private double sumDown;
    private double maxDown;
    /** The statistic right after the latest observation, before a reset (not state). */
    private transient double last;

    public PageHinkley() {}

    /**
     * Adds one observation.
     *
     * @return whether it raised an alarm (the test then restarts)
     */
    public boolean add(double x, double delta, double lambda, int minObservations) {
        observations++;
        mean += (x - mean) / observations;
        double dev = x - mean;
        sumUp += dev - delta;
        minUp = Math.min(minUp, sumUp);
        sumDown += dev + delta;
        maxDown = Math.max(maxDown, sumDown);
        last = statistic();
        if (observations >= minObservations && last > lambda) {
            reset();
            return true;
        }
        return false;
    }

    /** The larger of {@code PH+} and {@code PH-}. */
    public double statistic() {
        return Math.max(sumUp - minUp, maxDown - sumDown);
    }

    public long observations() {
        return observations;
    }

    /** The statistic right after the latest observation: at an alarm, the value that crossed {@code lambda}. */
    public double lastValue() {
        return last;
    }

    private void reset() {
        observations = 0;
        mean = 0;
        sumUp = 0;
        minUp = 0;
        sumDown = 0;
        maxDown = 0;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(observations);
        out.writeDouble(mean);
        out.writeDouble(sumUp);
        out.writeDouble(minUp);
        out.writeDouble(sumDown);
        out.writeDouble(maxDown);
    }

    public static PageHinkley readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("PageHinkley: unknown format " + format);
        }
        PageHinkley p = new PageHinkley();
        p.observations = in.readLong();
        p.mean = in.readDouble();
        p.sumUp = in.readDouble();
        p.minUp = in.readDouble();
        p.sumDown = in.readDouble();
        p.maxDown = in.readDouble();
        return p;
    }
}
