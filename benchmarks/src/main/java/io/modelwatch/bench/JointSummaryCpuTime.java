package io.modelwatch.bench;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.sketches.RankCorrelations;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The joint summary's share of a window's per-event cost, in thread CPU time rather than JMH's
 * wall clock: on the shared development machine (load averages of 15 to 35 on two cores) the
 * wall-clock figures of {@link JointSummaryBenchmark} moved by a factor of four between runs,
 * while a thread's CPU time leaves out the time it waits for a core. The same work as that
 * benchmark (the pair updates alone, then the whole window update of an event with F numeric
 * features), two million events each, in alternating rounds so both see the same load.
 *
 * <p>{@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
 * io.modelwatch.bench.JointSummaryCpuTime 12} (build with {@code bin/benchmark-jmh -l} first).
 */
public final class JointSummaryCpuTime {
    private static final int EVENTS = 2_000_000;
    private static final int ROUNDS = 8;

    private JointSummaryCpuTime() {}

    public static void main(String[] args) {
        int features = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        SplittableRandom r = new SplittableRandom(1);
        String[] names = new String[features];
        for (int i = 0; i < features; i++) {
            names[i] = "x" + i;
        }
        RankCorrelations summary = new RankCorrelations(names);
        double[][] pits = new double[1024][features];
        List<PredictionEvent> events = new ArrayList<>();
        for (int j = 0; j < 1024; j++) {
            double f = r.nextGaussian();
            double[] x = new double[features];
            for (int i = 0; i < features; i++) {
                x[i] = 0.7 * f + 0.7 * r.nextGaussian();
                pits[j][i] = r.nextDouble();
            }
            byte[] kinds = new byte[features];
            Arrays.fill(kinds, ValueKind.NUMERIC);
            events.add(new PredictionEvent("m", "1", null, j, names, kinds, x, new String[features],
                    ValueKind.NUMERIC, r.nextDouble(), null));
        }
        List<PredictionEvent> training = new ArrayList<>();
        for (int j = 0; j < 5000; j++) {
            training.add(events.get(j % 1024));
        }
        ReferenceProfile reference = ReferenceBuilder.fromData(training, 10, 20);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            ModelProfile window = ModelProfile.against(reference);
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < EVENTS; k++) {
                summary.add(pits[k & 1023]);
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < EVENTS; k++) {
                window.add(events.get(k & 1023), reference);
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            sink += summary.count(0) + window.events();
            System.out.printf("round %d: %d pair updates %.0f ns/event, window update %.0f ns/event, share %.0f%%%n",
                    round, summary.pairCount(), (t1 - t0) / (double) EVENTS, (t2 - t1) / (double) EVENTS,
                    100.0 * (t1 - t0) / (t2 - t1));
        }
        System.out.println("(checksum " + sink + ")");
    }
}
