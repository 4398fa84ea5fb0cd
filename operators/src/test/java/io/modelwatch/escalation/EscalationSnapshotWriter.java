package io.modelwatch.escalation;

import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.RetrainTrigger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

/**
 * Writes the CEP escalation snapshots of release 0.1.0 under {@code src/test/resources/snapshots}
 * ({@code EscalationStateMigrationTest} reads them). Run with the 0.1.0 pattern, {@code
 * begin("drifted").times(k).within(T)}, as the 0.1.0 job built it through {@code CEP.pattern}:
 * kept so the fixtures can be reproduced, not part of the suite.
 *
 * <ul>
 *   <li>{@code escalation-0.1.0-rocksdb-savepoint}: the defaults' operator, times(3) within 10m.
 *       Key {@code a/1/FEATURE_DRIFT}: drifted windows of minutes 0 and 1 (two of three taken);
 *       {@code b/1/FEATURE_DRIFT}: minute 1 (one taken); {@code c/1/DATA_QUALITY}: minute 2,
 *       still buffered behind the watermark (end of minute 2).
 *   <li>{@code escalation-pair-0.1.0-rocksdb-savepoint}: a per-model pair's operator
 *       ({@code drift-escalation-2-in-300000ms}), times(2) within 5m. Key {@code e/1/FEATURE_DRIFT}:
 *       minute 1 (one of two taken), watermark at the end of minute 2.
 * </ul>
 */
public final class EscalationSnapshotWriter {
    static final long MINUTE = 60_000;
    static final long T0 = Instant.parse("2026-11-26T12:00:00Z").toEpochMilli();

    public static DriftSignal signal(String model, String reason, int minute) {
        long end = T0 + (minute + 1) * MINUTE;
        Evidence e = new Evidence("feature:x", "ks", 0.2, 0.08, Instant.ofEpochMilli(end).toString());
        return new DriftSignal(model, "1", reason, end - MINUTE, end, 1000L * (minute + 1), new Evidence[] {e}, false,
                "v1");
    }

    static KeyedOneInputStreamOperatorTestHarness<String, DriftSignal, RetrainTrigger> legacy(int k, Duration within)
            throws Exception {
        Pattern<DriftSignal, DriftSignal> pattern = Pattern.<DriftSignal>begin("drifted",
                        org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy.skipPastLastEvent())
                .where(org.apache.flink.cep.pattern.conditions.SimpleCondition.of(s -> s.evidence().length > 0))
                .times(k).within(within);
        CepOperator<DriftSignal, String, RetrainTrigger> op = new CepOperator<>(
                TypeInformation.of(DriftSignal.class).createSerializer(new SerializerConfigImpl()), false,
                NFACompiler.compileFactory(pattern, false), null, pattern.getAfterMatchSkipStrategy(),
                new RetrainTriggerBuilder(), null);
        var h = new KeyedOneInputStreamOperatorTestHarness<>(op, DriftSignal::escalationKey, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    static void feed(KeyedOneInputStreamOperatorTestHarness<String, DriftSignal, RetrainTrigger> h, DriftSignal s)
            throws Exception {
        h.processElement(new StreamRecord<>(s, s.windowEnd() - 1));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "operators/src/test/resources/snapshots");
        try (var h = legacy(3, Duration.ofMinutes(10))) {
            h.open();
            feed(h, signal("a", RetrainTrigger.FEATURE_DRIFT, 0));
            feed(h, signal("a", RetrainTrigger.FEATURE_DRIFT, 1));
            feed(h, signal("b", RetrainTrigger.FEATURE_DRIFT, 1));
            h.processWatermark(T0 + 2 * MINUTE);
            feed(h, signal("c", RetrainTrigger.DATA_QUALITY, 2));
            if (!h.extractOutputValues().isEmpty()) {
                throw new IllegalStateException("no match expected yet");
            }
            var state = h.snapshotWithLocalState(1, 1, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                    .getJobManagerOwnedState();
            OperatorSnapshotUtil.writeStateHandle(state, dir.resolve("escalation-0.1.0-rocksdb-savepoint").toString());
        }
        try (var h = legacy(2, Duration.ofMinutes(5))) {
            h.open();
            feed(h, signal("e", RetrainTrigger.FEATURE_DRIFT, 1));
            h.processWatermark(T0 + 2 * MINUTE);
            var state = h.snapshotWithLocalState(1, 1, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                    .getJobManagerOwnedState();
            OperatorSnapshotUtil.writeStateHandle(state,
                    dir.resolve("escalation-pair-0.1.0-rocksdb-savepoint").toString());
        }
    }
}
