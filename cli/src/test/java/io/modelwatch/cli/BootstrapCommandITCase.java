package io.modelwatch.cli;

import io.modelwatch.jobs.RunOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.jobs.ModelState;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.jobs.SavepointInspector;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.testing.ContractSchemas;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/modelwatch bootstrap}: references from training data in a savepoint, and a job
 * started from it that judges drift from its first window, with no warm-up.
 */
class BootstrapCommandITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

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
    void aJobStartedFromABootstrappedSavepointSkipsTheWarmUp(@TempDir Path dir) throws Exception {
        // Training data: two days before production, the same population.
        List<ModelScenario> models = List.of(ModelScenario.stable("churn", "7"),
                new ModelScenario("fraud", "3", DriftKind.FEATURE_SHIFT, 2));
        TrafficSimulator training = new TrafficSimulator(1, Instant.parse("2026-11-24T08:00:00Z"), 1000,
                List.of(ModelScenario.stable("churn", "7"), ModelScenario.stable("fraud", "3")));
        StringBuilder jsonl = new StringBuilder();
        for (int m = 0; m < 5; m++) {
            training.minute(m).forEach(e -> jsonl.append(new String(e.json(), StandardCharsets.UTF_8)).append('\n'));
        }
        Path input = Files.writeString(dir.resolve("training.jsonl"), jsonl);
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                defaults:
                  reference: {events: 4000}
                  window: {minEvents: 500}
                """);
        Path savepoint = dir.resolve("bootstrap");

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            assertThat(Main.run(new String[] {"bootstrap", "--input", dir.resolve("nope.jsonl").toString(), "--out",
                savepoint.toString()})).isEqualTo(2);
            assertThat(BootstrapCommand.run(new String[] {"--input", input.toString(), "--thresholds",
                thresholds.toString(), "--out", savepoint.toString()}, out)).isZero();
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("reference churn/7: 5000 events",
                "reference fraud/3: 5000 events", RunCommand.SAVEPOINT_WRITTEN + " file:");
        List<ModelState> states = SavepointInspector.read(StreamExecutionEnvironment.getExecutionEnvironment(),
                savepoint.toString());
        assertThat(states).extracting(ModelState::modelId, ModelState::phase, ModelState::referenceEvents)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("churn", ModelState.MONITORING, 5000L),
                        org.assertj.core.groups.Tuple.tuple("fraud", ModelState.MONITORING, 5000L));

        // Production: fraud drifts from minute 2. Started from the bootstrap, as a backtest.
        TrafficSimulator production = new TrafficSimulator(2, Instant.parse("2026-11-26T08:00:00Z"), 1000, models);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = 0; m < 6; m++) {
            production.minute(m).forEach(e -> records.add(new ProducerRecord<>("predictions", e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", records);
        MonitoringJob.run(RunOptions.parse(new String[] {"--bootstrap-servers", kafka.bootstrapServers(), "--bounded",
            "--thresholds", thresholds.toString(), "--from-savepoint", savepoint.toString(), "--parallelism", "2",
            "--state-dir", dir.resolve("state").toString(), "--checkpoint-interval", "1s", "--job-name", "bootstrapped"}));

        List<HealthReport> health = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.readAll(kafka.bootstrapServers(), "model-health")) {
            health.add(ContractSchemas.read(r.value(), HealthReport.class));
        }
        // The very first window is judged against the training reference.
        assertThat(health).filteredOn(r -> r.windowEnd().equals("2026-11-26T08:01:00Z"))
                .extracting(HealthReport::modelId, HealthReport::status, HealthReport::referenceEvents)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("churn", HealthReport.OK, 5000L),
                        org.assertj.core.groups.Tuple.tuple("fraud", HealthReport.OK, 5000L));
        assertThat(health).extracting(HealthReport::status).doesNotContain(HealthReport.WARMING_UP);
        List<RetrainTrigger> triggers = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.readAll(kafka.bootstrapServers(), "retrain-triggers")) {
            triggers.add(ContractSchemas.read(r.value(), RetrainTrigger.class));
        }
        // Drift from minute 2, overwhelming against the exact training reference (a window of weight
        // 3, EvidenceWeight): a trigger at the end of its first window, 08:03.
        assertThat(triggers).extracting(RetrainTrigger::triggerId)
                .contains(RetrainTrigger.idOf("fraud", "3", RetrainTrigger.FEATURE_DRIFT, "2026-11-26T08:03:00Z"))
                .allMatch(id -> id.startsWith("fraud/3/"));
    }
}
