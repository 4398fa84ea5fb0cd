package io.modelwatch.bench;

import io.modelwatch.config.Thresholds;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.stats.profiles.ModelProfile;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * What a model version costs while its reference is still learned (issue 16: many models, 60
 * events per model-minute, every one inside its first 5,000 events), on the reference workload's
 * event shape (20 numeric + 5 categorical features): one event into the learned profile and its
 * warm-up window, the learned profile written back at a checkpoint, and a warm-up window's summary
 * at its close. Results and method: docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LearningBenchmark {
    /** The default reference size (thresholds.md, reference.events). */
    private static final int REFERENCE_EVENTS = 5000;
    /** A one-minute window at 60 events per model-minute. */
    private static final int WINDOW_EVENTS = 60;

    private static final Thresholds THRESHOLDS = Thresholds.defaults();
    private static final DriftEvaluator.Context CONTEXT =
            new DriftEvaluator.Context("model-0001", "v1", 0L, 60_000L, 60L, 0L, 0, "defaults");

    private PredictionEvent[] events;
    private int next;
    private ModelProfile learned;
    private ModelProfile window;
    private ModelProfile halfLearned;
    private byte[] closedWindowBytes;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom r = new SplittableRandom(1);
        events = new PredictionEvent[REFERENCE_EVENTS];
        for (int i = 0; i < events.length; i++) {
            byte[] json = Workload.reference().json(r, "model-0001", 1_764_144_000_000L + 1000L * i)
                    .getBytes(StandardCharsets.UTF_8);
            events[i] = PredictionEventParser.parse(json).event();
        }
        halfLearned = new ModelProfile();
        for (int i = 0; i < REFERENCE_EVENTS / 2; i++) {
            halfLearned.add(events[i]);
        }
        ModelProfile closed = new ModelProfile();
        for (int i = 0; i < WINDOW_EVENTS; i++) {
            closed.add(events[i]);
        }
        closedWindowBytes = closed.toBytes();
        learned = new ModelProfile();
        window = new ModelProfile();
    }

    /**
     * One event into the reference being learned and into its window, as the monitor adds it; the
     * profiles start over after a reference's and a window's worth, as the monitor's do.
     */
    @Benchmark
    public ModelProfile learnOneEvent() {
        PredictionEvent e = events[next];
        learned.add(e);
        window.add(e);
        if (++next == events.length) {
            next = 0;
            learned = new ModelProfile();
        }
        if (next % WINDOW_EVENTS == 0) {
            window = new ModelProfile();
        }
        return learned;
    }

    /** The learned profile halfway (2,500 events) written back to state, as before a checkpoint. */
    @Benchmark
    public byte[] halfLearnedToBytes() {
        return halfLearned.toBytes();
    }

    /** A warm-up window of 60 events read back and summarised as the report of its close. */
    @Benchmark
    public HealthReport warmUpWindowSummary() {
        ModelProfile w = ModelProfile.fromBytes(closedWindowBytes);
        return DriftEvaluator.summary(HealthReport.WARMING_UP, w, REFERENCE_EVENTS / 2, THRESHOLDS, CONTEXT);
    }
}
