package io.modelwatch.bench;

import io.modelwatch.detect.PredictionShiftSegments;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.PredictionSegments;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.profiles.SegmentPlan;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the prediction's segments add to the model monitor, in thread CPU time (as
 * {@link JointSummaryCpuTime}: wall clock on the shared two-core machine moves by a factor of
 * four between runs). A model at the cap: 4 categorical features (5 to 20 values) and 8 numeric
 * ones, so 4 x 8 category segments and 4 x 10 deciles, 72 segments, 8 per event.
 * <ul>
 *   <li>per event: the segment part alone (an event's 8 cells from the bins its values were
 *       counted in, and the prediction added to each and to all), then the whole window update
 *       ({@code ModelProfile.add}, which includes it), two million events each, alternating;
 *   <li>per window: {@link PredictionShiftSegments#explain} of a 1,000-event window against the
 *       reference, and the bytes the segments add to a window's and the reference's state.
 * </ul>
 *
 * <p>{@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
 * io.modelwatch.bench.PredictionSegmentsCpuTime} (build with {@code bin/benchmark-jmh -l} first).
 */
public final class PredictionSegmentsCpuTime {
    private static final int EVENTS = 2_000_000;
    private static final int ROUNDS = 8;
    private static final int EXPLAINS = 20_000;

    private PredictionSegmentsCpuTime() {}

    public static void main(String[] args) {
        SplittableRandom r = new SplittableRandom(1);
        String[] names = {"region", "device", "plan", "country", "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"};
        int[] values = {5, 3, 8, 20};
        byte[] kinds = new byte[names.length];
        for (int i = 0; i < names.length; i++) {
            kinds[i] = i < 4 ? ValueKind.CATEGORICAL : ValueKind.NUMERIC;
        }
        List<PredictionEvent> events = new ArrayList<>();
        for (int j = 0; j < 4096; j++) {
            double[] x = new double[names.length];
            String[] s = new String[names.length];
            for (int i = 0; i < names.length; i++) {
                if (i < 4) {
                    // Skewed, so the top values are the reference's most frequent ones.
                    s[i] = "v" + (int) (values[i] * Math.pow(r.nextDouble(), 2));
                } else {
                    x[i] = r.nextGaussian();
                }
            }
            events.add(new PredictionEvent("m", "1", null, j, names, kinds, x, s, ValueKind.NUMERIC,
                    1 / (1 + Math.exp(-x[4])), null));
        }
        List<PredictionEvent> training = new ArrayList<>();
        for (int j = 0; j < 5000; j++) {
            training.add(events.get(j % events.size()));
        }
        ReferenceProfile reference = ReferenceBuilder.fromData(training, 10, 20);
        SegmentPlan plan = reference.segmentPlan();
        System.out.printf("segments: %d (reference segments complete: %b)%n", plan.cellCount(),
                reference.segmentsComplete());
        // The bins each event's values fall in, as the window update finds them.
        int[][] slotAndBin = new int[events.size()][];
        for (int j = 0; j < events.size(); j++) {
            PredictionEvent e = events.get(j);
            int[] sb = new int[2 * names.length];
            for (int i = 0; i < names.length; i++) {
                var fr = reference.feature(names[i]);
                sb[2 * i] = plan.slot(names[i]);
                sb[2 * i + 1] = kinds[i] == ValueKind.CATEGORICAL ? fr.binOf(e.categoricalValues()[i])
                        : fr.binOf(e.numericValues()[i]);
            }
            slotAndBin[j] = sb;
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long sink = 0;
        int[] cells = new int[names.length];
        for (int round = 0; round < ROUNDS; round++) {
            PredictionSegments alone = new PredictionSegments(plan.cellCount());
            ModelProfile window = ModelProfile.against(reference);
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < EVENTS; k++) {
                int j = k & 4095;
                int[] sb = slotAndBin[j];
                int n = 0;
                for (int i = 0; i < names.length; i++) {
                    if (sb[2 * i] >= 0) {
                        int c = plan.cell(sb[2 * i], sb[2 * i + 1]);
                        if (c >= 0) {
                            cells[n++] = c;
                        }
                    }
                }
                double y = events.get(j).numericPrediction();
                alone.addTotal(y);
                for (int i = 0; i < n; i++) {
                    alone.add(cells[i], y);
                }
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < EVENTS; k++) {
                window.add(events.get(k & 4095), reference);
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            sink += (long) alone.total() + window.events();
            System.out.printf("round %d: segment updates %.1f ns/event, window update %.0f ns/event, share %.1f%%%n",
                    round, (t1 - t0) / (double) EVENTS, (t2 - t1) / (double) EVENTS, 100.0 * (t1 - t0) / (t2 - t1));
        }
        ModelProfile w = ModelProfile.against(reference);
        for (int k = 0; k < 1000; k++) {
            w.add(events.get((k * 7) & 4095), reference);
        }
        for (int round = 0; round < 3; round++) {
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < EXPLAINS; k++) {
                sink += PredictionShiftSegments.explain(plan, reference.segments(), w.segments()).tested();
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            System.out.printf("explain per window: %.1f us%n", (t1 - t0) / 1000.0 / EXPLAINS);
        }
        System.out.printf("segments' state: %d bytes per window and in the reference%n",
                io.modelwatch.stats.sketches.StateBytes.of(w.segments()::writeTo).length);
        System.out.println("(checksum " + sink + ")");
    }
}
