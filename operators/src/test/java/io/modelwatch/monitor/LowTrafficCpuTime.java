package io.modelwatch.monitor;

import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The model monitor's CPU per window of low-traffic model versions at the defaults (one-minute
 * windows, {@code window.minEvents} 1,000, so every window of a model with 10 events a minute
 * extends a span for 100 windows), on RocksDB: 100 versions of 20 numeric and 5 categorical
 * features learn their references (5,000 events each, the default), then send {@code rate} events a minute each
 * for {@code minutes} minutes, one batch per version and minute. Prints the thread CPU time per
 * window closed (the watermark's timers: span, report) and per batch, over the last half of the
 * minutes. Not a test (no assertion, a figure for docs/benchmarks.md); arguments: rate (10),
 * minutes (60); run from the repository root after {@code mvn -pl operators -am test-compile}:
 * {@code java -cp "operators/target/test-classes:operators/target/classes:$(cat cp.txt)"
 * io.modelwatch.monitor.LowTrafficCpuTime} with {@code cp.txt} from {@code mvn -q -pl operators
 * dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test}.
 */
public final class LowTrafficCpuTime {
    private static final long MINUTE = 60_000;
    private static final int VERSIONS = 100;
    private static final String[] NAMES = new String[25];
    private static final byte[] KINDS = new byte[25];

    static {
        for (int i = 0; i < 25; i++) {
            NAMES[i] = i < 20 ? "x" + i : "c" + (i - 20);
            KINDS[i] = i < 20 ? ValueKind.NUMERIC : ValueKind.CATEGORICAL;
        }
    }

    private LowTrafficCpuTime() {}

    static PredictionEvent event(SplittableRandom r, String model, long ts, int i) {
        double[] x = new double[25];
        String[] c = new String[25];
        for (int f = 0; f < 25; f++) {
            if (f < 20) {
                x[f] = r.nextDouble() + r.nextDouble() + r.nextDouble() + f;
            } else {
                c[f] = "cat" + r.nextInt(8);
            }
        }
        return new PredictionEvent(model, "1", model + "-" + i, ts, NAMES, KINDS, x, c, ValueKind.NUMERIC,
                r.nextDouble(), null);
    }

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int minutes = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int openProfiles = args.length > 2 ? Integer.parseInt(args[2]) : ModelMonitorFunction.OPEN_PROFILES_FROM_HEAP;
        SplittableRandom r = new SplittableRandom(7);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (var h = new MonitorHarness(new ModelMonitorFunction(ThresholdsParser.parse("defaults: {}\n"), Map.of(), openProfiles))) {
            h.open();
            int id = 0;
            for (int v = 0; v < VERSIONS; v++) {
                List<PredictionEvent> ref = new ArrayList<>();
                for (int i = 0; i < 5000; i++) {
                    ref.add(event(r, "m" + v, i * 10L, id++));
                }
                h.processElement(new StreamRecord<>(new PredictionBatch(ref.get(0).modelKey(),
                        ref.toArray(PredictionEvent[]::new)), 50_000));
            }
            h.processWatermark(MINUTE);
            long timerCpu = 0;
            long batchCpu = 0;
            long windows = 0;
            long batches = 0;
            for (int m = 1; m <= minutes; m++) {
                long t0 = cpu.getCurrentThreadCpuTime();
                for (int v = 0; v < VERSIONS; v++) {
                    List<PredictionEvent> batch = new ArrayList<>();
                    for (int i = 0; i < rate; i++) {
                        batch.add(event(r, "m" + v, m * MINUTE + i * (MINUTE / rate), id++));
                    }
                    h.processElement(new StreamRecord<>(new PredictionBatch(batch.get(0).modelKey(),
                            batch.toArray(PredictionEvent[]::new)), m * MINUTE));
                }
                long t1 = cpu.getCurrentThreadCpuTime();
                h.processWatermark((m + 1) * MINUTE);
                long t2 = cpu.getCurrentThreadCpuTime();
                if (m > minutes / 2) {
                    batchCpu += t1 - t0;
                    timerCpu += t2 - t1;
                    windows += VERSIONS;
                    batches += VERSIONS;
                }
                if (m % 10 == 0) {
                    System.out.printf("  minute %d of %d%n", m, minutes);
                }
            }
            long accumulating = h.extractOutputValues().stream()
                    .filter(x -> x.status().equals(HealthReport.ACCUMULATING)).count();
            System.out.printf("%d versions x %d events a minute, minutes %d to %d: %.0f us CPU per window closed, "
                    + "%.0f us per batch (%d of %d reports ACCUMULATING)%n", VERSIONS, rate, minutes / 2 + 1, minutes,
                    timerCpu / 1e3 / windows, batchCpu / 1e3 / batches, accumulating, h.extractOutputValues().size());
        }
    }
}
