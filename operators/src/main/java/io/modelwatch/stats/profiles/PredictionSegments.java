package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.CompactDoubles;
import io.modelwatch.stats.sketches.VarLongs;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The prediction per segment of a span of events ({@link SegmentPlan}): for each segment, and for
 * all events with a usable prediction (the last cell), the count, the sum and the sum of squares
 * of the prediction's quantity. Three numbers a segment, added in event order, so the same events
 * give the same bytes; mergeable, so low-traffic windows combine and a reference is summed from
 * windows.
 */
public final class PredictionSegments {
    /**
     * Format 1: the number of segments, then count, sum and sum of squares per cell, the total last,
     * as 8-byte doubles. Format 2: the number as a varint and every cell's numbers as
     * {@link CompactDoubles}: a count in a byte or two, an empty segment (a window of 60 events
     * leaves most of a plan's 70 segments empty) in three bytes instead of 24, a sum of a few
     * 4-decimal predictions often short too, any other sum in 9 bytes.
     */
    private static final byte FORMAT = 2;
    private static final byte FORMAT_1 = 1;
    /** A sanity bound on state read back: far above any plan (4 x 8 + 4 x 10 segments). */
    private static final int MAX_CELLS = 4096;

    private final int segments;
    /** count, sum, sum of squares per segment, then of all events; counts are exact as doubles up to 2^53. */
    private final double[] cells;

    public PredictionSegments(int segments) {
        this.segments = segments;
        this.cells = new double[3 * (segments + 1)];
    }

    /** Adds an event's prediction quantity {@code y} to all events. */
    public void addTotal(double y) {
        int i = 3 * segments;
        cells[i]++;
        cells[i + 1] += y;
        cells[i + 2] += y * y;
    }

    /** Adds an event's prediction quantity {@code y} to segment {@code cell}. */
    public void add(int cell, double y) {
        int i = 3 * cell;
        cells[i]++;
        cells[i + 1] += y;
        cells[i + 2] += y * y;
    }

    /** Adds {@code other}'s counts; one with another number of segments (another plan) is ignored. */
    public void merge(PredictionSegments other) {
        if (other == null || other.segments != segments) {
            return;
        }
        for (int i = 0; i < cells.length; i++) {
            cells[i] += other.cells[i];
        }
    }

    /**
     * The summary of {@code segments} segments from its cells: one row of count, sum and sum of
     * squares per segment, then one for all events ({@link #cell}).
     */
    public static PredictionSegments of(int segments, double[][] rows) {
        if (segments < 0 || segments > MAX_CELLS || rows.length != segments + 1) {
            throw new IllegalArgumentException((segments + 1) + " rows of [count, sum, sum of squares] expected, "
                    + rows.length + " given");
        }
        PredictionSegments p = new PredictionSegments(segments);
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != 3) {
                throw new IllegalArgumentException("row " + i + ": [count, sum, sum of squares] expected");
            }
            System.arraycopy(rows[i], 0, p.cells, 3 * i, 3);
        }
        return p;
    }

    /** Row {@code i} (a segment, or {@link #segments()} for all events): count, sum, sum of squares. */
    public double[] cell(int i) {
        return new double[] {count(i), sum(i), sumOfSquares(i)};
    }

    public PredictionSegments copy() {
        PredictionSegments c = new PredictionSegments(segments);
        System.arraycopy(cells, 0, c.cells, 0, cells.length);
        return c;
    }

    public int segments() {
        return segments;
    }

    /** Events in segment {@code cell}; {@link #segments()} for all events. */
    public double count(int cell) {
        return cells[3 * cell];
    }

    public double sum(int cell) {
        return cells[3 * cell + 1];
    }

    public double sumOfSquares(int cell) {
        return cells[3 * cell + 2];
    }

    /** Events with a usable prediction. */
    public double total() {
        return count(segments);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        VarLongs.writeUnsigned(out, segments);
        for (double c : cells) {
            CompactDoubles.write(out, c);
        }
    }

    public static PredictionSegments readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT && format != FORMAT_1) {
            throw new IOException("PredictionSegments: unknown format " + format);
        }
        boolean compact = format == FORMAT;
        long n = compact ? VarLongs.readUnsigned(in, "PredictionSegments") : in.readInt();
        if (n < 0 || n > MAX_CELLS) {
            throw new IOException("PredictionSegments: " + n + " segments, at most " + MAX_CELLS);
        }
        PredictionSegments p = new PredictionSegments((int) n);
        for (int i = 0; i < p.cells.length; i++) {
            p.cells[i] = compact ? CompactDoubles.read(in) : in.readDouble();
        }
        return p;
    }
}
