package io.modelwatch.bench;

import io.modelwatch.config.Thresholds;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.PerformanceEstimate;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.tests.HistogramBinningCalibration;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the estimated performance (CBPE, {@link PerformanceEstimate}) adds to a window's judgement,
 * in thread CPU time (as {@link JointSummaryCpuTime}: wall clock on the shared machine moves by
 * a factor of four between runs). A score model {@code score = sigmoid(x)} with two numeric
 * features, its reference learned from 5,000 events as the job learns it; windows of 1,200,
 * 10,000 and 100,000 events. Per window size, in alternating rounds: the estimate alone, then
 * the whole verdict ({@link WindowVerdict#judge}: drift tests, quality checks, the estimate), each
 * repeated on the same window; then the estimate calibrated again as the performance monitor does
 * for each report it sends once the version has its labels ({@link PerformanceEstimate#calibrated}:
 * histogram binning fitted to 1,000 labels, every bin calibrated). Nothing is measured per event:
 * the estimate reads the prediction sketch the window keeps anyway and adds no work to
 * {@code ModelProfile.add}.
 *
 * <p>{@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
 * io.modelwatch.bench.EstimatedPerformanceCpuTime} (build with {@code bin/benchmark-jmh -l} first).
 */
public final class EstimatedPerformanceCpuTime {
    private static final int ROUNDS = 6;
    private static final String[] FEATURES = {"x", "noise"};

    private EstimatedPerformanceCpuTime() {}

    public static void main(String[] args) {
        SplittableRandom r = new SplittableRandom(7);
        Thresholds t = Thresholds.defaults();
        ModelProfile learned = new ModelProfile();
        for (int i = 0; i < t.referenceEvents(); i++) {
            learned.add(event(r, i));
        }
        ReferenceProfile ref = ReferenceBuilder.learned(learned, t.numericBins(), t.categoryBins());
        double[] labelledScores = new double[1000];
        boolean[] labels = new boolean[labelledScores.length];
        for (int i = 0; i < labelledScores.length; i++) {
            labelledScores[i] = event(r, i).numericPrediction();
            labels[i] = r.nextDouble() < labelledScores[i];
        }
        HistogramBinningCalibration fitted = HistogramBinningCalibration.fit(labelledScores, labels, 10);
        long[] positives = new long[10];
        long[] totals = new long[10];
        for (int b = 0; b < 10; b++) {
            positives[b] = fitted.positives(b);
            totals[b] = fitted.labels(b);
        }
        HistogramBinningCalibration calibration = new HistogramBinningCalibration(positives, totals, 1);
        long sink = 0;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (int size : new int[] {1_200, 10_000, 100_000}) {
            ModelProfile window = ModelProfile.against(ref);
            for (int i = 0; i < size; i++) {
                window.add(event(r, i), ref);
            }
            DriftEvaluator.Context c = new DriftEvaluator.Context("m", "1", 0, 60_000, size + 5_000L, 0, 0, "bench");
            int calls = size >= 100_000 ? 2_000 : 20_000;
            for (int round = 0; round < ROUNDS; round++) {
                long t0 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < calls; k++) {
                    PerformanceEstimate.Result e = PerformanceEstimate.estimate(ref.prediction(), window.prediction(), t);
                    sink += e.estimate().events();
                }
                long t1 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < calls; k++) {
                    sink += WindowVerdict.judge(ref, window, t, c, List.of(), null).signals().size();
                }
                long t2 = cpu.getCurrentThreadCpuTime();
                EstimatedPerformance raw = PerformanceEstimate.estimate(ref.prediction(), window.prediction(), t)
                        .estimate();
                long t3 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < calls; k++) {
                    sink += PerformanceEstimate.calibrated(raw, calibration, 1000).events();
                }
                long t4 = cpu.getCurrentThreadCpuTime();
                double estimate = (t1 - t0) / 1e3 / calls;
                double verdict = (t2 - t1) / 1e3 / calls;
                double calibrated = (t4 - t3) / 1e3 / calls;
                System.out.printf("window %,d events, round %d: estimate %.1f us, whole verdict %.1f us, share %.0f%%,"
                        + " calibrated again %.1f us%n", size, round, estimate, verdict, 100 * estimate / verdict,
                        calibrated);
            }
        }
        System.out.println("(checksum " + sink + ")");
    }

    private static PredictionEvent event(SplittableRandom r, long timestamp) {
        double x = 3.4 * r.nextGaussian();
        byte[] kinds = {ValueKind.NUMERIC, ValueKind.NUMERIC};
        return new PredictionEvent("m", "1", null, timestamp, FEATURES, kinds, new double[] {x, r.nextGaussian()},
                new String[2], ValueKind.NUMERIC, 1 / (1 + Math.exp(-x)), null);
    }
}
