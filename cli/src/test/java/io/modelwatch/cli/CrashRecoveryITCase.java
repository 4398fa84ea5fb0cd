package io.modelwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.testing.ContractSchemas;
import io.modelwatch.testing.KafkaTestBase;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/modelwatch run --state-dir DIR} killed with SIGKILL mid-stream and started again on
 * the same DIR resumes from its newest retained checkpoint: every window is reported exactly once
 * (none doubled by the replay, none lost with the dead process), and the drift gets exactly one
 * trigger, read with read_committed as any consumer would.
 */
class CrashRecoveryITCase extends KafkaTestBase {
    static final int MINUTES = 14;


    @Test
    void killMinusNineThenRestartLosesAndDoublesNothing(@TempDir Path dir) throws Exception {
        TrafficSimulator sim = new TrafficSimulator(5, Instant.parse("2026-11-26T09:00:00Z"), 600, List.of(
                ModelScenario.stable("churn", "1"), new ModelScenario("fraud", "1", DriftKind.FEATURE_SHIFT, 6)));
        // The first half of the traffic before the crash, the rest while the job is down.
        TopicWriter.send(kafka.bootstrapServers(), "predictions", minutes(sim, 0, MINUTES / 2));
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                defaults:
                  reference: {events: 1000}
                  window: {minEvents: 300}
                """);
        String[] args = {"run", "--bootstrap-servers", kafka.bootstrapServers(), "--thresholds", thresholds.toString(),
            "--state-dir", dir.resolve("state").toString(), "--parallelism", "2", "--checkpoint-interval", "1s",
            "--idleness", "5s"};
        // Windows 0..12 of both models close: the watermark (newest event - 30 s) is inside minute 13.
        int expectedReports = 2 * (MINUTES - 1);

        Path first = Files.createDirectories(dir.resolve("first"));
        Process run = RunCommandITCase.modelwatch(first, args);
        try {
            assertThat(TopicReader.awaitRecords(kafka.bootstrapServers(), "model-health", 6, Duration.ofSeconds(120)))
                    .as("reports before the crash; stderr: %s", RunCommandITCase.read(first.resolve("stderr.txt")))
                    .hasSizeGreaterThanOrEqualTo(6);
            assertThat(run.isAlive()).as("the run was still running when killed; stderr: %s",
                    RunCommandITCase.read(first.resolve("stderr.txt"))).isTrue();
        } finally {
            run.destroyForcibly(); // SIGKILL: no savepoint, no clean shutdown, open transactions left behind
            run.waitFor(30, TimeUnit.SECONDS);
        }
        // The crash interrupted the run: the process died of the SIGKILL (128 + 9), not of its own
        // accord, and left checkpoints but no savepoint, so the restart must resume from a checkpoint.
        assertThat(run.exitValue()).as("exit status of the killed run").isEqualTo(137);
        assertThat(RunCommandITCase.read(first.resolve("stdout.txt"))).doesNotContain(RunCommand.SAVEPOINT_WRITTEN);
        Path savepoints = dir.resolve("state").resolve("savepoints");
        assertThat(!Files.isDirectory(savepoints) || isEmpty(savepoints)).as("no savepoint after the crash").isTrue();

        TopicWriter.send(kafka.bootstrapServers(), "predictions", minutes(sim, MINUTES / 2, MINUTES));
        Path second = Files.createDirectories(dir.resolve("second"));
        Process again = RunCommandITCase.modelwatch(second, args);
        try {
            assertThat(TopicReader.awaitRecords(kafka.bootstrapServers(), "model-health", expectedReports,
                    Duration.ofSeconds(150))).as("stderr: %s", RunCommandITCase.read(second.resolve("stderr.txt")))
                    .hasSizeGreaterThanOrEqualTo(expectedReports);
            // Triggers wait for the watermark of every input; the empty labels topic counts as idle
            // after --idleness (5 s here).
            assertThat(TopicReader.awaitRecords(kafka.bootstrapServers(), "retrain-triggers", 1, Duration.ofSeconds(150)))
                    .hasSize(1);
            again.destroy(); // SIGTERM: stop with a savepoint, committing what is pending
            assertThat(again.waitFor(90, TimeUnit.SECONDS)).isTrue();
        } finally {
            again.destroyForcibly();
        }
        assertThat(RunCommandITCase.read(second.resolve("stderr.txt")))
                .contains("modelwatch: resuming from " + dir.resolve("state").resolve("checkpoints") + "/");

        List<HealthReport> reports = TopicReader.readAll(kafka.bootstrapServers(), "model-health").stream()
                .map(r -> ContractSchemas.read(r.value(), HealthReport.class)).toList();
        Map<String, List<String>> windows = reports.stream().collect(Collectors.groupingBy(HealthReport::modelId,
                Collectors.mapping(HealthReport::windowEnd, Collectors.toList())));
        for (String model : List.of("churn", "fraud")) {
            List<String> expected = new ArrayList<>();
            for (int m = 1; m < MINUTES; m++) {
                expected.add(Instant.parse("2026-11-26T09:00:00Z").plusSeconds(60L * m).toString());
            }
            assertThat(windows.get(model)).as(model).containsExactlyInAnyOrderElementsOf(expected);
        }
        List<RetrainTrigger> triggers = TopicReader.readAll(kafka.bootstrapServers(), "retrain-triggers").stream()
                .map(r -> ContractSchemas.read(r.value(), RetrainTrigger.class)).toList();
        assertThat(triggers).extracting(RetrainTrigger::modelId).containsExactly("fraud");
    }

    private static boolean isEmpty(Path directory) throws Exception {
        try (var entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        }
    }

    private static List<ProducerRecord<String, byte[]>> minutes(TrafficSimulator sim, int from, int to) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = from; m < to; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>("predictions", e.modelId(), e.json())));
        }
        return records;
    }
}
