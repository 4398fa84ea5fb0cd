package io.modelwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.testing.Events;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;

/**
 * Savepoints written by an earlier version of the job restore into this one (issue 5: state types
 * evolve compatibly). The snapshots under {@code src/test/resources/snapshots} are canonical
 * RocksDB savepoints of single operators, written by the 0.1.0 code (commit e9a927b) with the
 * fixtures of these tests: keep them, and add one per release whose state layout changes.
 *
 * <ul>
 *   <li>monitor: reference learned from 500 events at minute 0, minute 1 evaluated, minute 2
 *       (x shifted by 1.5 sd, 300 events) open with its timer pending, watermark at minute 2.
 *       {@link MonitorStatus} has since gained the lifecycle fields (POJO schema evolution).
 *   <li>cooldown: one WARNING trigger for m/1/FEATURE_DRIFT at 2026-11-26T12:05:00Z. Its state
 *       has since gained a TTL (restoring non-TTL state with TTL is supported since Flink 2.2).
 * </ul>
 */
public class StateMigrationTest {
    static final long MINUTE = 60_000;
    public static final ThresholdsConfig CONFIG = ThresholdsParser.parse("""
            defaults:
              reference: {events: 500}
              window: {size: 1m, minEvents: 200}
              lifecycle: {expireAfter: 10m}
            """);

    static OperatorSubtaskState snapshot(String name) throws Exception {
        return OperatorSnapshotUtil.readStateHandle(
                Path.of(StateMigrationTest.class.getResource("/snapshots/" + name).toURI()).toString());
    }

    @Test
    void monitorStateOf010RestoresAndExpiresFromItsNextEvent() throws Exception {
        try (var h = StateLifecycleTest.monitor(CONFIG)) {
            h.initializeState(snapshot("monitor-0.1.0-rocksdb-savepoint"));
            h.open();
            h.processWatermark(3 * MINUTE);
            List<HealthReport> reports = h.extractOutputValues();
            assertThat(reports).extracting(HealthReport::status).containsExactly(HealthReport.DRIFTING);
            assertThat(reports.get(0).referenceEvents()).isEqualTo(500);
            assertThat(reports.get(0).eventsSeen()).isEqualTo(1100);

            // No expiry timer in the old state: the next event arms it.
            assertThat(h.numEventTimeTimers()).isZero();
            StateLifecycleTest.feed(h, Events.stream("m", 4, 300, 3 * MINUTE, 100, 0, 0));
            h.processWatermark(4 * MINUTE + 29_900 + 10 * MINUTE);
            assertThat(StateLifecycleTest.entries(h, StateLifecycleTest.MONITOR_STATE)).isZero();
        }
    }

    @Test
    void cooldownStateOf010RestoresIntoTtlState() throws Exception {
        try (var h = StateLifecycleTest.cooldown(CONFIG)) {
            h.initializeState(snapshot("cooldown-0.1.0-rocksdb-savepoint"));
            h.open();
            assertThat(StateLifecycleTest.entries(h, StateLifecycleTest.COOLDOWN_STATE)).isEqualTo(2);
            // An hour later, within the 24h cooldown: held back, so the restored state is read.
            h.processElement(new StreamRecord<>(StateLifecycleTest.trigger("m", "2026-11-26T13:05:00Z"), 0));
            assertThat(h.extractOutputValues()).isEmpty();
            RetrainTrigger critical = StateLifecycleTest.trigger("m", "2026-11-26T13:06:00Z");
            critical = new RetrainTrigger(critical.triggerId(), critical.modelId(), critical.modelVersion(),
                    critical.reason(), RetrainTrigger.CRITICAL, critical.detectedAt(), critical.firstEvidenceAt(),
                    critical.evidence(), critical.thresholdsVersion(), critical.eventsSeen());
            h.processElement(new StreamRecord<>(critical, 0));
            // WARNING to CRITICAL escalates through the cooldown: the restored lastWasCritical is false.
            assertThat(h.extractOutputValues()).extracting(RetrainTrigger::severity).containsExactly(RetrainTrigger.CRITICAL);
        }
    }
}
