package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.VarLongs;

import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.sketches.StateBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Labelled outcomes per segment of one window (or of the performance reference): for each segment
 * hash ({@link SegmentCodes}) the classified predictions and how many were wrong, and the
 * regressed ones with the sum and the sum of squares of their absolute errors. An outcome counts
 * in every segment its code names, so a window's segments of one feature add up to its labels
 * (those with a value of that feature), and the segments of all features to up to eight times
 * that (four categorical features and the bins of four numeric ones).
 *
 * <p>Only the segments the dictionary admits are kept (so at most its size: 8 values x the four
 * coded categorical features and 4 bins x the four coded numeric ones); entries are sorted by hash so the bytes are the same in
 * every replay. Error is defined as in {@link PerformanceAccumulator}: a class prediction is
 * wrong when it differs from the label, a score with a binary label when {@code score >= 0.5}
 * disagrees with it, and a numeric prediction with another numeric label has the absolute error.
 *
 * <p>Format 1: format byte, entry count, then per entry the hash (short), classified, errors,
 * regressed (varints), and when regressed &gt; 0 the two error sums (doubles): about 6 bytes a
 * segment of a classifier, 22 of a regression.
 */
public final class SegmentCounts {
    private static final byte FORMAT = 1;

    /** One segment's counts. */
    public static final class Counts {
        public long classified;
        public long errors;
        public long regressed;
        public double absoluteErrorSum;
        public double squaredAbsoluteErrorSum;

        void merge(Counts o) {
            classified += o.classified;
            errors += o.errors;
            regressed += o.regressed;
            absoluteErrorSum += o.absoluteErrorSum;
            squaredAbsoluteErrorSum += o.squaredAbsoluteErrorSum;
        }
    }

    /** Which segment hashes are counted. */
    @FunctionalInterface
    public interface Allowed {
        boolean test(int hash);
    }

    private final TreeMap<Integer, Counts> segments = new TreeMap<>();

    /** Adds {@code o} to each of its categorical segments that {@code allowed} admits; unmatched outcomes count nowhere. */
    public void add(LabelOutcome o, Allowed allowed) {
        int[] hashes = new int[SegmentCodes.MAX_FEATURES];
        for (int s = 0; s < SegmentCodes.MAX_FEATURES; s++) {
            int hash = SegmentCodes.slot(o.segments(), s);
            hashes[s] = hash != 0 && allowed.test(hash) ? hash : 0;
        }
        add(o, hashes);
    }

    /**
     * Adds {@code o} to each segment of {@code hashes} (0: none; the dictionary's
     * {@code segmentsOf}); unmatched outcomes count nowhere.
     */
    public void add(LabelOutcome o, int[] hashes) {
        if (!o.matched() || !o.hasSegments()) {
            return;
        }
        Boolean wrong = null;
        double absoluteError = Double.NaN;
        if (o.predictionKind() == ValueKind.CATEGORICAL) {
            String label = o.labelKind() == ValueKind.NUMERIC
                    ? PerformanceAccumulator.numberText(o.numericLabel()) : o.categoricalLabel();
            wrong = !o.categoricalPrediction().equals(label);
        } else {
            Boolean binary = PerformanceAccumulator.binary(o);
            if (binary != null) {
                wrong = (o.numericPrediction() >= 0.5) != binary;
            } else if (o.labelKind() == ValueKind.NUMERIC) {
                absoluteError = Math.abs(o.numericPrediction() - o.numericLabel());
            } else {
                return;
            }
        }
        for (int hash : hashes) {
            if (hash == 0) {
                continue;
            }
            Counts c = segments.computeIfAbsent(hash, h -> new Counts());
            if (wrong != null) {
                c.classified++;
                if (wrong) {
                    c.errors++;
                }
            } else {
                c.regressed++;
                c.absoluteErrorSum += absoluteError;
                c.squaredAbsoluteErrorSum += absoluteError * absoluteError;
            }
        }
    }

    public void merge(SegmentCounts other) {
        for (Map.Entry<Integer, Counts> e : other.segments.entrySet()) {
            segments.computeIfAbsent(e.getKey(), h -> new Counts()).merge(e.getValue());
        }
    }

    /** The counts of segment {@code hash}, or null when it has none. */
    public Counts get(int hash) {
        return segments.get(hash);
    }

    public Map<Integer, Counts> segments() {
        return segments;
    }

    public boolean isEmpty() {
        return segments.isEmpty();
    }

    public byte[] toBytes() {
        return StateBytes.of(this::writeTo);
    }

    public static SegmentCounts fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, SegmentCounts::readFrom);
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        writeVarLong(out, segments.size());
        for (Map.Entry<Integer, Counts> e : segments.entrySet()) {
            Counts c = e.getValue();
            out.writeShort(e.getKey());
            writeVarLong(out, c.classified);
            writeVarLong(out, c.errors);
            writeVarLong(out, c.regressed);
            if (c.regressed > 0) {
                out.writeDouble(c.absoluteErrorSum);
                out.writeDouble(c.squaredAbsoluteErrorSum);
            }
        }
    }

    static SegmentCounts readFrom(DataInput in) throws IOException {
        int format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown segment counts format " + format);
        }
        SegmentCounts s = new SegmentCounts();
        long n = readVarLong(in);
        for (long i = 0; i < n; i++) {
            int hash = in.readUnsignedShort();
            Counts c = new Counts();
            c.classified = readVarLong(in);
            c.errors = readVarLong(in);
            c.regressed = readVarLong(in);
            if (c.regressed > 0) {
                c.absoluteErrorSum = in.readDouble();
                c.squaredAbsoluteErrorSum = in.readDouble();
            }
            s.segments.put(hash, c);
        }
        return s;
    }

    private static void writeVarLong(DataOutput out, long v) throws IOException {
        VarLongs.writeUnsigned(out, v);
    }

    private static long readVarLong(DataInput in) throws IOException {
        return VarLongs.readUnsigned(in, "segment counts");
    }
}
