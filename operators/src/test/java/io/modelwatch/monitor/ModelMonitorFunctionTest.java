package io.modelwatch.monitor;

import io.modelwatch.batching.EventBatcher;
import io.modelwatch.model.SideOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.testing.Events;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/** The keyed monitor in an operator harness on RocksDB, including a snapshot/restore round trip. */
class ModelMonitorFunctionTest {
    static final long MINUTE = 60_000;
    /** Small numbers so the test stays fast; the logic does not depend on them. */
    static final ThresholdsConfig CONFIG = ThresholdsParser.parse("""
            defaults:
              reference: {events: 500}
              window: {size: 1m, minEvents: 200}
            """);

    static MonitorHarness harness() throws Exception {
        return harness(new ModelMonitorFunction(CONFIG));
    }

    static MonitorHarness harness(ModelMonitorFunction f) throws Exception {
        return new MonitorHarness(f);
    }

    static void feed(MonitorHarness h,
            List<PredictionEvent> events) throws Exception {
        // In batches, as the EventBatcher hands them over.
        for (int i = 0; i < events.size(); i += 100) {
            List<PredictionEvent> chunk = events.subList(i, Math.min(i + 100, events.size()));
            h.processElement(new StreamRecord<>(new PredictionBatch(chunk.get(0).modelKey(),
                    chunk.toArray(PredictionEvent[]::new)), chunk.get(chunk.size() - 1).timestamp()));
        }
    }

    static List<HealthReport> reports(MonitorHarness h) {
        return h.extractOutputValues();
    }

