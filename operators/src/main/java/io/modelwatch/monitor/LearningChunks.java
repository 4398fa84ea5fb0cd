package io.modelwatch.monitor;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.sketches.ByteArrayDataOutput;
import io.modelwatch.stats.sketches.CompactDoubles;
import io.modelwatch.stats.sketches.StateBytes;
import io.modelwatch.stats.sketches.VarLongs;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The events added to a reference being learned since its profile was last written whole: the
 * entries of keyed state "learningChunks" ({@link MonitorStateDescriptors#learningChunks()}), one
 * per write-back, beside the profile in "learning".
 *
 * <p>Why events and not a profile of them: a profile of the new events merged into the written
 * one is not the profile that took all the events in order. Welford's moments merged by Chan's
 * formula differ in their last bits, a KLL sketch merged from one past its k compacts other
 * items, a Space-Saving summary merged past its capacity keeps other counters (measured in
 * {@code LearningChunksTest}). Replaying the events through {@link ModelProfile#add(PredictionEvent)},
 * in their order, into the profile read back makes the same calls on the same state, so the
 * learned reference is the same, byte for byte, as if the profile had been written whole.
 *
 * <p>Format 1: a format byte, the number of events, then per event its timestamp, its feature
 * names (or a flag: the same as the event before), each feature's kind and value, and the
 * prediction's kind and value. Only what {@link ModelProfile#add(PredictionEvent)} reads is kept.
 * Format 2 is the same in fewer bytes: the number of events as a varint, each timestamp as the
 * signed varint of its difference from the one before (events of a chunk are seconds apart), a
 * numeric value as a {@link CompactDoubles} (a 4-decimal value in about 3 bytes, a flag in 1,
 * instead of 8; one without the short form as its 8 bytes after the kind byte 0x81), and a category as its index in the chunk's table of categories (a varint: 0 for
 * none, one more than the index otherwise; a new category is written once, after the index the
 * table gives it). Where a chunk extends a profile whose feature names the reader knows (a
 * pending span's chunk, {@link OpenWindow}), names equal to those are a flag.
 */
public final class LearningChunks {
    private static final byte FORMAT = 2;
    private static final byte FORMAT_1 = 1;
    private static final byte NEW_NAMES = 0;
    private static final byte SAME_NAMES = 1;
    /** The names the reader was given ({@code knownNames}): those of the profile the chunk extends. */
    private static final byte KNOWN_NAMES = 2;
    /**
     * Format 2's kind byte of a numeric value written as its 8 bytes (a full-precision double):
     * no {@link ValueKind} has it, and the value costs what it cost in format 1.
     */
    private static final byte NUMERIC_RAW = (byte) 0x81;

    private LearningChunks() {}

    /** The chunk of {@code events}, in their order. */
    public static byte[] of(List<PredictionEvent> events) {
        return of(events, null);
    }

    /** The chunk of {@code events}, their feature names written as a flag where they are {@code knownNames}. */
    public static byte[] of(List<PredictionEvent> events, String[] knownNames) {
        return StateBytes.of(out -> writeTo(events, out, knownNames));
    }

    /**
     * Writes the chunk of {@code events}, in their order, to {@code out} (inside a larger record),
     * an event's feature names as a flag when they are {@code knownNames} (null: none), which the
     * reader must then be given: a pending span's chunk of a window of one event is mostly its two
     * dozen names otherwise.
     */
    static void writeTo(List<PredictionEvent> events, DataOutput out, String[] knownNames) throws IOException {
        out.writeByte(FORMAT);
        VarLongs.writeUnsigned(out, events.size());
        EventWriter w = new EventWriter(knownNames);
        for (PredictionEvent e : events) {
            w.write(out, e);
        }
    }

    /**
     * Writes a chunk's events one after the other: what an event's encoding depends on is the
     * events before it (their timestamp, names and categories).
     */
    private static final class EventWriter {
        private final String[] knownNames;
        private final Map<String, Integer> categories = new HashMap<>();
        private String[] names;
        private long previousTimestamp;

        EventWriter(String[] knownNames) {
            this.knownNames = knownNames;
        }

        void write(DataOutput out, PredictionEvent e) throws IOException {
            VarLongs.writeSigned(out, e.timestamp() - previousTimestamp);
            previousTimestamp = e.timestamp();
            String[] n = e.featureNames();
            if (n == names || Arrays.equals(n, names)) {
                out.writeByte(SAME_NAMES);
            } else if (knownNames != null && Arrays.equals(n, knownNames)) {
                out.writeByte(KNOWN_NAMES);
                names = n;
            } else {
                out.writeByte(NEW_NAMES);
                VarLongs.writeUnsigned(out, n.length);
                for (String name : n) {
                    out.writeUTF(name);
                }
                names = n;
            }
            for (int i = 0; i < n.length; i++) {
                writeValue(out, e.featureKinds()[i], e.featureKinds()[i], e.numericValues()[i],
                        e.categoricalValues()[i], categories);
            }
            // ModelProfile.add reads the numeric prediction for NUMERIC and the categorical one otherwise.
            writeValue(out, e.predictionKind(),
                    e.predictionKind() == ValueKind.NUMERIC ? ValueKind.NUMERIC : ValueKind.CATEGORICAL,
                    e.numericPrediction(), e.categoricalPrediction(), categories);
        }
    }

    /**
     * A chunk built as its events come, each encoded once: {@link #writeTo(DataOutput)} writes
     * the bytes {@link #writeTo} writes for the events added so far. An open
     * window that keeps its events is written to state at every checkpoint while it is open, and
     * as a chunk of its span when it closes: encoded afresh each time, its events were encoded
     * some six times each at one event every ten seconds.
     */
    static final class Encoder {
        private final EventWriter writer = new EventWriter(null);
        private final ByteArrayDataOutput body = new ByteArrayDataOutput(64);
        private int count;

        /** The events encoded so far. */
        int count() {
            return count;
        }

        void add(PredictionEvent e) {
            try {
                writer.write(body, e);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            count++;
        }

        void writeTo(DataOutput out) throws IOException {
            out.writeByte(FORMAT);
            VarLongs.writeUnsigned(out, count);
            body.copyTo(out);
        }
    }

    /** The kind byte ({@link #NUMERIC_RAW} for a value without the short form), then the value. */
    private static void writeValue(DataOutput out, byte kindByte, byte kind, double x, String s,
            Map<String, Integer> categories) throws IOException {
        if (kind == ValueKind.NUMERIC) {
            long shortForm = CompactDoubles.shortFormOf(x);
            if (shortForm < 0) {
                out.writeByte(NUMERIC_RAW);
                out.writeLong(Double.doubleToRawLongBits(x));
            } else {
                out.writeByte(kindByte);
                VarLongs.writeUnsigned(out, shortForm);
            }
            return;
        }
        out.writeByte(kindByte);
        if (kind == ValueKind.CATEGORICAL) {
            if (s == null) {
                VarLongs.writeUnsigned(out, 0);
                return;
            }
            Integer index = categories.get(s);
            if (index != null) {
                VarLongs.writeUnsigned(out, index + 1L);
            } else {
                VarLongs.writeUnsigned(out, categories.size() + 1L);
                categories.put(s, categories.size());
                out.writeUTF(s);
            }
        }
    }

    /** Adds the chunk's events, in their order, to {@code profile}; returns how many. */
    public static int replay(byte[] chunk, ModelProfile profile) {
        return replay(chunk, profile, null);
    }

    /** As {@link #replay(byte[], ModelProfile)} for a chunk written with {@code knownNames}. */
    public static int replay(byte[] chunk, ModelProfile profile, String[] knownNames) {
        return StateBytes.read(chunk, in -> readFrom(in, profile::add, knownNames));
    }

    /** The number of events in a chunk, without replaying it. */
    public static int events(byte[] chunk) {
        return StateBytes.read(chunk, in -> readCount(in, readFormat(in)));
    }

    private static byte readFormat(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT && format != FORMAT_1) {
            throw new IOException("LearningChunks: unknown format " + format);
        }
        return format;
    }

    private static int readCount(DataInput in, byte format) throws IOException {
        long count = format == FORMAT ? VarLongs.readUnsigned(in, "LearningChunks") : in.readInt();
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw new IOException("LearningChunks: corrupt event count " + count);
        }
        return (int) count;
    }

    /**
     * Reads a chunk written by {@link #writeTo} (with {@code knownNames}, or null) and gives its
     * events, in their order, to {@code sink}; returns how many.
     */
    static int readFrom(DataInput in, Consumer<PredictionEvent> sink, String[] knownNames) throws IOException {
        byte format = readFormat(in);
        boolean compact = format == FORMAT;
        int count = readCount(in, format);
        String[] names = null;
        List<String> categories = new ArrayList<>();
        long timestamp = 0;
        for (int k = 0; k < count; k++) {
            timestamp = compact ? timestamp + VarLongs.readSigned(in, "LearningChunks") : in.readLong();
            byte namesTag = in.readByte();
            if (namesTag == NEW_NAMES) {
                long n = compact ? VarLongs.readUnsigned(in, "LearningChunks") : in.readInt();
                if (n < 0 || n > Integer.MAX_VALUE) {
                    throw new IOException("LearningChunks: corrupt feature count " + n);
                }
                names = new String[(int) n];
                for (int i = 0; i < n; i++) {
                    names[i] = in.readUTF();
                }
            } else if (namesTag == KNOWN_NAMES && knownNames != null) {
                names = knownNames;
            } else if (namesTag != SAME_NAMES || names == null) {
                throw new IOException("LearningChunks: bad names tag " + namesTag);
            }
            int n = names.length;
            byte[] kinds = new byte[n];
            double[] numeric = new double[n];
            String[] categorical = new String[n];
            for (int i = 0; i < n; i++) {
                kinds[i] = in.readByte();
                if (compact && kinds[i] == NUMERIC_RAW) {
                    kinds[i] = ValueKind.NUMERIC;
                    numeric[i] = Double.longBitsToDouble(in.readLong());
                } else if (kinds[i] == ValueKind.NUMERIC) {
                    numeric[i] = compact ? CompactDoubles.read(in) : in.readDouble();
                } else if (kinds[i] == ValueKind.CATEGORICAL) {
                    categorical[i] = readCategory(in, compact, categories);
                }
            }
            byte predictionKind = in.readByte();
            double numericPrediction = 0;
            String categoricalPrediction = null;
            if (compact && predictionKind == NUMERIC_RAW) {
                predictionKind = ValueKind.NUMERIC;
                numericPrediction = Double.longBitsToDouble(in.readLong());
            } else if (predictionKind == ValueKind.NUMERIC) {
                numericPrediction = compact ? CompactDoubles.read(in) : in.readDouble();
            } else {
                categoricalPrediction = readCategory(in, compact, categories);
            }
            sink.accept(new PredictionEvent("", "", null, timestamp, names, kinds, numeric, categorical,
                    predictionKind, numericPrediction, categoricalPrediction));
        }
        return count;
    }

    private static String readCategory(DataInput in, boolean compact, List<String> categories) throws IOException {
        if (!compact) {
            return in.readBoolean() ? in.readUTF() : null;
        }
        long index = VarLongs.readUnsigned(in, "LearningChunks");
        if (index == 0) {
            return null;
        }
        if (index <= categories.size()) {
            return categories.get((int) index - 1);
        }
        if (index != categories.size() + 1L) {
            throw new IOException("LearningChunks: category index " + index + " past the table's " + categories.size());
        }
        String s = in.readUTF();
        categories.add(s);
        return s;
    }
}
