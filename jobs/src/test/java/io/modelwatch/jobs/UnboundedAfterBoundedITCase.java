package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.cli.RunOptions;
import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.TopicTail;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reverse of {@code BoundedResumeITCase}: an unbounded run restored from the state of a
 * bounded run (a backtest killed while it was reading; its newest retained checkpoint) reads what
 * arrives after that run's end offsets. The bounded run's partitions carry the end offsets it took at its start;
 * kept, they would stop the unbounded run there and it would report nothing new.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class UnboundedAfterBoundedITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final Instant START = Instant.parse("2026-11-26T04:00:00Z");

    @Test
    void anUnboundedRunOnABoundedRunsStateReadsPastItsEndOffsets(@TempDir Path dir) throws Exception {
        for (String topic : List.of("predictions", "labels", "triggers", "health", "dead-letters")) {
            kafka.createTopic("after-" + topic, topic.equals("predictions") ? 2 : 1);
        }
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                defaults:
                  reference: {events: 1000}
                  window: {minEvents: 300}
                """);
        // Enough for the bounded run to be still reading when it is stopped.
        TrafficSimulator sim = new TrafficSimulator(31, START, 5000,
                List.of(ModelScenario.stable("churn", "1"), ModelScenario.stable("fraud", "1")));
        send(sim, 0, 10);

        JobClient backtest = submit(options(thresholds, dir, true, null));
        // Cancelled once it has completed a checkpoint: its readers then hold their partitions,
        // with the end offsets the run took at its start.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!hasCheckpoint(dir.resolve("state"))) {
            assertThat(backtest.getJobStatus().get(10, TimeUnit.SECONDS)).as("the bounded run is still reading")
                    .isIn(JobStatus.CREATED, JobStatus.INITIALIZING, JobStatus.RUNNING);
            assertThat(System.nanoTime()).as("a checkpoint of the bounded run").isLessThan(deadline);
        }
        // Killed mid-stream: its newest retained checkpoint is what the next run on the directory resumes.
        backtest.cancel().get(30, TimeUnit.SECONDS);
        String savepoint = Savepoints.latestRestorePoint(dir.resolve("state")).orElseThrow().toUri().toString();

        JobClient run = submit(options(thresholds, dir, false, savepoint));
        Set<String> seen = new HashSet<>();
        deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (TopicTail tail = new TopicTail(kafka.bootstrapServers(), "after-health")) {
            // The rest of the old traffic first: the restored run is reading.
            String oldClosed = START.plus(Duration.ofMinutes(9)).toString();
            while (!seen.containsAll(List.of("churn@" + oldClosed, "fraud@" + oldClosed))) {
                assertThat(System.nanoTime()).as("reports up to minute 8; so far %s", seen).isLessThan(deadline);
                for (ConsumerRecord<String, String> r : tail.poll(Duration.ofMillis(500))) {
                    HealthReport report = Json.read(r.value(), HealthReport.class);
                    seen.add(report.modelId() + "@" + report.windowEnd());
                }
            }
            // Traffic sent after both runs started: only a run that reads past every earlier end offset reports it.
            send(sim, 10, 14);
            String lastClosed = START.plus(Duration.ofMinutes(13)).toString();
            while (!seen.containsAll(List.of("churn@" + lastClosed, "fraud@" + lastClosed))) {
                assertThat(System.nanoTime()).as("reports of minute 12, after the bounded run's end; so far %s", seen)
                        .isLessThan(deadline);
                for (ConsumerRecord<String, String> r : tail.poll(Duration.ofMillis(500))) {
                    HealthReport report = Json.read(r.value(), HealthReport.class);
                    seen.add(report.modelId() + "@" + report.windowEnd());
                }
            }
        }
        assertThat(run.getJobStatus().get(10, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
        Savepoints.stop(run, dir.resolve("savepoints"), Duration.ofSeconds(60));
    }

    static boolean hasCheckpoint(Path stateDir) throws Exception {
        Path checkpoints = stateDir.resolve("checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return false;
        }
        try (var paths = Files.walk(checkpoints, 2)) {
            return paths.anyMatch(p -> p.getFileName().toString().startsWith("chk-")
                    && Files.exists(p.resolve("_metadata")));
        }
    }

    static RunOptions options(Path thresholds, Path dir, boolean bounded, String savepoint) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-servers", kafka.bootstrapServers(), "--thresholds", thresholds.toString(),
                "--parallelism", "2", "--state-dir", dir.resolve("state").toString(),
                "--checkpoint-interval", "1s", "--job-name", "after", "--group-id", "after", "--idleness", "2s",
                "--predictions-topic", "after-predictions", "--labels-topic", "after-labels",
                "--triggers-topic", "after-triggers", "--health-topic", "after-health",
                "--dead-letters-topic", "after-dead-letters"));
        if (bounded) {
            args.add("--bounded");
        }
        if (savepoint != null) {
            args.addAll(List.of("--from-savepoint", savepoint));
        }
        return RunOptions.parse(args.toArray(String[]::new));
    }


    static void send(TrafficSimulator sim, int from, int to) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = from; m < to; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>("after-predictions", e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), "after-predictions", records);
    }
}
