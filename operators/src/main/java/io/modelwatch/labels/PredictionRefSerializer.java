package io.modelwatch.labels;

import io.modelwatch.batching.WireSerializer;
import io.modelwatch.batching.WireStrings;
import io.modelwatch.model.PredictionRef;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The wire format of predictions on their way to the label join ({@link WireTypeInfo#PREDICTION_REF}):
 * the fields in order, strings as Flink writes them (null allowed). Flink's POJO serializer, which
 * it replaces on the wire, reads and writes a record's fields by reflection and builds it through
 * its constructor reflectively: a fifth of the join's own time in a JFR profile of the default
 * mode (docs/benchmarks.md). The join keeps a waiting prediction in state without its ids
 * ({@link WaitingPredictionSerializer}).
 */
public final class PredictionRefSerializer extends WireSerializer<PredictionRef> {
    public static final PredictionRefSerializer INSTANCE = new PredictionRefSerializer();

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public PredictionRef createInstance() {
        return new PredictionRef("", "", "", 0, (byte) 0, 0, null, 0L, 0L, 0L);
    }

    @Override
    public PredictionRef copy(PredictionRef from) {
        return from; // a record of immutable fields
    }

    @Override
    public void serialize(PredictionRef p, DataOutputView out) throws IOException {
        WireStrings.write(p.modelId(), out);
        WireStrings.write(p.modelVersion(), out);
        WireStrings.write(p.predictionId(), out);
        out.writeLong(p.timestamp());
        out.writeByte(p.predictionKind());
        out.writeDouble(p.numericPrediction());
        WireStrings.write(p.categoricalPrediction(), out);
        out.writeLong(p.segments());
        out.writeLong(p.numericNames());
        out.writeLong(p.numericValues());
    }

    @Override
    public PredictionRef deserialize(DataInputView in) throws IOException {
        return new PredictionRef(WireStrings.read(in), WireStrings.read(in), WireStrings.read(in),
                in.readLong(), in.readByte(), in.readDouble(), WireStrings.read(in), in.readLong(), in.readLong(), in.readLong());
    }

    @Override
    public TypeSerializerSnapshot<PredictionRef> snapshotConfiguration() {
        return new Snapshot();
    }

    /** No configuration to snapshot; this format only crosses the network, never into state. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<PredictionRef> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
