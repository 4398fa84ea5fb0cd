package io.modelwatch.batching;

import io.modelwatch.labels.PredictionRefSerializer;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionRef;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink type of a record that only crosses the network (never kept in state), written by a
 * hand-made serializer instead of Flink's reflective one: the batches of the {@link EventBatcher}
 * ({@link PredictionBatchSerializer}), the predictions on their way to the label join
 * ({@link PredictionRefSerializer}) and the health reports on their way to the performance monitor
 * ({@link HealthReportSerializer}).
 */
public final class WireTypeInfo<T> extends TypeInformation<T> {
    public static final WireTypeInfo<PredictionBatch> PREDICTION_BATCH =
            new WireTypeInfo<>(PredictionBatch.class, PredictionBatchSerializer.INSTANCE);
    public static final WireTypeInfo<PredictionRef> PREDICTION_REF =
            new WireTypeInfo<>(PredictionRef.class, PredictionRefSerializer.INSTANCE);
    public static final WireTypeInfo<HealthReport> HEALTH_REPORT =
            new WireTypeInfo<>(HealthReport.class, HealthReportSerializer.INSTANCE);

    private final Class<T> type;
    private final TypeSerializer<T> serializer;

    private WireTypeInfo(Class<T> type, TypeSerializer<T> serializer) {
        this.type = type;
        this.serializer = serializer;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return serializer;
    }

    @Override
    public String toString() {
        return type.getSimpleName();
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof WireTypeInfo<?> other && other.type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof WireTypeInfo;
    }
}
