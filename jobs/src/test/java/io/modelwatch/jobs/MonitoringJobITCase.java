package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.testing.KafkaTestBase;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import java.nio.charset.StandardCharsets;
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
 * The whole job, end to end, on real parts: an in-process Kafka broker, a Flink MiniCluster,
 * RocksDB state with checkpoints and exactly-once Kafka sinks, run as {@code run --bounded} over
 * topics filled beforehand. Default thresholds: nothing is tuned for this data.
 */
class MonitoringJobITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();



    @Test
    void driftingModelTriggersOnceStableModelNeverAndBadRecordsAreDeadLettered(@TempDir Path stateDir) throws Exception {
        int minutes = 16;
        TrafficSimulator sim = new TrafficSimulator(7, Instant.parse("2026-11-26T08:00:00Z"), 1200, List.of(
                new ModelScenario("stable", "1", DriftKind.NONE, 0),
                new ModelScenario("drifting", "1", DriftKind.FEATURE_SHIFT, 8)));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = 0; m < minutes; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>("predictions", e.modelId(), e.json())));
        }
        records.add(new ProducerRecord<>("predictions", "junk", "this is not json".getBytes(StandardCharsets.UTF_8)));
        records.add(new ProducerRecord<>("predictions", "stable",
                "{\"modelId\":\"stable\",\"prediction\":0.5}".getBytes(StandardCharsets.UTF_8)));
        records.add(new ProducerRecord<>("predictions", "junk", new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x41}));
        // Issue 21's kinds: content after the object, a time in 1969, epoch seconds.
        records.add(new ProducerRecord<>("predictions", "stable", ("{\"modelId\":\"stable\",\"timestamp\":"
                + "\"2026-11-26T08:05:00Z\",\"prediction\":0.4} }{\"garbage\": true").getBytes(StandardCharsets.UTF_8)));
        records.add(new ProducerRecord<>("predictions", "stable",
                "{\"modelId\":\"stable\",\"timestamp\":-60000,\"prediction\":0.4}".getBytes(StandardCharsets.UTF_8)));
        records.add(new ProducerRecord<>("predictions", "stable",
                "{\"modelId\":\"stable\",\"timestamp\":1764144300,\"prediction\":0.4}".getBytes(StandardCharsets.UTF_8)));
        TopicWriter.send(kafka.bootstrapServers(), "predictions", records);

        RunOptions options = RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--bounded", "--parallelism", "2",
            "--state-dir", stateDir.toString(), "--checkpoint-interval", "1s", "--job-name", "itcase"});
        MonitoringJob.run(options);

        List<RetrainTrigger> triggers = read("retrain-triggers", RetrainTrigger.class);
        assertThat(triggers).extracting(RetrainTrigger::modelId).containsOnly("drifting");
        // The simulated feature shift moves the model's scores with it, which the prediction's
        // KS test sees too: at most one trigger per reason, and the feature drift among them.
        assertThat(triggers).extracting(RetrainTrigger::reason).doesNotHaveDuplicates()
                .contains(RetrainTrigger.FEATURE_DRIFT)
                .isSubsetOf(RetrainTrigger.FEATURE_DRIFT, RetrainTrigger.PREDICTION_DRIFT);
        RetrainTrigger t = triggers.stream().filter(x -> x.reason().equals(RetrainTrigger.FEATURE_DRIFT))
                .findFirst().orElseThrow();
        assertThat(t.evidence()[0].signal()).isIn("feature:monthly_spend", "feature:tenure_months");
        assertThat(t.triggerId()).isEqualTo("drifting/1/FEATURE_DRIFT/" + t.detectedAt());
        assertThat(Instant.parse(t.firstEvidenceAt())).isAfterOrEqualTo(Instant.parse("2026-11-26T08:08:00Z"));
        assertThat(t.thresholdsVersion()).isEqualTo(options.thresholds().version());

        List<HealthReport> health = read("model-health", HealthReport.class);
        Map<String, List<HealthReport>> byModel = health.stream().collect(Collectors.groupingBy(HealthReport::modelId));
        assertThat(byModel.keySet()).containsExactlyInAnyOrder("stable", "drifting");
        // Every window of the stable model after warm-up is judged OK.
        assertThat(byModel.get("stable")).extracting(HealthReport::status).doesNotContain(HealthReport.DRIFTING)
                .contains(HealthReport.OK);
        assertThat(byModel.get("drifting")).extracting(HealthReport::status).contains(HealthReport.DRIFTING);
        // One report per model per window.
        assertThat(byModel.get("stable")).extracting(HealthReport::windowEnd).doesNotHaveDuplicates();

        List<DeadLetter> dead = read("dead-letters", DeadLetter.class);
        assertThat(dead).hasSize(6);
        assertThat(dead).extracting(DeadLetter::error).anyMatch(e -> e.startsWith("not valid JSON"))
                .anyMatch(e -> e.equals("timestamp: required field missing"))
                .anyMatch(e -> e.contains("payload is not UTF-8"))
                .anyMatch(e -> e.startsWith("not one JSON object: more content after its end"))
                .anyMatch(e -> e.startsWith("timestamp: 1969-12-31T23:59:00Z is before 2000-01-01T00:00:00Z"))
                .anyMatch(e -> e.endsWith("epoch seconds instead of milliseconds?"));
        // Nothing of them reached a window: no report before the traffic's first minute.
        assertThat(health).allMatch(r -> r.windowStart().startsWith("2026-11-26T08:"));
        assertThat(dead).allMatch(d -> d.topic().equals("predictions") && d.offset() >= 0);
        assertThat(dead).filteredOn(d -> d.payloadBase64() != null).hasSize(1);
    }

}
