package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.StateBytes;
import io.modelwatch.model.LabelOutcome;
import java.io.ByteArrayInputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The label outcomes of one model version whose label time the watermark has not reached yet, as
 * one state value: a format byte, then one record per outcome. Records are appended without
 * reading the ones already there, and the model id and version are left out (they are the state
 * key), so an outcome takes about 40 bytes (56 with a numeric segment code).
 *
 * <p>Formats: 1 (release 0.1.0, read): the records below without a segment code; 2 (read): each
 * record followed by its segment code (a long, {@code io.modelwatch.model.SegmentCodes}); 3
 * (written): then, when its flags say so (a prediction with a numeric code), the two longs of its
 * numeric code (names, values), 16 bytes. Every record of one value
 * has the value's format: {@link #append} to an older value converts it.
 */
public final class PendingOutcomes {
    private static final byte FORMAT = 3;
    private static final byte FORMAT_WITHOUT_NUMERIC_SEGMENTS = 2;
    private static final byte FORMAT_WITHOUT_SEGMENTS = 1;
    private static final int MATCHED = 1;
    private static final int HAS_CATEGORICAL_PREDICTION = 2;
    private static final int HAS_CATEGORICAL_LABEL = 4;
    private static final int HAS_NUMERIC_CODE = 8;

    /**
     * The order in which a window's outcomes are applied, whatever order they arrived in: label
     * time, prediction time, then their bytes. The performance reference is the first labels
     * applied, so a replay must apply them in the same order.
     */
    private static final Comparator<Entry> ORDER = Comparator.<Entry>comparingLong(e -> e.outcome().labelTimestamp())
            .thenComparingLong(e -> e.outcome().predictionTimestamp())
            .thenComparing(Entry::bytes, Arrays::compare);

    private record Entry(LabelOutcome outcome, byte[] bytes) {}

    private PendingOutcomes() {}

    /** {@code existing} (null: none yet) with {@code o} appended. */
    public static byte[] append(byte[] existing, LabelOutcome o) {
        byte[] record = StateBytes.of(out -> write(out, o));
        if (existing != null && existing.length > 0 && existing[0] != FORMAT) {
            existing = rewritten(existing);
        }
        if (existing == null || existing.length == 0) {
            byte[] b = new byte[record.length + 1];
            b[0] = FORMAT;
            System.arraycopy(record, 0, b, 1, record.length);
            return b;
        }
        byte[] b = Arrays.copyOf(existing, existing.length + record.length);
        System.arraycopy(record, 0, b, existing.length, record.length);
        return b;
    }

    /** A value of an older format in the current format (model id and version are not in the bytes). */
    private static byte[] rewritten(byte[] older) {
        List<LabelOutcome> outcomes = read(older, "", "");
        byte[] b = new byte[] {FORMAT};
        for (LabelOutcome o : outcomes) {
            b = append(b, o);
        }
        return b;
    }

    /** The outcomes of several values of {@link #append} (null ones skipped) as one value. */
    public static byte[] concat(List<byte[]> parts) {
        List<byte[]> current = new ArrayList<>(parts.size());
        for (byte[] p : parts) {
            current.add(p != null && p.length > 0 && p[0] != FORMAT ? rewritten(p) : p);
        }
        parts = current;
        int length = 1;
        for (byte[] p : parts) {
            length += p == null || p.length == 0 ? 0 : p.length - 1;
        }
        byte[] b = new byte[length];
        b[0] = FORMAT;
        int at = 1;
        for (byte[] p : parts) {
            if (p != null && p.length > 1) {
                System.arraycopy(p, 1, b, at, p.length - 1);
                at += p.length - 1;
            }
        }
        return b;
    }

    /** The outcomes of {@code bytes}, of the given model version, in {@link #ORDER}. */
    public static List<LabelOutcome> read(byte[] bytes, String modelId, String modelVersion) {
        try {
            int format = bytes[0];
            if (format != FORMAT && format != FORMAT_WITHOUT_NUMERIC_SEGMENTS && format != FORMAT_WITHOUT_SEGMENTS) {
                throw new IOException("PendingOutcomes: unknown format " + bytes[0]);
            }
            List<Entry> entries = new ArrayList<>();
            ByteArrayInputStream records = new ByteArrayInputStream(bytes, 1, bytes.length - 1);
            DataInputStream in = new DataInputStream(records);
            while (records.available() > 0) {
                int from = bytes.length - records.available();
                LabelOutcome o = read(in, modelId, modelVersion, format);
                entries.add(new Entry(o, Arrays.copyOfRange(bytes, from, bytes.length - records.available())));
            }
            entries.sort(ORDER);
            List<LabelOutcome> outcomes = new ArrayList<>(entries.size());
            for (Entry e : entries) {
                outcomes.add(e.outcome());
            }
            return outcomes;
        } catch (EOFException e) {
            throw new UncheckedIOException("PendingOutcomes: truncated record", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(DataOutput out, LabelOutcome o) throws IOException {
        int flags = (o.matched() ? MATCHED : 0)
                | (o.categoricalPrediction() != null ? HAS_CATEGORICAL_PREDICTION : 0)
                | (o.categoricalLabel() != null ? HAS_CATEGORICAL_LABEL : 0)
                | (o.numericNames() != 0 ? HAS_NUMERIC_CODE : 0);
        out.writeByte(flags);
        out.writeLong(o.predictionTimestamp());
        out.writeLong(o.labelTimestamp());
        out.writeByte(o.predictionKind());
        out.writeDouble(o.numericPrediction());
        if (o.categoricalPrediction() != null) {
            out.writeUTF(o.categoricalPrediction());
        }
        out.writeByte(o.labelKind());
        out.writeDouble(o.numericLabel());
        if (o.categoricalLabel() != null) {
            out.writeUTF(o.categoricalLabel());
        }
        out.writeLong(o.segments());
        if (o.numericNames() != 0) {
            out.writeLong(o.numericNames());
            out.writeLong(o.numericValues());
        }
    }

    private static LabelOutcome read(DataInput in, String modelId, String modelVersion, int format)
            throws IOException {
        int flags = in.readByte();
        long predictionTimestamp = in.readLong();
        long labelTimestamp = in.readLong();
        byte predictionKind = in.readByte();
        double numericPrediction = in.readDouble();
        String categoricalPrediction = (flags & HAS_CATEGORICAL_PREDICTION) != 0 ? in.readUTF() : null;
        byte labelKind = in.readByte();
        double numericLabel = in.readDouble();
        String categoricalLabel = (flags & HAS_CATEGORICAL_LABEL) != 0 ? in.readUTF() : null;
        long segments = format >= FORMAT_WITHOUT_NUMERIC_SEGMENTS ? in.readLong() : 0L;
        boolean numeric = format >= FORMAT && (flags & HAS_NUMERIC_CODE) != 0;
        long numericNames = numeric ? in.readLong() : 0L;
        long numericValues = numeric ? in.readLong() : 0L;
        return new LabelOutcome((flags & MATCHED) != 0 ? LabelOutcome.MATCHED : LabelOutcome.EXPIRED, modelId,
                modelVersion, predictionTimestamp, labelTimestamp, predictionKind, numericPrediction,
                categoricalPrediction, labelKind, numericLabel, categoricalLabel, segments, numericNames, numericValues);
    }
}
