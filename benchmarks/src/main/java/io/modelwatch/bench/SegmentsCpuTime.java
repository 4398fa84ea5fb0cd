package io.modelwatch.bench;

import io.modelwatch.detect.SegmentDecay;
import io.modelwatch.labels.SegmentDictionary;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.HealthReport.Quantiles;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.PerformanceAccumulator;
import io.modelwatch.stats.profiles.SegmentCounts;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * What segments cost, in thread CPU time (as {@link JointSummaryCpuTime}: wall clock on the shared
 * machine moves by a factor of four between runs). A classifier with two categorical features
 * (region, 5 values; device, 3) and four numeric ones, all coded; its dictionary learnt from one
 * report (8 categories and 4 x 4 quartile bins: 24 segments, every one of them counted).
 *
 * <ul>
 *   <li>per prediction read: the categorical code ({@link SegmentCodes#of(PredictionEvent)}) and
 *       the numeric one ({@link SegmentCodes#numericNames}, {@link SegmentCodes#numericValues});
 *   <li>per label, in the performance monitor: the segments of the outcome
 *       ({@link SegmentDictionary#segmentsOf}) and the window's segment counts read, added to and
 *       written back as bytes (the extra state value a label with a code reads and writes), beside
 *       the same for an outcome with the categorical code only (as before numeric bins), and
 *       what every label costs already, the window's {@link PerformanceAccumulator} read, added to
 *       and written back (the RocksDB access itself, one more get and put per label, is not in
 *       either);
 *   <li>per decayed window: {@link SegmentDecay#explain} over a span of 1,200 labels (the
 *       segments' tests, Benjamini-Hochberg and the ranking), and the counts merged from bytes.
 * </ul>
 *
 * <p>{@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
 * io.modelwatch.bench.SegmentsCpuTime} (build with {@code bin/benchmark-jmh -l} first).
 */
public final class SegmentsCpuTime {
    private static final int ROUNDS = 6;
    private static final int N = 200_000;
    private static final String[] REGIONS = {"north_america", "europe", "asia", "latam", "africa"};
    private static final String[] DEVICES = {"mobile", "desktop", "tablet"};
    private static final String[] FEATURES = {"region", "device", "age", "income", "tenure", "visits"};

    private SegmentsCpuTime() {}

    public static void main(String[] args) {
        SplittableRandom r = new SplittableRandom(7);
        PredictionEvent[] events = new PredictionEvent[4096];
        for (int i = 0; i < events.length; i++) {
            events[i] = event(r, i);
        }
        SegmentDictionary dictionary = new SegmentDictionary();
        dictionary.learn(report());
        LabelOutcome[] outcomes = new LabelOutcome[events.length];
        for (int i = 0; i < events.length; i++) {
            PredictionRef p = PredictionRef.of(events[i]);
            double label = r.nextDouble() < 0.8 == p.numericPrediction() >= 0.5 ? 1 : 0;
            outcomes[i] = new LabelOutcome(LabelOutcome.MATCHED, "m", "1", p.timestamp(), p.timestamp() + 1,
                    ValueKind.NUMERIC, p.numericPrediction(), null, ValueKind.NUMERIC, label, null, p.segments(),
                    p.numericNames(), p.numericValues());
        }
        LabelOutcome[] categorical = new LabelOutcome[outcomes.length];
        for (int i = 0; i < outcomes.length; i++) {
            LabelOutcome o = outcomes[i];
            categorical[i] = new LabelOutcome(o.kind(), o.modelId(), o.modelVersion(), o.predictionTimestamp(),
                    o.labelTimestamp(), o.predictionKind(), o.numericPrediction(), null, o.labelKind(),
                    o.numericLabel(), null, o.segments());
        }
        // A window's counts and accumulator as state holds them once it has 600 labels.
        SegmentCounts window = new SegmentCounts();
        PerformanceAccumulator acc = new PerformanceAccumulator();
        for (int i = 0; i < 600; i++) {
            window.add(outcomes[i], dictionary.segmentsOf(outcomes[i], 0));
            acc.add(outcomes[i]);
        }
        byte[] windowBytes = window.toBytes();
        byte[] accBytes = acc.toBytes();
        // A decayed span of 1,200 labels against a reference of 1,000.
        SegmentCounts span = new SegmentCounts();
        PerformanceAccumulator spanTotal = new PerformanceAccumulator();
        SegmentCounts reference = new SegmentCounts();
        PerformanceAccumulator referenceTotal = new PerformanceAccumulator();
        for (int i = 0; i < 2_200; i++) {
            LabelOutcome o = outcomes[i];
            if (i >= 1_000 && "north_america".equals(events[i].categoricalValues()[0])) {
                o = flipped(o);
            }
            (i < 1_000 ? reference : span).add(o, dictionary.segmentsOf(o, 0));
            (i < 1_000 ? referenceTotal : spanTotal).add(o);
        }
        byte[] spanBytes = span.toBytes();
        System.out.printf("dictionary %d segments; window counts %d bytes, accumulator %d bytes%n",
                dictionary.names().size(), windowBytes.length, accBytes.length);

        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < N; k++) {
                sink += SegmentCodes.of(events[k & (events.length - 1)]);
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < N; k++) {
                PredictionEvent e = events[k & (events.length - 1)];
                sink += SegmentCodes.numericNames(e) ^ SegmentCodes.numericValues(e);
            }
            long t2 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < N; k++) {
                PerformanceAccumulator a = PerformanceAccumulator.fromBytes(accBytes);
                a.add(outcomes[k & (outcomes.length - 1)]);
                sink += a.toBytes().length;
            }
            long t3 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < N; k++) {
                LabelOutcome o = categorical[k & (categorical.length - 1)];
                SegmentCounts c = SegmentCounts.fromBytes(windowBytes);
                c.add(o, dictionary.segmentsOf(o, 0));
                sink += c.toBytes().length;
            }
            long t4 = cpu.getCurrentThreadCpuTime();
            for (int k = 0; k < N; k++) {
                LabelOutcome o = outcomes[k & (outcomes.length - 1)];
                SegmentCounts c = SegmentCounts.fromBytes(windowBytes);
                c.add(o, dictionary.segmentsOf(o, 0));
                sink += c.toBytes().length;
            }
            long t5 = cpu.getCurrentThreadCpuTime();
            int explains = N / 100;
            for (int k = 0; k < explains; k++) {
                SegmentCounts merged = new SegmentCounts();
                merged.merge(SegmentCounts.fromBytes(spanBytes));
                sink += SegmentDecay.explain(merged, reference, spanTotal, referenceTotal, dictionary.names()).size();
            }
            long t6 = cpu.getCurrentThreadCpuTime();
            System.out.printf("round %d: per prediction categorical code %.0f ns, numeric code %.0f ns; per label "
                            + "segments %.0f ns (categorical only %.0f ns) beside the accumulator's %.0f ns; "
                            + "per decayed window explain %.1f us%n",
                    round, (t1 - t0) / (double) N, (t2 - t1) / (double) N, (t5 - t4) / (double) N,
                    (t4 - t3) / (double) N, (t3 - t2) / (double) N, (t6 - t5) / 1e3 / explains);
        }
        System.out.println("(checksum " + sink + ")");
    }

    private static LabelOutcome flipped(LabelOutcome o) {
        return new LabelOutcome(o.kind(), o.modelId(), o.modelVersion(), o.predictionTimestamp(), o.labelTimestamp(),
                o.predictionKind(), o.numericPrediction(), null, o.labelKind(), 1 - o.numericLabel(), null,
                o.segments(), o.numericNames(), o.numericValues());
    }

    private static HealthReport report() {
        FeatureHealth[] f = new FeatureHealth[FEATURES.length];
        f[0] = new FeatureHealth("region", "CATEGORICAL", 1_200, 0, 0, null, null, null, null, null,
                java.util.Arrays.stream(REGIONS).map(v -> new CategoryCount(v, 100)).toArray(CategoryCount[]::new),
                null);
        f[1] = new FeatureHealth("device", "CATEGORICAL", 1_200, 0, 0, null, null, null, null, null,
                java.util.Arrays.stream(DEVICES).map(v -> new CategoryCount(v, 100)).toArray(CategoryCount[]::new),
                null);
        for (int i = 2; i < FEATURES.length; i++) {
            f[i] = new FeatureHealth(FEATURES[i], "NUMERIC", 1_200, 0, 0, null, null, null, null,
                    new Quantiles(-1.645, -0.674, 0, 0.674, 1.645), null, null);
        }
        return new HealthReport("m", "1", Instant.EPOCH.toString(), Instant.ofEpochMilli(60_000).toString(),
                HealthReport.WARMING_UP, 1_200, 1_200, 0, f, null, null, null, "bench", 0, null);
    }

    private static PredictionEvent event(SplittableRandom r, long i) {
        byte[] kinds = {ValueKind.CATEGORICAL, ValueKind.CATEGORICAL, ValueKind.NUMERIC, ValueKind.NUMERIC,
                ValueKind.NUMERIC, ValueKind.NUMERIC};
        double[] nums = {0, 0, r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
        String[] cats = {REGIONS[r.nextInt(REGIONS.length)], DEVICES[r.nextInt(DEVICES.length)], null, null, null,
                null};
        double score = 1 / (1 + Math.exp(-2 * (nums[2] + nums[3])));
        return new PredictionEvent("m", "1", "p" + i, i, FEATURES, kinds, nums, cats, ValueKind.NUMERIC, score, null);
    }
}
