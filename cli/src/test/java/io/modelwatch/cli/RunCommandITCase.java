package io.modelwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.testing.ContractSchemas;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/modelwatch run} as a user runs it: its own JVM (the same main class and classpath
 * the script starts), stopped with SIGTERM, which must leave a savepoint and say where; then
 * {@code bin/modelwatch inspect} on that savepoint; then {@code run --from-savepoint} on the rest
 * of the traffic: every window is reported exactly once over the two runs, none lost in the stop,
 * none doubled by the resume.
 */
class RunCommandITCase {
    static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaCluster.start();
        for (String t : List.of("predictions", "labels", "retrain-triggers", "model-health", "dead-letters")) {
            kafka.createTopic(t, 1);
        }
        kafka.createCompactedTopic("monitor-control", 1);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void sigtermStopsTheRunWithASavepointThatInspectReads(@TempDir Path dir) throws Exception {
        TrafficSimulator sim = new TrafficSimulator(3, Instant.parse("2026-11-26T08:00:00Z"), 600, List.of(
                ModelScenario.stable("churn", "7"), new ModelScenario("fraud", "2", DriftKind.FEATURE_SHIFT, 4)));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = 0; m < 6; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>("predictions", e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", records);
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                defaults:
                  reference: {events: 1000}
                  window: {minEvents: 300}
                """);
        Path stateDir = dir.resolve("state");

        Process run = modelwatch(dir, "run", "--bootstrap-servers", kafka.bootstrapServers(), "--thresholds",
                thresholds.toString(), "--state-dir", stateDir.toString(), "--parallelism", "1",
                "--checkpoint-interval", "1s", "--idleness", "5s");
        try {
            // Minutes 0-4 of both models are reported once the job is well under way.
            assertThat(TopicReader.awaitRecords(kafka.bootstrapServers(), "model-health", 10, Duration.ofSeconds(90)))
                    .as("health reports; stderr: %s", read(dir.resolve("stderr.txt"))).hasSizeGreaterThanOrEqualTo(10);
            run.destroy(); // SIGTERM
            assertThat(run.waitFor(90, TimeUnit.SECONDS)).as("run stops").isTrue();
        } finally {
            run.destroyForcibly();
        }
        String stdout = read(dir.resolve("stdout.txt"));
        String stderr = read(dir.resolve("stderr.txt"));
        assertThat(run.exitValue()).as("exit code; stderr: %s", stderr).isZero();
        List<String> lines = stdout.lines().filter(l -> l.startsWith(RunCommand.SAVEPOINT_WRITTEN + " ")).toList();
        assertThat(lines).as("stdout: %s; stderr: %s", stdout, stderr).hasSize(1);
        String savepoint = lines.get(0).substring(RunCommand.SAVEPOINT_WRITTEN.length() + 1);
        Path savepointDir = Path.of(URI.create(savepoint));
        assertThat(savepointDir).isDirectory().startsWith(stateDir.resolve("savepoints"));
        assertThat(stderr).contains("stopping with a savepoint");

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(table, true, StandardCharsets.UTF_8)) {
            assertThat(InspectCommand.run(new String[] {"--savepoint", savepointDir.toString()}, out)).isZero();
        }
        List<String> rows = table.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(rows.get(0)).startsWith("MODEL").contains("VERSION", "PHASE", "REFERENCE", "EVENTS SEEN", "OPEN");
        assertThat(rows).filteredOn(r -> r.startsWith("churn ")).singleElement().satisfies(r -> assertThat(r.split("\\s+"))
                .startsWith("churn", "7", "MONITORING", "1000"));
        assertThat(rows).filteredOn(r -> r.startsWith("fraud ")).singleElement().satisfies(r -> assertThat(r.split("\\s+"))
                .startsWith("fraud", "2", "MONITORING", "1000"));
        assertThat(rows).last().isEqualTo("2 model versions");

        assertThat(Main.run(new String[] {"inspect"})).isEqualTo(2);
        assertThat(Main.run(new String[] {"inspect", "--savepoint", dir.resolve("nope").toString()})).isEqualTo(2);

        // Resumed from the savepoint with the rest of the traffic: nothing lost, nothing doubled.
        // Windows 0..8 of both models close (the watermark, newest event - 30 s, is inside minute 9),
        // each reported exactly once over the two runs.
        List<ProducerRecord<String, byte[]>> rest = new ArrayList<>();
        for (int m = 6; m < 10; m++) {
            sim.minute(m).forEach(e -> rest.add(new ProducerRecord<>("predictions", e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", rest);
        Path resumedDir = Files.createDirectories(dir.resolve("resumed"));
        Process resumed = modelwatch(resumedDir, "run", "--bootstrap-servers", kafka.bootstrapServers(), "--thresholds",
                thresholds.toString(), "--state-dir", stateDir.toString(), "--from-savepoint", savepoint,
                "--parallelism", "1", "--checkpoint-interval", "1s", "--idleness", "5s");
        int expectedReports = 2 * 9;
        try {
            assertThat(TopicReader.awaitRecords(kafka.bootstrapServers(), "model-health", expectedReports,
                    Duration.ofSeconds(90))).as("health reports; stderr: %s", read(resumedDir.resolve("stderr.txt")))
                    .hasSizeGreaterThanOrEqualTo(expectedReports);
            resumed.destroy(); // SIGTERM
            assertThat(resumed.waitFor(90, TimeUnit.SECONDS)).as("resumed run stops").isTrue();
        } finally {
            resumed.destroyForcibly();
        }
        assertThat(resumed.exitValue()).as("exit code; stderr: %s", read(resumedDir.resolve("stderr.txt"))).isZero();
        List<String> windows = TopicReader.readAll(kafka.bootstrapServers(), "model-health").stream()
                .map(r -> ContractSchemas.read(r.value(), HealthReport.class))
                .map(r -> r.modelId() + "/" + r.modelVersion() + "@" + r.windowEnd()).toList();
        List<String> expected = new ArrayList<>();
        for (String model : List.of("churn/7", "fraud/2")) {
            for (int m = 1; m <= 9; m++) {
                expected.add(model + "@" + Instant.parse("2026-11-26T08:00:00Z").plusSeconds(60L * m));
            }
        }
        assertThat(windows).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(TopicReader.readAll(kafka.bootstrapServers(), "retrain-triggers").stream()
                .map(r -> ContractSchemas.read(r.value(), RetrainTrigger.class).triggerId()).toList())
                .doesNotHaveDuplicates();
    }

    /** {@code bin/modelwatch ARGS}: the script's java command on the test classpath, output to files in dir. */
    static Process modelwatch(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")).forEach(cmd::add);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
    }

    static String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
