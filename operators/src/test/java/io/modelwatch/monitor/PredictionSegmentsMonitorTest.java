package io.modelwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.escalation.RetrainTriggerBuilder;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.RegionEvents;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prediction's segments in the model monitor, on RocksDB through a snapshot and restore: the
 * reference is learned from minutes 0 and 1 (2,000 events), its segments from minutes 2 and 3;
 * from minute 4 the prediction rises by 0.5 where region = north_america only. Every drifted
 * window names north_america first, in its signal and its report, after a restore as in an
 * undisturbed run, with the same bytes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PredictionSegmentsMonitorTest {
    static final long MINUTE = 60_000;
    static final ThresholdsConfig CONFIG = ThresholdsParser.parse("""
            defaults:
              reference: {events: 2000}
              window: {size: 1m, minEvents: 500}
            """);

    static List<PredictionEvent> minute(int m, double northAmericaShift) {
        return RegionEvents.events(100 + m, 1000, m * MINUTE, 60, RegionEvents.northAmerica(northAmericaShift));
    }

    /** Minutes 0 to 3 unchanged. */
    static void before(MonitorHarness h) throws Exception {
        for (int m = 0; m < 4; m++) {
            StateLifecycleTest.feed(h, minute(m, 0));
        }
        h.processWatermark(4 * MINUTE - 1);
    }

    /** Minutes 4 to 6 shifted where region = north_america, then the watermark past them. */
    static void after(MonitorHarness h) throws Exception {
        for (int m = 4; m < 7; m++) {
            StateLifecycleTest.feed(h, minute(m, 0.5));
        }
        h.processWatermark(8 * MINUTE);
    }

    static List<DriftSignal> signals(MonitorHarness h) {
        List<DriftSignal> out = new ArrayList<>();
        var side = h.getSideOutput(SideOutputs.SIGNALS);
        if (side != null) {
            for (StreamRecord<DriftSignal> r : side) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    @Test
    void theRegionWhosePredictionsMovedIsNamedFirstAfterARestoreAsInAnUndisturbedRun() throws Exception {
        List<HealthReport> undisturbed;
        List<DriftSignal> undisturbedSignals;
        try (var h = StateLifecycleTest.monitor(CONFIG)) {
            h.open();
            before(h);
            h.getOutput().clear();
            if (h.getSideOutput(SideOutputs.SIGNALS) != null) {
                h.getSideOutput(SideOutputs.SIGNALS).clear();
            }
            after(h);
            undisturbed = h.extractOutputValues();
            undisturbedSignals = signals(h);
        }

        OperatorSubtaskState snapshot;
        List<HealthReport> beforeReports;
        try (var h = StateLifecycleTest.monitor(CONFIG)) {
            h.open();
            before(h);
            beforeReports = new ArrayList<>(h.extractOutputValues());
            snapshot = h.snapshot(1L, 4 * MINUTE);
        }
        // Minutes 2 and 3 were judged (their segments complete the reference's), nothing drifted.
        assertThat(beforeReports).extracting(HealthReport::status).containsExactly(HealthReport.WARMING_UP,
                HealthReport.WARMING_UP, HealthReport.OK, HealthReport.OK);
        assertThat(beforeReports).allSatisfy(r -> assertThat(r.predictionSegments()).isNull());

        List<HealthReport> restored;
        List<DriftSignal> restoredSignals;
        try (var h = StateLifecycleTest.monitor(CONFIG)) {
            h.initializeState(snapshot);
            h.open();
            after(h);
            restored = h.extractOutputValues();
            restoredSignals = signals(h);
        }

        List<DriftSignal> drift = restoredSignals.stream()
                .filter(s -> s.reason().equals(RetrainTrigger.PREDICTION_DRIFT)).toList();
        assertThat(drift).hasSize(3).allSatisfy(s -> {
            List<String> segments = Arrays.stream(s.evidence()).map(Evidence::signal)
                    .filter(x -> x.startsWith(Evidence.SEGMENT_PREFIX)).distinct().toList();
            assertThat(segments).containsExactly("segment:region=north_america");
        });
        RetrainTrigger trigger = RetrainTriggerBuilder.build(drift);
        assertThat(trigger.evidence()[0].signal()).isEqualTo("prediction");
        assertThat(Arrays.stream(trigger.evidence()).map(Evidence::signal)
                .filter(x -> x.startsWith(Evidence.SEGMENT_PREFIX))).first()
                .isEqualTo("segment:region=north_america");
        assertThat(restored).hasSize(3).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(HealthReport.DRIFTING);
            assertThat(r.predictionSegments().segments()[0].segment()).isEqualTo("region=north_america");
        });

        // The same events give the same reports and signals, byte for byte, restored or not.
        assertThat(restored.stream().map(r -> new String(Json.toBytes(r))).toList())
                .isEqualTo(undisturbed.stream().map(r -> new String(Json.toBytes(r))).toList());
        assertThat(restoredSignals.stream().map(s -> new String(Json.toBytes(s))).toList())
                .isEqualTo(undisturbedSignals.stream().map(s -> new String(Json.toBytes(s))).toList());
    }

    @Test
    void anUnchangedModelNamesNoSegment() throws Exception {
        try (var h = StateLifecycleTest.monitor(CONFIG)) {
            h.open();
            for (int m = 0; m < 12; m++) {
                StateLifecycleTest.feed(h, minute(m, 0));
            }
            h.processWatermark(13 * MINUTE);
            assertThat(h.extractOutputValues()).hasSize(12)
                    .allSatisfy(r -> assertThat(r.predictionSegments()).isNull());
            assertThat(signals(h)).noneMatch(s -> s.reason().equals(RetrainTrigger.PREDICTION_DRIFT));
        }
    }
}
