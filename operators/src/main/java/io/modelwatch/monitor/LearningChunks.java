package io.modelwatch.monitor;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.sketches.StateBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

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
 */
public final class LearningChunks {
    private static final byte FORMAT = 1;
    private static final byte NEW_NAMES = 0;
    private static final byte SAME_NAMES = 1;

    private LearningChunks() {}

    /** The chunk of {@code events}, in their order. */
    public static byte[] of(List<PredictionEvent> events) {
        return StateBytes.of(out -> write(events, out));
    }

    private static void write(List<PredictionEvent> events, DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(events.size());
        String[] names = null;
        for (PredictionEvent e : events) {
            out.writeLong(e.timestamp());
            String[] n = e.featureNames();
            if (n == names || Arrays.equals(n, names)) {
                out.writeByte(SAME_NAMES);
            } else {
                out.writeByte(NEW_NAMES);
                out.writeInt(n.length);
                for (String name : n) {
                    out.writeUTF(name);
                }
                names = n;
            }
            for (int i = 0; i < n.length; i++) {
                byte kind = e.featureKinds()[i];
                out.writeByte(kind);
                writeValue(out, kind, e.numericValues()[i], e.categoricalValues()[i]);
            }
            out.writeByte(e.predictionKind());
            // ModelProfile.add reads the numeric prediction for NUMERIC and the categorical one otherwise.
            writeValue(out, e.predictionKind() == ValueKind.NUMERIC ? ValueKind.NUMERIC : ValueKind.CATEGORICAL,
                    e.numericPrediction(), e.categoricalPrediction());
        }
    }

    private static void writeValue(DataOutput out, byte kind, double x, String s) throws IOException {
        if (kind == ValueKind.NUMERIC) {
            out.writeDouble(x);
        } else if (kind == ValueKind.CATEGORICAL) {
            out.writeBoolean(s != null);
            if (s != null) {
                out.writeUTF(s);
            }
        }
    }

    /** Adds the chunk's events, in their order, to {@code profile}; returns how many. */
    public static int replay(byte[] chunk, ModelProfile profile) {
        return StateBytes.read(chunk, in -> read(in, profile));
    }

    /** The number of events in a chunk, without replaying it. */
    public static int events(byte[] chunk) {
        return StateBytes.read(chunk, in -> {
            readFormat(in);
            return in.readInt();
        });
    }

    private static void readFormat(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("LearningChunks: unknown format " + format);
        }
    }

    private static int read(DataInput in, ModelProfile profile) throws IOException {
        readFormat(in);
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("LearningChunks: negative event count " + count);
        }
        String[] names = null;
        for (int k = 0; k < count; k++) {
            long timestamp = in.readLong();
            byte namesTag = in.readByte();
            if (namesTag == NEW_NAMES) {
                int n = in.readInt();
                if (n < 0) {
                    throw new IOException("LearningChunks: negative feature count " + n);
                }
                names = new String[n];
                for (int i = 0; i < n; i++) {
                    names[i] = in.readUTF();
                }
            } else if (namesTag != SAME_NAMES || names == null) {
                throw new IOException("LearningChunks: bad names tag " + namesTag);
            }
            int n = names.length;
            byte[] kinds = new byte[n];
            double[] numeric = new double[n];
            String[] categorical = new String[n];
            for (int i = 0; i < n; i++) {
                kinds[i] = in.readByte();
                if (kinds[i] == ValueKind.NUMERIC) {
                    numeric[i] = in.readDouble();
                } else if (kinds[i] == ValueKind.CATEGORICAL && in.readBoolean()) {
                    categorical[i] = in.readUTF();
                }
            }
            byte predictionKind = in.readByte();
            double numericPrediction = 0;
            String categoricalPrediction = null;
            if (predictionKind == ValueKind.NUMERIC) {
                numericPrediction = in.readDouble();
            } else if (in.readBoolean()) {
                categoricalPrediction = in.readUTF();
            }
            profile.add(new PredictionEvent("", "", null, timestamp, names, kinds, numeric, categorical,
                    predictionKind, numericPrediction, categoricalPrediction));
        }
        return count;
    }
}
