package io.modelwatch.functions;

import io.modelwatch.model.PredictionRef;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink type of the predictions on their way to the label join: {@link PredictionRefSerializer} on the wire. */
public final class PredictionRefTypeInfo extends TypeInformation<PredictionRef> {
    public static final PredictionRefTypeInfo INSTANCE = new PredictionRefTypeInfo();

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
    public Class<PredictionRef> getTypeClass() {
        return PredictionRef.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<PredictionRef> createSerializer(SerializerConfig config) {
        return PredictionRefSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "PredictionRef";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof PredictionRefTypeInfo;
    }

    @Override
    public int hashCode() {
        return PredictionRefTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof PredictionRefTypeInfo;
    }
}
