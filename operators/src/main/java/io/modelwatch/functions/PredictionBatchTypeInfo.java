package io.modelwatch.functions;

import io.modelwatch.model.PredictionBatch;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink type of the {@link EventBatcher}'s output: {@link PredictionBatchSerializer} on the wire. */
public final class PredictionBatchTypeInfo extends TypeInformation<PredictionBatch> {
    public static final PredictionBatchTypeInfo INSTANCE = new PredictionBatchTypeInfo();

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
    public Class<PredictionBatch> getTypeClass() {
        return PredictionBatch.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<PredictionBatch> createSerializer(SerializerConfig config) {
        return PredictionBatchSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "PredictionBatch";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof PredictionBatchTypeInfo;
    }

    @Override
    public int hashCode() {
        return PredictionBatchTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof PredictionBatchTypeInfo;
    }
}
