package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.testing.ContractSchemas;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A predictions partition that never receives anything does not hold windows back: after
 * {@code --idleness} it stops counting for the watermark, and the other partition's windows close
 * and are reported while the job runs (unbounded, so nothing but idleness can move the watermark
 * past the quiet partition; without it no report would ever come).
 */
class QuietPartitionITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    @Test
    void windowsCloseWhileAPartitionStaysQuiet(@TempDir Path dir) throws Exception {
        TrafficSimulator sim = new TrafficSimulator(5, Instant.parse("2026-11-26T10:00:00Z"), 600,
                List.of(ModelScenario.stable("churn", "1"), new ModelScenario("fraud", "1", DriftKind.NONE, 0)));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = 0; m < 6; m++) {
            // Every record to partition 0: partition 1 of the two stays empty for the whole run.
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>("predictions", 0, e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", records);
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                defaults:
                  reference: {events: 1000}
                  window: {minEvents: 300}
                """);
        RunOptions options = RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--parallelism", "2", "--thresholds", thresholds.toString(),
            "--checkpoint-interval", "1s", "--idleness", "2s", "--job-name", "quiet-partition"});
        JobClient job = submit(options);
        try {
            // Windows 0..4 of both models close: the watermark (newest event - 30 s) is inside minute 5.
            List<HealthReport> reports = TopicReader.awaitRecords(kafka.bootstrapServers(), "model-health", 10,
                    Duration.ofSeconds(90)).stream().map(r -> ContractSchemas.read(r.value(), HealthReport.class)).toList();
            assertThat(reports).hasSize(10);
            assertThat(reports).extracting(HealthReport::modelId).containsOnly("churn", "fraud");
            assertThat(reports).extracting(HealthReport::windowEnd).contains("2026-11-26T10:05:00Z");
        } finally {
            cancelAndAwait(job);
        }
    }
}
