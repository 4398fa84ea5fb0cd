package io.modelwatch.labels;

import io.modelwatch.batching.WireSerializer;
import io.modelwatch.batching.WireStrings;
import io.modelwatch.stats.sketches.VarLongs;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The state format of a prediction waiting for its label ({@link LabelJoinFunction}'s
 * {@code waitingPrediction} state): only what the key (modelId + predictionId) does not hold.
 * Flink's POJO serializer, which the earlier {@code prediction} state used, wrote both ids again,
 * a null marker before every field and every field whatever its value.
 *
 * <p>Format 1, in order:
 * <ol>
 *   <li>a header byte: the format (1) in the top three bits, then which of the optional fields
 *       follow (bit 0 segments, 1 numericNames, 2 numericValues, 3 numericPrediction,
 *       4 categoricalPrediction): each is written only when it is not 0 (+0.0, null), so a
 *       prediction without segments does not pay for them;</li>
 *   <li>the model version as Flink writes strings (null allowed);</li>
 *   <li>the timestamp, zig-zag varint (epoch milliseconds of today: 6 bytes, not 8);</li>
 *   <li>the prediction kind, a byte;</li>
 *   <li>the optional fields present, in the order of their bits: longs and the double in 8 bytes
 *       (the prediction exactly as it came), the category as Flink writes strings.</li>
 * </ol>
 * A reader of a later build meets the format in the header and reads every format it knows; this
 * build knows format 1 and fails on any other with a message, never guessing.
 */
public final class WaitingPredictionSerializer extends WireSerializer<WaitingPrediction> {
    public static final WaitingPredictionSerializer INSTANCE = new WaitingPredictionSerializer();

    static final int FORMAT = 1;
    private static final int SEGMENTS = 1;
    private static final int NUMERIC_NAMES = 1 << 1;
    private static final int NUMERIC_VALUES = 1 << 2;
    private static final int NUMERIC_PREDICTION = 1 << 3;
    private static final int CATEGORICAL_PREDICTION = 1 << 4;

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public WaitingPrediction createInstance() {
        return new WaitingPrediction(null, 0, (byte) 0, 0, null, 0, 0, 0);
    }

    @Override
    public WaitingPrediction copy(WaitingPrediction from) {
        return from; // a record of immutable fields
    }

    @Override
    public void serialize(WaitingPrediction p, DataOutputView out) throws IOException {
        long prediction = Double.doubleToRawLongBits(p.numericPrediction());
        int flags = (p.segments() != 0 ? SEGMENTS : 0)
                | (p.numericNames() != 0 ? NUMERIC_NAMES : 0)
                | (p.numericValues() != 0 ? NUMERIC_VALUES : 0)
                | (prediction != 0 ? NUMERIC_PREDICTION : 0)
                | (p.categoricalPrediction() != null ? CATEGORICAL_PREDICTION : 0);
        out.writeByte(FORMAT << 5 | flags);
        WireStrings.write(p.modelVersion(), out);
        VarLongs.writeSigned(out, p.timestamp());
        out.writeByte(p.predictionKind());
        if ((flags & SEGMENTS) != 0) {
            out.writeLong(p.segments());
        }
        if ((flags & NUMERIC_NAMES) != 0) {
            out.writeLong(p.numericNames());
        }
        if ((flags & NUMERIC_VALUES) != 0) {
            out.writeLong(p.numericValues());
        }
        if ((flags & NUMERIC_PREDICTION) != 0) {
            out.writeLong(prediction);
        }
        if ((flags & CATEGORICAL_PREDICTION) != 0) {
            WireStrings.write(p.categoricalPrediction(), out);
        }
    }

    @Override
    public WaitingPrediction deserialize(DataInputView in) throws IOException {
        int header = in.readUnsignedByte();
        int format = header >>> 5;
        if (format != FORMAT) {
            throw new IOException("waitingPrediction state: format " + format + " is not known to this build (it reads "
                    + FORMAT + ")");
        }
        String modelVersion = WireStrings.read(in);
        long timestamp = VarLongs.readSigned(in, "waitingPrediction state");
        byte kind = in.readByte();
        long segments = (header & SEGMENTS) != 0 ? in.readLong() : 0;
        long numericNames = (header & NUMERIC_NAMES) != 0 ? in.readLong() : 0;
        long numericValues = (header & NUMERIC_VALUES) != 0 ? in.readLong() : 0;
        double prediction = (header & NUMERIC_PREDICTION) != 0 ? Double.longBitsToDouble(in.readLong()) : 0.0;
        String category = (header & CATEGORICAL_PREDICTION) != 0 ? WireStrings.read(in) : null;
        return new WaitingPrediction(modelVersion, timestamp, kind, prediction, category, segments, numericNames,
                numericValues);
    }

    @Override
    public TypeSerializerSnapshot<WaitingPrediction> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * No configuration: the format is in every value's header, so a later build that changes it
     * still reads the values this one wrote. Its class name is in savepoints: keep it.
     */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<WaitingPrediction> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
