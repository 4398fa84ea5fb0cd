package io.modelwatch.monitor;

import io.modelwatch.escalation.TriggerCooldownFunction;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.testing.Events;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.junit.jupiter.api.Test;

/**
 * State of model versions that stop sending goes away (issue 5, lifecycle): the monitor's keyed
 * state after {@code lifecycle.expireAfter} of event-time silence, the cooldown's by state TTL.
 * On RocksDB, as in production.
 */
public class StateLifecycleTest {
    static final long MINUTE = 60_000;
    public static final ThresholdsConfig CONFIG = ThresholdsParser.parse("""
            defaults:
              reference: {events: 500}
              window: {size: 1m, minEvents: 200}
              lifecycle: {expireAfter: 10m}
            """);

    public static MonitorHarness monitor() throws Exception {
        return monitor(CONFIG);
    }

    public static MonitorHarness monitor(ThresholdsConfig config) throws Exception {
        return new MonitorHarness(new ModelMonitorFunction(config));
    }

    static final List<String> MONITOR_STATE = List.of("reference", "learning", "learningChunks", "windows", "pending", "pendingChunks", "status");
    static final List<String> COOLDOWN_STATE = List.of("lastFiredAt", "lastWasCritical");

    /**
     * Keyed state entries (key and state name) on RocksDB, where the harness's
     * {@code numKeyedStateEntries()} is not supported: the keys each state holds.
     */
    static long entries(AbstractStreamOperatorTestHarness<?> h, List<String> states) {
        KeyedStateBackend<String> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        long n = 0;
        for (String state : states) {
            try (Stream<String> keys = backend.getKeys(state, VoidNamespace.INSTANCE)) {
                n += keys.count();
            }
        }
        return n;
    }

    public static void feed(MonitorHarness h,
            List<PredictionEvent> events) throws Exception {
        // In batches, as the EventBatcher hands them over.
        for (int i = 0; i < events.size(); i += 100) {
            List<PredictionEvent> chunk = events.subList(i, Math.min(i + 100, events.size()));
            h.processElement(new StreamRecord<>(new PredictionBatch(chunk.get(0).modelKey(),
                    chunk.toArray(PredictionEvent[]::new)), chunk.get(chunk.size() - 1).timestamp()));
        }
    }

