package io.modelwatch.labels;

import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.ValueKind;
import io.modelwatch.serde.Json;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * The performance monitor's CPU per window of a model version that sends no labels, at the
 * defaults (one-minute windows, a 24-hour label horizon: 1,440 reports kept per version), on
 * RocksDB: the report of {@code src/examples/health-report.json} once a minute for 2,000 minutes,
 * thread CPU time per window over each block of 200 windows. Not a test (no assertion, a figure
 * for docs/benchmarks.md); arguments: windows (2,000), horizon (24h), labels per window (0; each 10 minutes after its prediction); run from the repository root after {@code mvn -pl operators -am
 * test-compile}:
 * {@code java -cp "operators/target/test-classes:operators/target/classes:$(cat cp.txt)"
 * io.modelwatch.labels.PerformanceMonitorCpuTime} with {@code cp.txt} from {@code mvn -q -pl
 * operators dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test}.
 */
public final class PerformanceMonitorCpuTime {
    private static final long MINUTE = 60_000;

    private PerformanceMonitorCpuTime() {}

    public static void main(String[] args) throws Exception {
        HealthReport example = Json.read(Files.readAllBytes(Path.of("src/examples/health-report.json")), HealthReport.class);
        int windows = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        String horizon = args.length > 1 ? args[1] : "24h";
        int labelsPerWindow = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new PerformanceMonitorFunction(ThresholdsParser.parse(
                        "defaults:\n  window: {size: 1m}\n  performance: {labelHorizon: " + horizon + "}\n"))),
                (HealthReport r) -> ModelKey.of(r.modelId(), r.modelVersion()), LabelOutcome::modelKey, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        System.out.printf("report: %d features; %d windows, one a minute, label horizon %s, %d labels per window%n",
                example.features().length, windows, horizon, labelsPerWindow);
        long t0 = cpu.getCurrentThreadCpuTime();
        for (int k = 0; k < windows; k++) {
            HealthReport r = new HealthReport(example.modelId(), example.modelVersion(),
                    Instant.ofEpochMilli(k * MINUTE).toString(), Instant.ofEpochMilli((k + 1) * MINUTE).toString(),
                    example.status(), example.events(), example.eventsSeen(), example.referenceEvents(),
                    example.features(), example.prediction(), example.quality(), example.escalation(),
                    example.thresholdsVersion(), 0, null, example.control(), example.upgrade(),
                    example.estimatedPerformance(), example.joint());
            h.processElement1(new StreamRecord<>(r, (k + 1) * MINUTE - 1));
            // Labels of predictions of ten minutes ago (window k - 10), arriving now.
            for (int i = 0; i < labelsPerWindow && k >= 10; i++) {
                long predicted = (k - 10) * MINUTE + i * (MINUTE / labelsPerWindow);
                long labelled = k * MINUTE + i * (MINUTE / labelsPerWindow);
                h.processElement2(new StreamRecord<>(new LabelOutcome(LabelOutcome.MATCHED, example.modelId(),
                        example.modelVersion(), predicted, labelled, ValueKind.NUMERIC, i % 2 == 0 ? 0.8 : 0.3, null,
                        ValueKind.NUMERIC, i % 3 == 0 ? 0 : 1, null), labelled));
            }
            h.processBothWatermarks(new Watermark((k + 1) * MINUTE - 1));
            if ((k + 1) % 200 == 0) {
                long t1 = cpu.getCurrentThreadCpuTime();
                System.out.printf("windows %5d to %5d: %8.1f us CPU per window (%d reports sent)%n",
                        k - 198, k + 1, (t1 - t0) / 200 / 1e3, h.extractOutputValues().size());
                h.getOutput().clear();
                t0 = t1;
            }
        }
        h.close();
    }
}
