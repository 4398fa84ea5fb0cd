package io.modelwatch.bench;

import io.modelwatch.labels.PredictionRefSerializer;
import io.modelwatch.labels.WaitingPrediction;
import io.modelwatch.labels.WaitingPredictionSerializer;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.ValueKind;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.ttl.TtlStateFactory;
import org.apache.flink.runtime.state.ttl.TtlValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One prediction on its way to the label join, written and read back as the network does: with
 * Flink's POJO serializer (what the stream used) and with {@link PredictionRefSerializer}. And
 * the value the join keeps while the prediction waits, written and read back as its state does
 * (inside Flink's TTL wrapper): the earlier {@code prediction} state's POJO serializer of the
 * whole {@link PredictionRef}, and {@code waitingPrediction}'s {@link WaitingPredictionSerializer}
 * of what the key does not hold (the conversion included). Results and method: docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LabelJoinWireBenchmark {
    private PredictionRef prediction;
    private TypeSerializer<PredictionRef> pojo;
    private TypeSerializer<TtlValue<PredictionRef>> pojoState;
    private TypeSerializer<TtlValue<WaitingPrediction>> waitingState;
    private final DataOutputSerializer out = new DataOutputSerializer(128);
    private final DataInputDeserializer in = new DataInputDeserializer();

    @Setup(Level.Trial)
    public void setUp() {
        // As the bench's workload sends it: model-00042's prediction at 2025-11-26T08:00:00.120Z.
        prediction = new PredictionRef("model-00042", "1", "model-00042-1764144000120", 1_764_144_000_120L,
                ValueKind.NUMERIC, 0.7311, null);
        pojo = TypeInformation.of(PredictionRef.class).createSerializer(new SerializerConfigImpl());
        pojoState = new TtlStateFactory.TtlSerializer<>(LongSerializer.INSTANCE, pojo);
        waitingState = new TtlStateFactory.TtlSerializer<>(LongSerializer.INSTANCE, WaitingPredictionSerializer.INSTANCE);
    }

    @Benchmark
    public PredictionRef pojoRoundTrip() throws IOException {
        return roundTrip(pojo);
    }

    @Benchmark
    public PredictionRef wireRoundTrip() throws IOException {
        return roundTrip(PredictionRefSerializer.INSTANCE);
    }

    @Benchmark
    public PredictionRef pojoStateRoundTrip() throws IOException {
        return roundTrip(pojoState, new TtlValue<>(prediction, prediction.timestamp())).getUserValue();
    }

    @Benchmark
    public WaitingPrediction waitingStateRoundTrip() throws IOException {
        return roundTrip(waitingState, new TtlValue<>(WaitingPrediction.of(prediction), prediction.timestamp()))
                .getUserValue();
    }

    private <T> T roundTrip(TypeSerializer<T> serializer, T value) throws IOException {
        out.clear();
        serializer.serialize(value, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return serializer.deserialize(in);
    }

    private PredictionRef roundTrip(TypeSerializer<PredictionRef> serializer) throws IOException {
        out.clear();
        serializer.serialize(prediction, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return serializer.deserialize(in);
    }
}
