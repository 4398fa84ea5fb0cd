package io.modelwatch.bench;

import io.modelwatch.labels.PredictionRefSerializer;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.ValueKind;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
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
 * Flink's POJO serializer (what the stream used, and what the join's state still uses) and with
 * {@link PredictionRefSerializer}. Results and method: docs/benchmarks.md.
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
    private final DataOutputSerializer out = new DataOutputSerializer(128);
    private final DataInputDeserializer in = new DataInputDeserializer();

    @Setup(Level.Trial)
    public void setUp() {
        // As the bench's workload sends it: model-00042's prediction at 2025-11-26T08:00:00.120Z.
        prediction = new PredictionRef("model-00042", "1", "model-00042-1764144000120", 1_764_144_000_120L,
                ValueKind.NUMERIC, 0.7311, null);
        pojo = TypeInformation.of(PredictionRef.class).createSerializer(new SerializerConfigImpl());
    }

    @Benchmark
    public PredictionRef pojoRoundTrip() throws IOException {
        return roundTrip(pojo);
    }

    @Benchmark
    public PredictionRef wireRoundTrip() throws IOException {
        return roundTrip(PredictionRefSerializer.INSTANCE);
    }

    private PredictionRef roundTrip(TypeSerializer<PredictionRef> serializer) throws IOException {
        out.clear();
        serializer.serialize(prediction, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return serializer.deserialize(in);
    }
}
