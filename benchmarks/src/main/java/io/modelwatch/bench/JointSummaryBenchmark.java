package io.modelwatch.bench;

import io.modelwatch.config.Thresholds;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.WindowEvaluation;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.sketches.RankCorrelations;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-event cost of the joint summary (issue 19): {@code F(F-1)/2} pair updates of the PITs,
 * against the whole window update of an event with F numeric features. {@code pairUpdates} is the
 * summary alone; {@code addEventToWindowProfile} is everything a window does per event (binning,
 * counting, moments, the PIT lookups and the pairs), so the ratio of the two is the joint
 * summary's share of a window's per-event cost. Per window: {@code pairTests} tests the pairs of
 * a closed window of 1,000 events against the reference (correlations, Fisher's z, normal tails,
 * one Benjamini-Hochberg pass), {@code evaluateWindow} is the whole evaluation of that window
 * (every per-feature test, the pairs, the report with its pair part).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JointSummaryBenchmark {
    @Param({"4", "12"})
    public int features;

    private RankCorrelations summary;
    private double[][] pits;
    private ReferenceProfile reference;
    private ModelProfile window;
    private ModelProfile closedWindow;
    private final Thresholds thresholds = Thresholds.defaults();
    private final DriftEvaluator.Context context = new DriftEvaluator.Context("m", "1", 0, 60_000, 6000, 0, 0, "v");
    private List<PredictionEvent> events;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom r = new SplittableRandom(1);
        String[] names = new String[features];
        for (int i = 0; i < features; i++) {
            names[i] = "x" + i;
        }
        summary = new RankCorrelations(names);
        pits = new double[1024][features];
        events = new ArrayList<>();
        for (int j = 0; j < 1024; j++) {
            double f = r.nextGaussian();
            double[] x = new double[features];
            for (int i = 0; i < features; i++) {
                x[i] = 0.7 * f + 0.7 * r.nextGaussian();
                pits[j][i] = r.nextDouble();
            }
            byte[] kinds = new byte[features];
            java.util.Arrays.fill(kinds, ValueKind.NUMERIC);
            events.add(new PredictionEvent("m", "1", null, j, names, kinds, x, new String[features], ValueKind.NUMERIC,
                    r.nextDouble(), null));
        }
        List<PredictionEvent> training = new ArrayList<>();
        for (int j = 0; j < 5000; j++) {
            training.add(events.get(j % 1024));
        }
        reference = ReferenceBuilder.fromData(training, 10, 20);
        window = ModelProfile.against(reference);
        closedWindow = ModelProfile.against(reference);
        for (int j = 0; j < 1000; j++) {
            closedWindow.add(events.get(j), reference);
        }
    }

    @Benchmark
    public RankCorrelations pairUpdates() {
        summary.add(pits[next++ & 1023]);
        return summary;
    }

    @Benchmark
    public ModelProfile addEventToWindowProfile() {
        window.add(events.get(next++ & 1023), reference);
        return window;
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public List<DriftEvaluator.PairChange> pairTests() {
        return DriftEvaluator.pairs(reference, closedWindow, thresholds);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public WindowEvaluation evaluateWindow() {
        return DriftEvaluator.evaluate(reference, closedWindow, thresholds, context);
    }
}
