package io.modelwatch.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.RetrainTrigger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The escalation operator plus cooldown on a MiniCluster, fed window-level signals. */
@org.junit.jupiter.api.Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class EscalationITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final long MINUTE = 60_000;
    static final long T0 = Instant.parse("2026-11-26T12:00:00Z").toEpochMilli();

    static DriftSignal signal(String model, int minute, double psi) {
        long end = T0 + (minute + 1) * MINUTE;
        Evidence e = new Evidence("feature:x", "psi", psi, 0.1, Instant.ofEpochMilli(end).toString());
        return new DriftSignal(model, "1", RetrainTrigger.FEATURE_DRIFT, end - MINUTE, end, 1000L * minute,
                new Evidence[] {e}, psi >= 0.25, "v1");
    }

    static List<RetrainTrigger> run(List<DriftSignal> signals) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        ThresholdsConfig config = ThresholdsConfig.defaultConfig();
        DataStream<DriftSignal> in = env.fromData(signals).assignTimestampsAndWatermarks(
                WatermarkStrategy.<DriftSignal>forMonotonousTimestamps().withTimestampAssigner((s, ts) -> s.windowEnd() - 1));
        var keyed = in.keyBy(DriftSignal::escalationKey);
        DataStream<RetrainTrigger> triggers = keyed
                .transform("escalation", TypeInformation.of(RetrainTrigger.class), new EscalationOperator(
                        keyed.getType().createSerializer(env.getConfig().getSerializerConfig()), config))
                .keyBy(t -> t.modelId() + "/" + t.reason())
                .process(new TriggerCooldownFunction(config));
        List<RetrainTrigger> out = new ArrayList<>();
        try (CloseableIterator<RetrainTrigger> it = triggers.executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void sustainedDriftGivesOneTriggerWithDeterministicIdAndEvidence() throws Exception {
        List<DriftSignal> s = new ArrayList<>();
        for (int m = 5; m < 11; m++) {
            s.add(signal("churn", m, 0.15 + 0.01 * (m - 5)));
        }
        List<RetrainTrigger> triggers = run(s);
        assertThat(triggers).hasSize(1);
        RetrainTrigger t = triggers.get(0);
        assertThat(t.triggerId()).isEqualTo("churn/1/FEATURE_DRIFT/2026-11-26T12:08:00Z");
        assertThat(t.firstEvidenceAt()).isEqualTo("2026-11-26T12:05:00Z");
        assertThat(t.severity()).isEqualTo(RetrainTrigger.WARNING);
        assertThat(t.evidence()).hasSize(1);
        assertThat(t.evidence()[0].value()).isCloseTo(0.17, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void tooFewOrTooSpreadOutDriftedWindowsGiveNothing() throws Exception {
        List<DriftSignal> s = new ArrayList<>();
        s.add(signal("twice", 1, 0.3));
        s.add(signal("twice", 2, 0.3));
        s.add(signal("spread", 0, 0.3));
        s.add(signal("spread", 8, 0.3));
        s.add(signal("spread", 16, 0.3));
        s.add(signal("spread", 24, 0.3));
        assertThat(run(s)).isEmpty();
    }

    @Test
    void escalationToCriticalFiresAgainWithinTheCooldown() throws Exception {
        List<DriftSignal> s = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            s.add(signal("fraud", m, 0.12));
        }
        for (int m = 3; m < 9; m++) {
            s.add(signal("fraud", m, 0.5));
        }
        assertThat(run(s)).extracting(RetrainTrigger::severity)
                .containsExactly(RetrainTrigger.WARNING, RetrainTrigger.CRITICAL);
    }
}
