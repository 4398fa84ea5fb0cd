package io.modelwatch.bench;

import io.modelwatch.batching.HealthReportSerializer;
import io.modelwatch.config.Thresholds;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.serde.Json;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * What one health report costs the performance monitor's side of the job, in thread CPU time (as
 * {@link JointSummaryCpuTime}: wall clock on the shared machine moves by a factor of four between
 * runs): its trip over the network (written and read back, as between the model monitor and the
 * performance monitor) by Flink's POJO serializer and by {@link HealthReportSerializer}, and its
 * JSON for the {@code model-health} topic by Jackson's reflective BeanSerializer
 * ({@code Json.MAPPER}) and by the hand-written path behind {@link Json#toBytes}. Two reports of
 * the bench's workload ({@link Workload#reference()}: 20 numeric and 5 categorical features and a
 * score), built by the job's own code: a {@code WARMING_UP} summary of 60 events (the cell,
 * references still learning) and a judged window of 1,200 events against a reference learned from
 * 5,000 (drift statistics, the estimate, pair tests). Per report, in alternating rounds; the median
 * of the second half of the rounds is the warm figure. Also the two {@code Instant.parse} of a
 * report's window bounds that the performance monitor pays per report ({@code WindowResult.of}).
 *
 * <p>{@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
 * io.modelwatch.bench.HealthReportCpuTime [rounds] [reports per round]} (build with
 * {@code bin/benchmark-jmh -l} first).
 */
public final class HealthReportCpuTime {
    private HealthReportCpuTime() {}

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        Workload w = Workload.reference();
        SplittableRandom r = new SplittableRandom(16);
        Thresholds t = Thresholds.defaults();
        long minute = 60_000;

        ModelProfile learning = new ModelProfile();
        for (int i = 0; i < 60; i++) {
            learning.add(event(w, r, i * 1_000L));
        }
        DriftEvaluator.Context warming = new DriftEvaluator.Context("model-00042", "1", 0, minute, 60, 0, 0, "bench");
        HealthReport warmingUp = DriftEvaluator.summary(HealthReport.WARMING_UP, learning, 60, t, warming);

        ModelProfile learned = new ModelProfile();
        for (int i = 0; i < t.referenceEvents(); i++) {
            learned.add(event(w, r, i * 50L));
        }
        ReferenceProfile ref = ReferenceBuilder.learned(learned, t.numericBins(), t.categoryBins());
        ModelProfile window = ModelProfile.against(ref);
        for (int i = 0; i < 1_200; i++) {
            window.add(event(w, r, 10 * minute + i * 50L), ref);
        }
        DriftEvaluator.Context judgedContext = new DriftEvaluator.Context("model-00042", "1", 10 * minute,
                11 * minute, t.referenceEvents() + 1_200L, 0, 0, "bench");
        HealthReport judged = WindowVerdict.judge(ref, window, t, judgedContext, List.of(), null).report();

        TypeSerializer<HealthReport> pojo = TypeInformation.of(HealthReport.class)
                .createSerializer(new SerializerConfigImpl());
        System.out.println("Flink's serializer of HealthReport: " + pojo.getClass().getSimpleName());
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (HealthReport report : new HealthReport[] {warmingUp, judged}) {
            byte[] json = Json.toBytes(report);
            if (!Arrays.equals(json, Json.MAPPER.writeValueAsBytes(report))) {
                throw new IllegalStateException("the hand-written JSON differs from the mapper's");
            }
            System.out.printf("%s report, %d features: JSON %,d bytes, on the wire %,d bytes (POJO) and %,d (wire)%n",
                    report.status(), report.features().length, json.length, wire(pojo, report).length,
                    wire(HealthReportSerializer.INSTANCE, report).length);
            DataOutputSerializer out = new DataOutputSerializer(16_384);
            DataInputDeserializer in = new DataInputDeserializer();
            double[][] perRound = new double[5][rounds];
            for (int round = 0; round < rounds; round++) {
                long t0 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < calls; k++) {
                    sink += roundTrip(pojo, report, out, in).events();
                }
                long t1 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < calls; k++) {
                    sink += roundTrip(HealthReportSerializer.INSTANCE, report, out, in).events();
                }
                long t2 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < calls; k++) {
                    sink += Json.MAPPER.writeValueAsBytes(report).length;
                }
                long t3 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < calls; k++) {
                    sink += Json.toBytes(report).length;
                }
                long t4 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < calls; k++) {
                    sink += Instant.parse(report.windowStart()).toEpochMilli()
                            + Instant.parse(report.windowEnd()).toEpochMilli();
                }
                long t5 = cpu.getCurrentThreadCpuTime();
                long[] ts = {t0, t1, t2, t3, t4, t5};
                for (int m = 0; m < 5; m++) {
                    perRound[m][round] = (ts[m + 1] - ts[m]) / 1e3 / calls;
                }
                System.out.printf("  round %d: wire round trip POJO %.2f us, wire %.2f us; JSON mapper %.2f us,"
                        + " hand-written %.2f us; two Instant.parse %.2f us%n", round, perRound[0][round],
                        perRound[1][round], perRound[2][round], perRound[3][round], perRound[4][round]);
            }
            System.out.printf("  median of rounds %d to %d: wire round trip POJO %.1f us, wire %.1f us; JSON mapper"
                    + " %.1f us, hand-written %.1f us; two Instant.parse %.1f us%n", rounds / 2, rounds - 1,
                    warmMedian(perRound[0]), warmMedian(perRound[1]), warmMedian(perRound[2]), warmMedian(perRound[3]),
                    warmMedian(perRound[4]));
        }
        System.out.println("(checksum " + sink + ")");
    }

    /** The median of the second half of the rounds (the first warm the JIT up). */
    private static double warmMedian(double[] perRound) {
        double[] warm = Arrays.copyOfRange(perRound, perRound.length / 2, perRound.length);
        Arrays.sort(warm);
        return warm.length % 2 == 1 ? warm[warm.length / 2] : (warm[warm.length / 2 - 1] + warm[warm.length / 2]) / 2;
    }

    private static HealthReport roundTrip(TypeSerializer<HealthReport> s, HealthReport r, DataOutputSerializer out,
            DataInputDeserializer in) throws IOException {
        out.clear();
        s.serialize(r, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return s.deserialize(in);
    }

    private static byte[] wire(TypeSerializer<HealthReport> s, HealthReport r) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(16_384);
        s.serialize(r, out);
        return out.getCopyOfBuffer();
    }

    private static PredictionEvent event(Workload w, SplittableRandom r, long epochMillis) {
        PredictionEventParser.Result parsed = PredictionEventParser.parse(
                w.json(r, "model-00042", epochMillis).getBytes(StandardCharsets.UTF_8));
        if (parsed.event() == null) {
            throw new IllegalStateException(parsed.error());
        }
        return parsed.event();
    }
}