    static List<DriftSignal> signals(MonitorHarness h) {
        var side = h.getSideOutput(SideOutputs.SIGNALS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    @Test
    void learnsAReferenceThenReportsEveryWindowAndSignalsDrift() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));              // minute 0: the reference
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 0, 0));         // minute 1: same traffic
            feed(h, Events.stream("m", 3, 300, 2 * MINUTE, 100, 1.5, 0));   // minute 2: x shifted by 1.5 sd
            h.processWatermark(3 * MINUTE);

            assertThat(reports(h)).extracting(HealthReport::status)
                    .containsExactly(HealthReport.WARMING_UP, HealthReport.OK, HealthReport.DRIFTING);
            assertThat(reports(h)).extracting(HealthReport::windowEnd)
                    .containsExactly("1970-01-01T00:01:00Z", "1970-01-01T00:02:00Z", "1970-01-01T00:03:00Z");
            assertThat(signals(h)).extracting(DriftSignal::reason)
                    .containsExactly(RetrainTrigger.FEATURE_DRIFT, RetrainTrigger.PREDICTION_DRIFT);
            assertThat(signals(h).get(0).evidence()[0].signal()).isEqualTo("feature:x");
            // Evaluated windows leave no window state behind.
            assertThat(reports(h).get(2).eventsSeen()).isEqualTo(1100);
        }
    }

    @Test
    void stateSurvivesSnapshotAndRestoreOnRocksDb() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 0, 0));
            h.processWatermark(2 * MINUTE);
            assertThat(reports(h)).extracting(HealthReport::status).containsExactly(HealthReport.WARMING_UP, HealthReport.OK);
            snapshot = h.snapshot(1L, 2 * MINUTE);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            feed(restored, Events.stream("m", 3, 300, 2 * MINUTE, 100, 1.5, 0));
            restored.processWatermark(3 * MINUTE);
            // No second warm-up: the restored reference judges the very next window.
            List<HealthReport> after = reports(restored);
            assertThat(after).extracting(HealthReport::status).containsExactly(HealthReport.DRIFTING);
            assertThat(after.get(0).referenceEvents()).isEqualTo(500);
            assertThat(after.get(0).eventsSeen()).isEqualTo(1100);
            assertThat(signals(restored)).isNotEmpty();
            assertThat(after.get(0).upgrade()).as("same thresholds: nothing to note").isNull();
        }
    }

    static ThresholdsConfig windowSize(String size) {
        return ThresholdsParser.parse("""
                defaults:
                  reference: {events: 500}
                  window: {size: %s, minEvents: 200}
                """.formatted(size));
    }

    static List<String> spans(List<HealthReport> reports) {
        return reports.stream().map(r -> r.status() + " " + r.windowStart().substring(11, 19) + "-"
                + r.windowEnd().substring(11, 19) + " " + r.events()).toList();
    }

    /**
     * window.size changed by a savepoint upgrade: the window open at the savepoint finishes under
     * its old size, the new size applies from its end on (the first new window clipped to start
     * there), the reference is kept (no second warm-up) and no event is counted twice or lost.
     */
    @Test
    void aLargerWindowSizeAfterARestoreKeepsTheReferenceAndFinishesTheOpenWindow() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(new ModelMonitorFunction(windowSize("1m")))) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 0, 0));
            feed(h, Events.stream("m", 3, 300, 2 * MINUTE, 100, 0, 0)); // [2m, 3m) open at the savepoint
            h.processWatermark(2 * MINUTE);
            assertThat(spans(reports(h))).containsExactly("WARMING_UP 00:00:00-00:01:00 500", "OK 00:01:00-00:02:00 300");
            snapshot = h.snapshot(1L, 2 * MINUTE);
        }
        try (var restored = harness(new ModelMonitorFunction(windowSize("5m")))) {
            restored.initializeState(snapshot);
            restored.open();
            feed(restored, Events.stream("m", 4, 300, 2 * MINUTE + 40_000, 10, 0, 0)); // still [2m, 3m)
            feed(restored, Events.stream("m", 5, 300, 3 * MINUTE, 100, 0, 0));
            feed(restored, Events.stream("m", 6, 300, 5 * MINUTE, 100, 0, 0));
            feed(restored, Events.stream("m", 7, 300, 8 * MINUTE, 100, 0, 0));
            restored.processWatermark(10 * MINUTE);
            assertThat(spans(reports(restored))).containsExactly(
                    "OK 00:02:00-00:03:00 600", "OK 00:03:00-00:05:00 300", "OK 00:05:00-00:10:00 600");
            assertThat(reports(restored).get(2).eventsSeen()).isEqualTo(2300);
            // The first report after the upgrade says what changed for the model, once.
            HealthReport.Upgrade upgrade = reports(restored).get(0).upgrade();
            assertThat(upgrade.fromThresholdsVersion()).isEqualTo(windowSize("1m").version());
            assertThat(upgrade.changed()).containsExactly("window.size");
            assertThat(reports(restored).subList(1, 3)).extracting(HealthReport::upgrade).containsOnlyNulls();
            assertThat(reports(restored)).allSatisfy(r -> assertThat(r.referenceEvents()).isEqualTo(500));
        }
    }

    @Test
    void aSmallerWindowSizeAfterARestoreFinishesTheOpenWindowUnderItsOldSize() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(new ModelMonitorFunction(windowSize("5m")))) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, 5 * MINUTE, 100, 0, 0)); // [5m, 10m) open at the savepoint
            h.processWatermark(6 * MINUTE);
            assertThat(spans(reports(h))).containsExactly("WARMING_UP 00:00:00-00:05:00 500");
            snapshot = h.snapshot(1L, 6 * MINUTE);
        }
        try (var restored = harness(new ModelMonitorFunction(windowSize("1m")))) {
            restored.initializeState(snapshot);
            restored.open();
            feed(restored, Events.stream("m", 3, 300, 7 * MINUTE, 100, 0, 0)); // still [5m, 10m)
            feed(restored, Events.stream("m", 4, 300, 10 * MINUTE, 100, 0, 0));
            feed(restored, Events.stream("m", 5, 300, 11 * MINUTE, 100, 0, 0));
            restored.processWatermark(12 * MINUTE);
            assertThat(spans(reports(restored))).containsExactly(
                    "OK 00:05:00-00:10:00 600", "OK 00:10:00-00:11:00 300", "OK 00:11:00-00:12:00 300");
            // And a second savepoint upgrade back: the grids carried in state do not pile up.
            snapshot = restored.snapshot(2L, 12 * MINUTE);
        }
        try (var again = harness(new ModelMonitorFunction(windowSize("2m")))) {
            again.initializeState(snapshot);
            again.open();
            feed(again, Events.stream("m", 6, 300, 12 * MINUTE, 100, 0, 0));
            again.processWatermark(14 * MINUTE);
            assertThat(spans(reports(again))).containsExactly("OK 00:12:00-00:14:00 300");
        }
    }

    @Test
    void aGivenReferenceJudgesTheFirstWindowWithoutWarmUpAndIsKeptInState() throws Exception {
        ModelProfile learned = new ModelProfile();
        Events.stream("m", 1, 5000, 0, 1, 0, 0).forEach(learned::add);
        ReferenceProfile given = ReferenceProfile.freeze(learned, 10, 20);
        Map<String, byte[]> refs = Map.of(ModelKey.of("m", "1"), given.toBytes());
        OperatorSubtaskState snapshot;
        try (var h = harness(new ModelMonitorFunction(CONFIG, refs))) {
            h.open();
            feed(h, Events.stream("m", 2, 300, 0, 100, 0, 0));              // minute 0: judged at once
            feed(h, Events.stream("m", 3, 300, MINUTE, 100, 1.5, 0));       // minute 1: shifted
            h.processWatermark(2 * MINUTE);
            assertThat(reports(h)).extracting(HealthReport::status)
                    .containsExactly(HealthReport.OK, HealthReport.DRIFTING);
            assertThat(reports(h).get(0).referenceEvents()).isEqualTo(5000);
            snapshot = h.snapshot(1L, 2 * MINUTE);
        }
        // Restored without the file: the adopted reference is in state, still no warm-up.
        try (var restored = harness(new ModelMonitorFunction(CONFIG))) {
            restored.initializeState(snapshot);
            restored.open();
            feed(restored, Events.stream("m", 4, 300, 2 * MINUTE, 100, 0, 0));
            restored.processWatermark(3 * MINUTE);
            assertThat(reports(restored)).extracting(HealthReport::status).containsExactly(HealthReport.OK);
            assertThat(reports(restored).get(0).referenceEvents()).isEqualTo(5000);
        }
        // Other versions still learn their own.
        try (var h = harness(new ModelMonitorFunction(CONFIG, refs))) {
            h.open();
            feed(h, Events.stream("other", 1, 300, 0, 100, 0, 0));
            h.processWatermark(MINUTE);
            assertThat(reports(h)).extracting(HealthReport::status).containsExactly(HealthReport.WARMING_UP);
        }
    }

    @Test
    void lowTrafficWindowsAccumulateUntilTheyHaveEnoughEvents() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 120, MINUTE, 400, 0, 0));      // 120 < 200 events
            feed(h, Events.stream("m", 3, 120, 2 * MINUTE, 400, 0, 0));  // 240 together
            h.processWatermark(3 * MINUTE);
            List<HealthReport> r = reports(h);
            assertThat(r).extracting(HealthReport::status)
                    .containsExactly(HealthReport.WARMING_UP, HealthReport.ACCUMULATING, HealthReport.OK);
            assertThat(r.get(2).windowStart()).isEqualTo("1970-01-01T00:01:00Z");
            assertThat(r.get(2).events()).isEqualTo(240);
        }
    }

    @Test
    void lateEventsAreCountedInTheNextReportNotDropped() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 0, 0));
            h.processWatermark(2 * MINUTE);
            feed(h, Events.stream("m", 4, 7, 30_000, 1, 0, 0));          // behind the watermark
            feed(h, Events.stream("m", 5, 300, 2 * MINUTE, 100, 0, 0));
            h.processWatermark(3 * MINUTE);
            HealthReport last = reports(h).get(reports(h).size() - 1);
            assertThat(last.quality().lateEvents()).isEqualTo(7);
            assertThat(last.events()).isEqualTo(300);
            assertThat(last.eventsSeen()).isEqualTo(1107);
        }
    }

    @Test
    void aModelThatStopsSendingIsReportedSilentWithoutAnotherEventOfItsOwn() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, Events.stream("quiet", 1, 800, 0, 100, 0, 0));   // then nothing more from "quiet"
            // Another model keeps the watermark moving for 40 minutes.
            feed(h, Events.stream("busy", 2, 2400, 0, 1000, 0, 0));
            h.processWatermark(40 * MINUTE);
            List<HealthReport> silent = reports(h).stream()
                    .filter(r -> r.status().equals(HealthReport.SILENT)).collect(Collectors.toList());
            assertThat(silent).extracting(HealthReport::modelId).containsExactly("quiet");
            // Silent since its last event; reported once silenceAfter (30m) passed the end of its last window.
            assertThat(silent.get(0).windowStart()).isEqualTo("1970-01-01T00:01:19.900Z");
            assertThat(silent.get(0).windowEnd()).isEqualTo("1970-01-01T00:32:00Z");
            assertThat(silent.get(0).events()).isZero();
        }
    }

    @Test
    void aBurstAfterHoursOfSilenceIsJudgedAgainstTheKeptReference() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, Events.stream("quiet", 1, 800, 0, 100, 0, 0));   // reference, one window, then silence
            long burstAt = 5 * 60 * MINUTE;
            // Another model keeps event time moving through the five hours and past the burst.
            feed(h, Events.stream("busy", 2, (int) ((burstAt + 3 * MINUTE) / 1000), 0, 1000, 0, 0));
            h.processWatermark(burstAt - MINUTE);
            assertThat(reports(h)).filteredOn(r -> r.modelId().equals("quiet"))
                    .extracting(HealthReport::status).contains(HealthReport.SILENT);
            int before = reports(h).size();

            feed(h, Events.stream("quiet", 3, 1200, burstAt, 50, 0, 0)); // 1,200 events in one minute
            h.processWatermark(burstAt + 3 * MINUTE);
            List<HealthReport> burst = reports(h).subList(before, reports(h).size()).stream()
                    .filter(r -> r.modelId().equals("quiet")).collect(Collectors.toList());
            // New windows open and close as usual: every event is counted, none is late, and the
            // version is judged against the reference it learned five hours ago (no new warm-up).
            assertThat(burst).isNotEmpty();
            assertThat(burst.stream().mapToLong(HealthReport::events).sum()).isEqualTo(1200);
            assertThat(burst).extracting(HealthReport::status)
                    .doesNotContain(HealthReport.WARMING_UP, HealthReport.ACCUMULATING, HealthReport.SILENT);
        }
    }
}
