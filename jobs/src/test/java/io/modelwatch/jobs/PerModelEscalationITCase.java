package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-model escalation settings from the thresholds file are in force: two models with the same
 * drift at the same minute, one escalating on the defaults (3 drifted windows within 10m), one
 * on a single drifted window. Every window counts once ({@code weighted: false}): weighted, the
 * strong shift's first window would trigger both. The eager one's trigger spans one window (detected at the end of the
 * first drifted window), the patient one's at least three.
 */
class PerModelEscalationITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    @Test
    void eachModelEscalatesOnItsOwnSettings(@TempDir Path dir) throws Exception {
        TrafficSimulator sim = new TrafficSimulator(11, Instant.parse("2026-11-26T08:00:00Z"), 1200, List.of(
                new ModelScenario("patient", "1", DriftKind.FEATURE_SHIFT, 6),
                new ModelScenario("eager", "1", DriftKind.FEATURE_SHIFT, 6)));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = 0; m < 13; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>("predictions", e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", records);
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                defaults:
                  escalation: {weighted: false}
                models:
                  eager:
                    escalation: {windows: 1, within: 5m}
                """);

        RunOptions options = RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--bounded", "--parallelism", "2",
            "--thresholds", thresholds.toString(), "--state-dir", dir.resolve("state").toString(),
            "--checkpoint-interval", "1s", "--job-name", "per-model-escalation"});
        MonitoringJob.run(options);

        Map<String, RetrainTrigger> featureDrift = read("retrain-triggers", RetrainTrigger.class).stream()
                .filter(t -> t.reason().equals(RetrainTrigger.FEATURE_DRIFT))
                .collect(Collectors.toMap(RetrainTrigger::modelId, t -> t));
        assertThat(featureDrift).containsOnlyKeys("patient", "eager");
        RetrainTrigger eager = featureDrift.get("eager");
        // firstEvidenceAt is the start of the first drifted window, detectedAt the end of the last.
        assertThat(Instant.parse(eager.detectedAt())).isEqualTo(Instant.parse(eager.firstEvidenceAt()).plusSeconds(60));
        RetrainTrigger patient = featureDrift.get("patient");
        assertThat(Instant.parse(patient.detectedAt()))
                .isAfterOrEqualTo(Instant.parse(patient.firstEvidenceAt()).plusSeconds(180));
        assertThat(Instant.parse(eager.detectedAt())).isBefore(Instant.parse(patient.detectedAt()));
    }
}
