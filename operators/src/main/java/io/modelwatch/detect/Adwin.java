package io.modelwatch.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * ADWIN, ADaptive WINdowing (Bifet, A. and Gavalda, R. (2007), "Learning from time-changing data
 * with adaptive windowing", SIAM SDM 2007), in its ADWIN2 form: a window of the most recent
 * values that drops its oldest part whenever two sub-windows {@code W0 | W1} (older | newer) have
 * means that differ by more than
 *
 * <pre>  eps_cut = sqrt((2/m) var_W ln(2/delta')) + (2/(3m)) ln(2/delta'),   1/m = 1/n0 + 1/n1</pre>
 *
 * with {@code delta' = delta / ln(n)} (the paper's practical bound, section 4: a Bernstein-type
 * bound using the window's variance, with {@code delta} split over the O(log n) cut points
 * checked). A shrink is a detected change; the window then holds only data since the change.
 *
 * <p>The window is an exponential histogram: row {@code i} holds up to {@code maxBuckets}
 * buckets of {@code 2^i} values each (sum and variance), so memory and time per value are
 * O(maxBuckets log n) and only bucket boundaries are candidate cuts. Values should lie in a
 * bounded range (the guarantees are for [0, 1]). As in the paper's implementation, cuts are
 * checked every {@code clock} values and only when both sides hold at least
 * {@code minSubWindow} values.
 */
public final class Adwin {
    private static final byte FORMAT = 1;

    private final double delta;
    private final int maxBuckets;
    private final int clock;
    private final int minSubWindow;

    /** rows.get(i): buckets of 2^i values, oldest first; each bucket {sum, variance (M2)}. */
    private final List<List<double[]>> rows = new ArrayList<>();
    private long width;
    private double total;
    private double m2;
    private long ticks;
    private long detections;

    /** The paper's defaults: delta 0.002, 5 buckets per row, a check every 32 values, sub-windows of 5. */
    public Adwin() {
        this(0.002, 5, 32, 5);
    }

    public Adwin(double delta, int maxBuckets, int clock, int minSubWindow) {
        if (!(delta > 0 && delta < 1) || maxBuckets < 2 || clock < 1 || minSubWindow < 1) {
            throw new IllegalArgumentException("delta in (0, 1), maxBuckets >= 2, clock >= 1, minSubWindow >= 1");
        }
        this.delta = delta;
        this.maxBuckets = maxBuckets;
        this.clock = clock;
        this.minSubWindow = minSubWindow;
    }

    /**
     * Adds a value.
     *
     * @return whether the window shrank, i.e. a change was detected
     */
    public boolean add(double x) {
        // Welford / Chan update of the window's sum of squared deviations.
        if (width > 0) {
            double mean = total / width;
            m2 += (x - mean) * (x - mean) * width / (width + 1);
        }
        width++;
        total += x;
        if (rows.isEmpty()) {
            rows.add(new ArrayList<>());
        }
        rows.get(0).add(new double[] {x, 0});
        compress();
        ticks++;
        if (ticks % clock == 0 && width >= 2L * minSubWindow) {
            return detect();
        }
        return false;
    }

    /** Merges the two oldest buckets of any row that holds more than {@code maxBuckets}. */
    private void compress() {
        for (int i = 0; i < rows.size(); i++) {
            List<double[]> row = rows.get(i);
            if (row.size() <= maxBuckets) {
                break;
            }
            double[] a = row.remove(0);
            double[] b = row.remove(0);
            double n = Math.pow(2, i);
            double meanA = a[0] / n;
            double meanB = b[0] / n;
            // Chan et al.: M2 = M2a + M2b + (meanA - meanB)^2 * n * n / (2n)
            double[] merged = {a[0] + b[0], a[1] + b[1] + (meanA - meanB) * (meanA - meanB) * n / 2};
            if (i + 1 == rows.size()) {
                rows.add(new ArrayList<>());
            }
            rows.get(i + 1).add(merged);
        }
    }

    private boolean detect() {
        boolean shrank = false;
        boolean cut;
        do {
            cut = false;
            double n0 = 0;
            double sum0 = 0;
            double n1 = width;
            double sum1 = total;
            double variance = m2 / width;
            double lnN = Math.log(width);
            double lnTerm = Math.log(2 * lnN / delta);
            // Walk from the oldest bucket to the newest; every boundary is a candidate cut.
            outer:
            for (int i = rows.size() - 1; i >= 0; i--) {
                double size = Math.pow(2, i);
                for (double[] bucket : rows.get(i)) {
                    n0 += size;
                    n1 -= size;
                    sum0 += bucket[0];
                    sum1 -= bucket[0];
                    if (n1 < minSubWindow) {
                        break outer;
                    }
                    if (n0 < minSubWindow) {
                        continue;
                    }
                    double invM = 1 / n0 + 1 / n1;
                    double eps = Math.sqrt(2 * invM * variance * lnTerm) + 2.0 / 3 * invM * lnTerm;
                    if (Math.abs(sum0 / n0 - sum1 / n1) > eps) {
                        cut = true;
                        break outer;
                    }
                }
            }
            if (cut) {
                dropOldest();
                shrank = true;
            }
        } while (cut && width >= 2L * minSubWindow);
        if (shrank) {
            detections++;
        }
        return shrank;
    }

    /** Removes the oldest bucket from the window, correcting sum and M2 exactly. */
    private void dropOldest() {
        int top = rows.size() - 1;
        List<double[]> row = rows.get(top);
        double[] b = row.remove(0);
        if (row.isEmpty()) {
            rows.remove(top);
        }
        double nA = Math.pow(2, top);
        double n = width;
        double nB = n - nA;
        double meanA = b[0] / nA;
        double meanB = (total - b[0]) / nB;
        m2 = Math.max(0, m2 - b[1] - (meanA - meanB) * (meanA - meanB) * nA * nB / n);
        total -= b[0];
        width -= (long) nA;
    }

    /** Values in the current window. */
    public long width() {
        return width;
    }

    /** Mean of the current window; NaN when empty. */
    public double mean() {
        return width == 0 ? Double.NaN : total / width;
    }

    /** Changes detected so far. */
    public long detections() {
        return detections;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeDouble(delta);
        out.writeInt(maxBuckets);
        out.writeInt(clock);
        out.writeInt(minSubWindow);
        out.writeLong(width);
        out.writeDouble(total);
        out.writeDouble(m2);
        out.writeLong(ticks);
        out.writeLong(detections);
        out.writeInt(rows.size());
        for (List<double[]> row : rows) {
            out.writeInt(row.size());
            for (double[] b : row) {
                out.writeDouble(b[0]);
                out.writeDouble(b[1]);
            }
        }
    }

    public static Adwin readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("Adwin: unknown format " + format);
        }
        Adwin a = new Adwin(in.readDouble(), in.readInt(), in.readInt(), in.readInt());
        a.width = in.readLong();
        a.total = in.readDouble();
        a.m2 = in.readDouble();
        a.ticks = in.readLong();
        a.detections = in.readLong();
        int nRows = in.readInt();
        for (int i = 0; i < nRows; i++) {
            int n = in.readInt();
            List<double[]> row = new ArrayList<>(n);
            for (int j = 0; j < n; j++) {
                row.add(new double[] {in.readDouble(), in.readDouble()});
            }
            a.rows.add(row);
        }
        return a;
    }
}
