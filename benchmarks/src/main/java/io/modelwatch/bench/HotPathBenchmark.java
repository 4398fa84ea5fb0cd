package io.modelwatch.bench;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.sketches.ReproducibleKll;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.datasketches.kll.KllDoublesSketch;
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
 * The per-event hot path of the monitor, piece by piece, on the reference workload's event shape
 * (20 numeric + 5 categorical features): JSON parse, one event into a window profile, a KLL update,
 * and the state round trip (a window profile to bytes and back) that RocksDB costs per access.
 * Results and method: docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {
    private byte[] json;
    private PredictionEvent event;
    private ReferenceProfile reference;
    private ModelProfile window;
    private byte[] windowBytes;
    private KllDoublesSketch sketch;
    private FeatureProfile feature;
    private double x;
    private final PredictionEventParser sharingParser = PredictionEventParser.sharing();

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom r = new SplittableRandom(1);
        json = Workload.reference().json(r, "model-0001", 1_764_144_000_000L).getBytes(StandardCharsets.UTF_8);
        event = PredictionEventParser.parse(json).event();
        ModelProfile learned = new ModelProfile();
        for (int i = 0; i < 5000; i++) {
            learned.add(PredictionEventParser.parse(Workload.reference().json(r, "model-0001", 1_764_144_000_000L + i).getBytes(StandardCharsets.UTF_8)).event());
        }
        reference = ReferenceProfile.freeze(learned, 10, 20);
        window = ModelProfile.against(reference);
        for (int i = 0; i < 1000; i++) {
            window.add(PredictionEventParser.parse(Workload.reference().json(r, "model-0001", 1_764_144_000_000L + i).getBytes(StandardCharsets.UTF_8)).event(),
                    reference);
        }
        windowBytes = window.toBytes();
        sketch = KllDoublesSketch.newHeapInstance(FeatureProfile.SKETCH_K);
        for (int i = 0; i < 1000; i++) {
            sketch.update(r.nextDouble());
        }
        feature = new FeatureProfile();
        x = 0.5;
    }

    @Benchmark
    public PredictionEventParser.Result parseJson() {
        return PredictionEventParser.parse(json);
    }

    /** As the job parses: one parser per source subtask, reusing its scratch columns and sharing name arrays. */
    @Benchmark
    public PredictionEventParser.Result parseJsonSharing() {
        return sharingParser.read(json);
    }

    @Benchmark
    public ModelProfile addEventToWindowProfile() {
        window.add(event, reference);
        return window;
    }

    @Benchmark
    public KllDoublesSketch kllUpdate() {
        sketch.update(x);
        x += 0.001;
        return sketch;
    }

    /** As {@link #kllUpdate}, seeded from the sketch's history first, as every update in the job is. */
    @Benchmark
    public KllDoublesSketch kllUpdateReproducible() {
        ReproducibleKll.update(sketch, x);
        x += 0.001;
        return sketch;
    }

    @Benchmark
    public FeatureProfile featureProfileUpdate() {
        feature.addNumeric(x, -1);
        x += 0.001;
        return feature;
    }

    @Benchmark
    public byte[] windowProfileToBytes() {
        return window.toBytes();
    }

    @Benchmark
    public ModelProfile windowProfileFromBytes() {
        return ModelProfile.fromBytes(windowBytes);
    }

    /** What one event costs with per-event state access: read, update, write back. */
    @Benchmark
    public byte[] stateRoundTripPerEvent() {
        ModelProfile p = ModelProfile.fromBytes(windowBytes);
        p.add(event, reference);
        return p.toBytes();
    }
}