    @Test
    void aSilentModelVersionLosesAllItsStateAfterExpireAfter() throws Exception {
        try (var h = monitor()) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));           // reference, minute 0
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 0, 0));      // last event at 00:01:29.9
            long lastEvent = MINUTE + 299 * 100;
            h.processWatermark(2 * MINUTE);
            assertThat(h.extractOutputValues()).extracting(HealthReport::status)
                    .containsExactly(HealthReport.WARMING_UP, HealthReport.OK);
            assertThat(entries(h, MONITOR_STATE)).isPositive();

            // Other models keep the watermark moving; this one stays silent.
            h.processWatermark(lastEvent + 10 * MINUTE - 1);
            assertThat(entries(h, MONITOR_STATE)).isPositive();
            h.processWatermark(lastEvent + 10 * MINUTE);
            assertThat(entries(h, MONITOR_STATE)).isZero();
            assertThat(h.numEventTimeTimers()).isZero();

            // A version that comes back after that starts over, like a new version.
            feed(h, Events.stream("m", 3, 300, 20 * MINUTE, 100, 0, 0));
            h.processWatermark(21 * MINUTE);
            List<HealthReport> reports = h.extractOutputValues();
            HealthReport last = reports.get(reports.size() - 1);
            assertThat(last.status()).isEqualTo(HealthReport.WARMING_UP);
            assertThat(last.eventsSeen()).isEqualTo(300);
        }
    }

    /**
     * A window that reached state at a checkpoint leaves it when it closes, also when its version
     * was pushed out of the heap cache in between (a cache of one version for two models); one
     * that opened and closed between two checkpoints never reached it.
     */
    @Test
    void aClosedWindowLeavesStateWhetherOrNotACheckpointWroteIt() throws Exception {
        for (int cached : new int[] {1, 64}) {
            try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG, Map.of(), cached))) {
                h.open();
                feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
                feed(h, Events.stream("n", 1, 500, 0, 100, 0, 0));
                h.processWatermark(MINUTE);
                feed(h, Events.stream("m", 2, 100, MINUTE, 100, 0, 0));
                h.prepareSnapshotPreBarrier(1);
                assertThat(entries(h, List.of("windows"))).as("cache of %d", cached).isEqualTo(1);
                feed(h, Events.stream("n", 2, 100, MINUTE, 100, 0, 0)); // evicts m from a cache of one
                feed(h, Events.stream("m", 3, 100, MINUTE + 20_000, 100, 0, 0));
                h.processWatermark(2 * MINUTE);
                assertThat(entries(h, List.of("windows"))).as("cache of %d", cached).isZero();
                feed(h, Events.stream("m", 4, 100, 2 * MINUTE, 100, 0, 0));
                h.processWatermark(3 * MINUTE);
                h.prepareSnapshotPreBarrier(2);
                assertThat(entries(h, List.of("windows"))).as("cache of %d", cached).isZero();
                assertThat(h.extractOutputValues()).extracting(HealthReport::modelId).contains("m", "n");
            }
        }
    }

    @Test
    void theEndOfABoundedInputIsNotIdlenessAndExpiresNothing() throws Exception {
        try (var h = monitor()) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 0, 0));
            // A backtest's input ends (or a stop drains): the watermark jumps to the end of time
            // and fires every timer, the expiry timer too. The last windows still report.
            h.processWatermark(Long.MAX_VALUE);
            assertThat(h.extractOutputValues()).extracting(HealthReport::status)
                    .containsExactly(HealthReport.WARMING_UP, HealthReport.OK);
            assertThat(entries(h, MONITOR_STATE)).isPositive();
        }
    }

    @Test
    void eventsPostponeTheExpiryAndTheStateSurvivesASnapshotOnTheWay() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = monitor()) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, 5 * MINUTE, 100, 0, 0));   // last event at 00:05:29.9
            h.processWatermark(12 * MINUTE);                                // past the first timer (00:10:00)
            assertThat(entries(h, MONITOR_STATE)).isPositive();
            snapshot = h.snapshot(1L, 12 * MINUTE);
        }
        try (var restored = monitor()) {
            restored.initializeState(snapshot);
            restored.open();
            // The re-armed expiry timer came through the snapshot, beside the silence check.
            assertThat(restored.numEventTimeTimers()).isEqualTo(2);
            restored.processWatermark(15 * MINUTE + 29_899);
            assertThat(entries(restored, MONITOR_STATE)).isPositive();
            restored.processWatermark(15 * MINUTE + 29_900);
            assertThat(entries(restored, MONITOR_STATE)).isZero();
        }
    }

    @Test
    void cooldownStateExpiresByTtlAndIsLeftOutOfSnapshots() throws Exception {
        ThresholdsConfig config = ThresholdsParser.parse("""
                defaults:
                  escalation: {cooldown: 6h}
                  lifecycle: {expireAfter: 2d}
                models:
                  churn:
                    escalation: {cooldown: 3d}
                """);
        assertThat(TriggerCooldownFunction.ttl(config).getTimeToLive()).isEqualTo(Duration.ofDays(3));

        OperatorSubtaskState fresh;
        OperatorSubtaskState expired;
        try (var h = cooldown(config)) {
            h.open();
            h.setStateTtlProcessingTime(0);
            h.processElement(new StreamRecord<>(trigger("fraud", "2026-11-26T12:05:00Z"), 0));
            assertThat(h.extractOutputValues()).hasSize(1);
            assertThat(entries(h, COOLDOWN_STATE)).isEqualTo(2);
            fresh = h.snapshot(1L, 0);
            h.setStateTtlProcessingTime(Duration.ofDays(3).toMillis() + 1);
            // A canonical savepoint: what a stop-with-savepoint writes.
            expired = h.snapshotWithLocalState(2L, 0, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                    .getJobManagerOwnedState();
        }
        try (var restored = cooldown(config)) {
            restored.initializeState(fresh);
            restored.open();
            assertThat(entries(restored, COOLDOWN_STATE)).isEqualTo(2);
        }
        try (var restored = cooldown(config)) {
            restored.initializeState(expired);
            restored.open();
            assertThat(entries(restored, COOLDOWN_STATE)).isZero();
        }
    }

    static KeyedOneInputStreamOperatorTestHarness<String, RetrainTrigger, RetrainTrigger> cooldown(ThresholdsConfig c)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new TriggerCooldownFunction(c)),
                (RetrainTrigger t) -> t.modelId() + "/" + t.modelVersion() + "/" + t.reason(), Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    static RetrainTrigger trigger(String model, String detectedAt) {
        return new RetrainTrigger(RetrainTrigger.idOf(model, "1", RetrainTrigger.FEATURE_DRIFT, detectedAt), model, "1",
                RetrainTrigger.FEATURE_DRIFT, RetrainTrigger.WARNING, detectedAt,
                Instant.parse(detectedAt).minusSeconds(180).toString(),
                new Evidence[] {new Evidence("feature:x", "psi", 0.2, 0.1, detectedAt)}, "v", 1000);
    }
}
