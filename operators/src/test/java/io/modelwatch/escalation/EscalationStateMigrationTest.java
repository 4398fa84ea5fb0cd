package io.modelwatch.escalation;

import static io.modelwatch.escalation.EscalationSnapshotWriter.MINUTE;
import static io.modelwatch.escalation.EscalationSnapshotWriter.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.RetrainTrigger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The escalation's state across upgrades, on RocksDB as in production: its NFA does not depend on
 * k or T, so a change of {@code escalation.windows} or {@code escalation.within} keeps the partial
 * matches in flight; and release 0.1.0's savepoints ({@code times(k)}, one operator per pair;
 * written by {@link EscalationSnapshotWriter}) restore, their partial matches replayed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EscalationStateMigrationTest {
    static final String A = "a/1/" + RetrainTrigger.FEATURE_DRIFT;

    static ThresholdsConfig config(int windows, String within) {
        return ThresholdsParser.parse("defaults:\n  escalation: {windows: " + windows + ", within: " + within + "}\n");
    }

    static KeyedOneInputStreamOperatorTestHarness<String, DriftSignal, RetrainTrigger> escalation(ThresholdsConfig c)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new EscalationOperator(TypeInformation.of(DriftSignal.class).createSerializer(new SerializerConfigImpl()), c),
                DriftSignal::escalationKey, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    static OperatorSubtaskState resource(String name) throws Exception {
        return OperatorSnapshotUtil.readStateHandle(
                Path.of(EscalationStateMigrationTest.class.getResource("/snapshots/" + name).toURI()).toString());
    }

    static void feed(KeyedOneInputStreamOperatorTestHarness<String, DriftSignal, ?> h, DriftSignal s) throws Exception {
        h.processElement(new StreamRecord<>(s, s.windowEnd() - 1));
    }

    static DriftSignal signal(String model, int minute) {
        return EscalationSnapshotWriter.signal(model, RetrainTrigger.FEATURE_DRIFT, minute);
    }

    /** Event time at the end of minute m's window. */
    static long end(int m) {
        return T0 + (m + 1) * MINUTE;
    }

    static String at(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    static List<String> triggers(KeyedOneInputStreamOperatorTestHarness<String, DriftSignal, RetrainTrigger> h) {
        return h.extractOutputValues().stream().map(t -> t.modelId() + " " + t.firstEvidenceAt() + ".." + t.detectedAt())
                .toList();
    }

    @Test
    void signalsKeepTheirWeightInState() throws Exception {
        var serializer = TypeInformation.of(DriftSignal.class).createSerializer(new SerializerConfigImpl());
        assertThat(serializer).isInstanceOf(org.apache.flink.api.java.typeutils.runtime.PojoSerializer.class);
        var out = new org.apache.flink.core.memory.DataOutputSerializer(256);
        serializer.serialize(signal("m", 0).withWeight(2), out);
        var copy = serializer.deserialize(new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(copy.weight()).isEqualTo(2);
    }

    @Test
    void theNfaIsTheSameForEveryWindowsAndWithin() {
        var names = EscalationOperator.stateNames(config(3, "10m"));
        assertThat(names).contains(EscalationPattern.DECISIVE, "$endState$");
        assertThat(EscalationOperator.stateNames(config(2, "5m"))).isEqualTo(names);
        assertThat(EscalationOperator.stateNames(config(7, "2h"))).isEqualTo(names);
        assertThat(EscalationOperator.stateNames(ThresholdsParser.parse("""
                models:
                  a: {escalation: {windows: 1, within: 5m}}
                  b: {escalation: {windows: 5, within: 30m}}
                """))).isEqualTo(names);
    }

    /** Two windows of a in flight, one of b; the savepoint is taken with k=3, T=10m. */
    static OperatorSubtaskState inFlight() throws Exception {
        try (var h = escalation(config(3, "10m"))) {
            h.open();
            feed(h, signal("a", 0));
            feed(h, signal("a", 1));
            feed(h, signal("b", 1));
            h.processWatermark(end(1));
            assertThat(h.extractOutputValues()).isEmpty();
            return h.snapshot(1, 1);
        }
    }

    @Test
    void windowsThreeToTwoKeepsThePartialMatchesAndTheNextSignalDecides() throws Exception {
        OperatorSubtaskState state = inFlight();
        try (var h = escalation(config(2, "10m"))) {
            h.initializeState(state);
            h.open();
            feed(h, signal("a", 2));
            feed(h, signal("b", 2));
            h.processWatermark(end(2));
            // a: its two windows in flight plus this one (a match already worth k completes at its
            // next signal); b: its one window in flight plus this one, the new k.
            assertThat(triggers(h)).containsExactlyInAnyOrder("a " + at(T0) + ".." + at(end(2)),
                    "b " + at(T0 + MINUTE) + ".." + at(end(2)));
        }
    }

    @Test
    void windowsThreeToFourKeepsThePartialMatchesAndWaitsForTheFourth() throws Exception {
        OperatorSubtaskState state = inFlight();
        try (var h = escalation(config(4, "10m"))) {
            h.initializeState(state);
            h.open();
            feed(h, signal("a", 2));
            h.processWatermark(end(2));
            assertThat(h.extractOutputValues()).as("3 of 4 windows").isEmpty();
            feed(h, signal("a", 3));
            h.processWatermark(end(3));
            assertThat(triggers(h)).containsExactly("a " + at(T0) + ".." + at(end(3)));
        }
    }

    @Test
    void withinShorterDropsOnlyWindowsThatNoLongerFit() throws Exception {
        OperatorSubtaskState state = inFlight();
        try (var h = escalation(config(3, "3m"))) {
            h.initializeState(state);
            h.open();
            // a's minutes 0 and 1 plus minute 3: windows ending 3 minutes apart, not within 3m;
            // minutes 1, 3 and 4 neither.
            feed(h, signal("a", 3));
            feed(h, signal("a", 4));
            h.processWatermark(end(4));
            assertThat(h.extractOutputValues()).isEmpty();
            // Minutes 3, 4 and 5 fit.
            feed(h, signal("a", 5));
            h.processWatermark(end(5));
            assertThat(triggers(h)).containsExactly("a " + at(T0 + 3 * MINUTE) + ".." + at(end(5)));
        }
    }

    @Test
    void withinLongerKeepsWindowsTheOldBoundWouldHaveDropped() throws Exception {
        OperatorSubtaskState state = inFlight();
        try (var h = escalation(config(3, "20m"))) {
            h.initializeState(state);
            h.open();
            // 14 minutes after a's first window: beyond the old 10m, within the new 20m.
            feed(h, signal("a", 14));
            h.processWatermark(end(14));
            assertThat(triggers(h)).containsExactly("a " + at(T0) + ".." + at(end(14)));
        }
    }

    @Test
    void defaultsOperatorOfRelease010RestoresAndItsPartialMatchesCarryOver() throws Exception {
        try (var h = escalation(config(3, "10m"))) {
            h.initializeState(resource("escalation-0.1.0-rocksdb-savepoint"));
            h.open();
            // a had minutes 0 and 1 (2 of 3); b minute 1; c's minute 2 was waiting for its watermark.
            feed(h, signal("a", 2));
            feed(h, signal("b", 2));
            h.processWatermark(end(2));
            assertThat(triggers(h)).containsExactly("a " + at(T0) + ".." + at(end(2)));
            feed(h, signal("b", 3));
            feed(h, EscalationSnapshotWriter.signal("c", RetrainTrigger.DATA_QUALITY, 3));
            feed(h, EscalationSnapshotWriter.signal("c", RetrainTrigger.DATA_QUALITY, 4));
            h.processWatermark(end(4));
            assertThat(triggers(h)).containsExactlyInAnyOrder("a " + at(T0) + ".." + at(end(2)),
                    "b " + at(T0 + MINUTE) + ".." + at(end(3)), "c " + at(T0 + 2 * MINUTE) + ".." + at(end(4)));
            // The restored signals (written before weights) count once each.
            assertThat(h.extractOutputValues()).allSatisfy(t -> assertThat(t.evidence()).isNotEmpty());
        }
    }

    @Test
    void release010PartialMatchesAreJudgedOnTheNewWindows() throws Exception {
        try (var h = escalation(config(2, "10m"))) {
            h.initializeState(resource("escalation-0.1.0-rocksdb-savepoint"));
            h.open();
            // a's two replayed windows are worth the new k: the trigger comes with the first watermark.
            h.processWatermark(end(1));
            assertThat(triggers(h)).containsExactly("a " + at(T0) + ".." + at(end(1)));
            feed(h, signal("b", 2));
            h.processWatermark(end(2));
            assertThat(triggers(h)).contains("b " + at(T0 + MINUTE) + ".." + at(end(2)));
        }
    }

    @Test
    void aRetiredPairOperatorOfRelease010HandsItsSignalsOver() throws Exception {
        var drain = new KeyedOneInputStreamOperatorTestHarness<>(
                new EscalationDrain(TypeInformation.of(DriftSignal.class).createSerializer(new SerializerConfigImpl())),
                DriftSignal::escalationKey, Types.STRING);
        drain.setStateBackend(new EmbeddedRocksDBStateBackend());
        try (drain) {
            drain.initializeState(resource("escalation-pair-0.1.0-rocksdb-savepoint"));
            drain.open();
            drain.processWatermark(end(2));
            List<StreamRecord<? extends DriftSignal>> out = drain.extractOutputStreamRecords();
            assertThat(out).singleElement().satisfies(r -> {
                assertThat(r.getValue().modelId()).isEqualTo("e");
                assertThat(r.getTimestamp()).isEqualTo(end(1) - 1);
            });
            // Emptied: a later watermark hands nothing over again.
            drain.processWatermark(end(3));
            assertThat(drain.extractOutputStreamRecords()).hasSize(1);
        }
    }

    @Test
    void overwhelmingWindowsCountForMore() throws Exception {
        try (var h = escalation(config(3, "10m"))) {
            h.open();
            feed(h, signal("strong", 0).withWeight(3));
            feed(h, signal("medium", 0).withWeight(2));
            feed(h, signal("medium", 1));
            feed(h, signal("weak", 0));
            feed(h, signal("weak", 1));
            h.processWatermark(end(1));
            // One window of weight 3; a window of weight 2 and one more; three of weight 1.
            assertThat(triggers(h)).containsExactlyInAnyOrder("strong " + at(T0) + ".." + at(end(0)),
                    "medium " + at(T0) + ".." + at(end(1)));
            feed(h, signal("weak", 2));
            h.processWatermark(end(2));
            assertThat(triggers(h)).contains("weak " + at(T0) + ".." + at(end(2)));
        }
    }
}
