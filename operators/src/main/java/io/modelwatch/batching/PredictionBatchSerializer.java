package io.modelwatch.batching;

import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The wire format of a {@link PredictionBatch} between the {@link EventBatcher} and the model
 * monitor. Flink's POJO serializer wrote every event whole: model id, version and all feature
 * names again for each event, and decoding those strings was the largest part of reading a batch
 * (docs/benchmarks.md). Here the model id and version are written once per batch (a batch holds
 * one model version by construction), and an event's feature names only when they differ from the
 * previous event's; the decoded events then share one names array, which lets the profiles reuse
 * their name lookup ({@code ModelProfile}). Nothing is lost: a round trip gives equal events.
 *
 * <p>Per feature one byte: its {@link ValueKind}, plus a bit each when a non-numeric feature
 * carries a numeric value or any feature a categorical value (the parser never makes those, but
 * an event built elsewhere may), so the values follow only where they exist.
 *
 * <p>Feature names, category values and class predictions are decoded through a small table per
 * thread ({@link SharedStrings}): a string equal to one decoded shortly before is that same
 * {@code String} object. The same few names and categories come in every batch, and the monitor
 * looks each up in hash maps (a feature's top-K counter, the profile's name lookup, which compares
 * a batch's names with the last one's): a string decoded afresh computes its hash, and compares
 * char by char, on every use, a shared one only on its first. The bytes read are the same.
 */
public final class PredictionBatchSerializer extends WireSerializer<PredictionBatch> {
    public static final PredictionBatchSerializer INSTANCE = new PredictionBatchSerializer();

    private static final int NAMES_AS_BEFORE = 1;
    private static final int KIND_MASK = 0x0f;
    private static final int HAS_NUMERIC = 0x40;
    private static final int HAS_CATEGORICAL = 0x20;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public PredictionBatch createInstance() {
        return new PredictionBatch("", new PredictionEvent[0]);
    }

    @Override
    public PredictionBatch copy(PredictionBatch from) {
        PredictionEvent[] events = new PredictionEvent[from.events().length];
        for (int i = 0; i < events.length; i++) {
            PredictionEvent e = from.events()[i];
            events[i] = new PredictionEvent(e.modelId(), e.modelVersion(), e.predictionId(), e.timestamp(),
                    e.featureNames().clone(), e.featureKinds().clone(), e.numericValues().clone(),
                    e.categoricalValues().clone(), e.predictionKind(), e.numericPrediction(),
                    e.categoricalPrediction());
        }
        return new PredictionBatch(from.modelKey(), events);
    }

    @Override
    public void serialize(PredictionBatch batch, DataOutputView out) throws IOException {
        PredictionEvent[] events = batch.events();
        WireStrings.write(batch.modelKey(), out);
        out.writeInt(events.length);
        if (events.length == 0) {
            return;
        }
        String modelId = events[0].modelId();
        String version = events[0].modelVersion();
        WireStrings.write(modelId, out);
        WireStrings.write(version, out);
        String[] previousNames = null;
        for (PredictionEvent e : events) {
            if (!modelId.equals(e.modelId()) || !version.equals(e.modelVersion())) {
                throw new IllegalStateException("a batch holds one model version, got " + e.modelKey()
                        + " in the batch of " + batch.modelKey());
            }
            WireStrings.write(e.predictionId(), out);
            out.writeLong(e.timestamp());
            String[] names = e.featureNames();
            boolean same = names == previousNames || Arrays.equals(names, previousNames);
            out.writeByte(same ? NAMES_AS_BEFORE : 0);
            if (!same) {
                out.writeInt(names.length);
                for (String n : names) {
                    WireStrings.write(n, out);
                }
                previousNames = names;
            }
            byte[] kinds = e.featureKinds();
            double[] numeric = e.numericValues();
            String[] categorical = e.categoricalValues();
            for (int i = 0; i < names.length; i++) {
                int kind = kinds[i];
                if ((kind & ~KIND_MASK) != 0) {
                    throw new IllegalStateException("feature kind " + kind + " does not fit the wire format");
                }
                int b = kind;
                if (kind != ValueKind.NUMERIC && numeric[i] != 0) {
                    b |= HAS_NUMERIC;
                }
                if (categorical[i] != null) {
                    b |= HAS_CATEGORICAL;
                }
                out.writeByte(b);
                if (kind == ValueKind.NUMERIC || (b & HAS_NUMERIC) != 0) {
                    out.writeDouble(numeric[i]);
                }
                if ((b & HAS_CATEGORICAL) != 0) {
                    WireStrings.write(categorical[i], out);
                }
            }
            out.writeByte(e.predictionKind());
            out.writeDouble(e.numericPrediction());
            WireStrings.write(e.categoricalPrediction(), out);
        }
    }

    @Override
    public PredictionBatch deserialize(DataInputView in) throws IOException {
        String modelKey = WireStrings.read(in);
        PredictionEvent[] events = new PredictionEvent[in.readInt()];
        if (events.length == 0) {
            return new PredictionBatch(modelKey, events);
        }
        String modelId = WireStrings.read(in);
        String version = WireStrings.read(in);
        SharedStrings strings = SharedStrings.ofThread();
        String[] names = null;
        for (int k = 0; k < events.length; k++) {
            String predictionId = WireStrings.read(in);
            long timestamp = in.readLong();
            if (in.readByte() != NAMES_AS_BEFORE) {
                names = new String[in.readInt()];
                for (int i = 0; i < names.length; i++) {
                    names[i] = strings.read(in);
                }
            }
            int n = names.length;
            byte[] kinds = new byte[n];
            double[] numeric = new double[n];
            String[] categorical = new String[n];
            for (int i = 0; i < n; i++) {
                int b = in.readByte();
                kinds[i] = (byte) (b & KIND_MASK);
                if (kinds[i] == ValueKind.NUMERIC || (b & HAS_NUMERIC) != 0) {
                    numeric[i] = in.readDouble();
                }
                if ((b & HAS_CATEGORICAL) != 0) {
                    categorical[i] = strings.read(in);
                }
            }
            byte predictionKind = in.readByte();
            double numericPrediction = in.readDouble();
            String categoricalPrediction = strings.read(in);
            events[k] = new PredictionEvent(modelId, version, predictionId, timestamp, names, kinds, numeric,
                    categorical, predictionKind, numericPrediction, categoricalPrediction);
        }
        return new PredictionBatch(modelKey, events);
    }

    @Override
    public TypeSerializerSnapshot<PredictionBatch> snapshotConfiguration() {
        return new Snapshot();
    }

    /** No configuration to snapshot; batches only cross the network, they are never kept in state. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<PredictionBatch> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
