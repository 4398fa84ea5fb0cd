package io.modelwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --bounded} on the {@code --state-dir} of an unbounded run that was killed mid-stream
 * resumes its newest checkpoint, reads to the topics' end offsets of when it starts and ends by
 * itself, with every window reported and the drift triggered exactly once (read_committed).
 * Before {@link io.modelwatch.jobs.RunBoundedKafkaSource} the restored partitions kept the
 * unbounded run's "no stopping offset" and the bounded run never ended.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class BoundedResumeITCase extends KafkaTestBase {
    static final int MINUTES = 14;
    static final Instant START = Instant.parse("2026-11-26T09:00:00Z");

    @Test
    void boundedRunOnAKilledUnboundedRunsStateEndsWithEverythingOnce(@TempDir Path dir) throws Exception {
        TrafficSimulator sim = new TrafficSimulator(5, START, 600, List.of(
                ModelScenario.stable("churn", "1"), new ModelScenario("fraud", "1", DriftKind.FEATURE_SHIFT, 6)));
        TopicWriter.send(kafka.bootstrapServers(), "predictions", minutes(sim, 0, MINUTES / 2));
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                defaults:
                  reference: {events: 1000}
                  window: {minEvents: 300}
                """);
        List<String> common = List.of("run", "--bootstrap-servers", kafka.bootstrapServers(), "--thresholds",
                thresholds.toString(), "--state-dir", dir.resolve("state").toString(), "--parallelism", "2",
                "--checkpoint-interval", "1s", "--idleness", "5s");

        Path first = Files.createDirectories(dir.resolve("first"));
        Process run = RunCommandITCase.modelwatch(first, common.toArray(String[]::new));
        try {
            assertThat(TopicReader.awaitRecords(kafka.bootstrapServers(), "model-health", 4, Duration.ofSeconds(120)))
                    .as("reports before the kill; stderr: %s", RunCommandITCase.read(first.resolve("stderr.txt")))
                    .hasSizeGreaterThanOrEqualTo(4);
        } finally {
            run.destroyForcibly(); // SIGKILL mid-stream: only retained checkpoints are left
            run.waitFor(30, TimeUnit.SECONDS);
        }

        // The rest of the traffic arrives while nothing runs; the bounded run must read it all and stop.
        TopicWriter.send(kafka.bootstrapServers(), "predictions", minutes(sim, MINUTES / 2, MINUTES));
        Path second = Files.createDirectories(dir.resolve("second"));
        List<String> bounded = new ArrayList<>(common);
        bounded.add("--bounded");
        Process backtest = RunCommandITCase.modelwatch(second, bounded.toArray(String[]::new));
        try {
            assertThat(backtest.waitFor(150, TimeUnit.SECONDS))
                    .as("the bounded run ended by itself; stderr: %s", RunCommandITCase.read(second.resolve("stderr.txt")))
                    .isTrue();
            assertThat(backtest.exitValue()).as(RunCommandITCase.read(second.resolve("stderr.txt"))).isZero();
        } finally {
            backtest.destroyForcibly();
        }
        String stderr = RunCommandITCase.read(second.resolve("stderr.txt"));
        assertThat(stderr).contains("modelwatch: resuming from").contains("modelwatch: done");

        // At the end of a bounded input every window closes, the last one (minute 13) included.
        List<HealthReport> reports = TopicReader.readAll(kafka.bootstrapServers(), "model-health").stream()
                .map(r -> Json.read(r.value(), HealthReport.class)).toList();
        Map<String, List<String>> windows = reports.stream().collect(Collectors.groupingBy(HealthReport::modelId,
                Collectors.mapping(HealthReport::windowEnd, Collectors.toList())));
        List<String> expected = new ArrayList<>();
        for (int m = 1; m <= MINUTES; m++) {
            expected.add(START.plusSeconds(60L * m).toString());
        }
        for (String model : List.of("churn", "fraud")) {
            assertThat(windows.get(model)).as(model).containsExactlyInAnyOrderElementsOf(expected);
        }
        List<RetrainTrigger> triggers = TopicReader.readAll(kafka.bootstrapServers(), "retrain-triggers").stream()
                .map(r -> Json.read(r.value(), RetrainTrigger.class)).toList();
        assertThat(triggers).extracting(RetrainTrigger::modelId).containsExactly("fraud");
    }

    private static List<ProducerRecord<String, byte[]>> minutes(TrafficSimulator sim, int from, int to) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = from; m < to; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>("predictions", e.modelId(), e.json())));
        }
        return records;
    }
}
