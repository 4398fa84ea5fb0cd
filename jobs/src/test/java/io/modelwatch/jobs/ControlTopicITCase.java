package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.TopicTail;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.testing.ContractSchemas;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 item 3 end to end: commands on the compacted {@code monitor-control} topic change a
 * running job (real broker, MiniCluster, RocksDB, exactly-once sinks), are visible in the health
 * reports, bad ones are dead-lettered, and all of it survives a stop-with-savepoint and restore.
 * Default thresholds; two models whose features shift at minute 6 (TrafficSimulator).
 */
class ControlTopicITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final Instant START = Instant.parse("2026-11-26T08:00:00Z");
    static final int EVENTS_PER_MINUTE = 1200;
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    /** Effect floors no real change reaches, sequential detectors off, quality checks as lax as allowed. */
    static final String LOOSER = """
            {"modelId":"loose","commandId":"c-loose","thresholds":{
              "drift":{"effect":{"numeric":0.9,"categorical":0.9,"missingRate":0.9},"sequential":{"threshold":0}},
              "quality":{"badValueRate":1,"missingRateIncrease":1,"volumeChange":1000}}}""";
    static final String RELEARN = """
            {"modelId":"relearned","commandId":"r-1","reference":{"action":"relearn","version":"1","events":2000}}""";

    @Test
    void liveCommandsChangeTheRunningJobShowInReportsAndSurviveARestore(@TempDir Path dir) throws Exception {
        TrafficSimulator sim = new TrafficSimulator(21, START, EVENTS_PER_MINUTE, List.of(
                new ModelScenario("loose", "1", DriftKind.FEATURE_SHIFT, 6),
                new ModelScenario("relearned", "1", DriftKind.FEATURE_SHIFT, 6)));
        RunOptions options = RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--parallelism", "2",
            "--state-dir", dir.resolve("state").toString(), "--checkpoint-interval", "1s", "--idleness", IDLENESS,
            "--job-name", "control-itcase", "--group-id", "control-itcase"});
        String fileVersion = options.thresholds().version();

        try (TopicTail health = new TopicTail(kafka.bootstrapServers(), "model-health")) {
            List<HealthReport> seen = new ArrayList<>();
            JobClient job = submit(options);
            send(sim, 0, 9);
            // Both models drift under the file's thresholds.
            await(health, seen, r -> drifted(r, "loose") && drifted(r, "relearned"));
            assertThat(seen).allMatch(r -> r.control() == null && r.thresholdsVersion().equals(fileVersion));

            control("loose", LOOSER);
            control("relearned", RELEARN);
            control("bad", "{\"modelId\":\"bad\",\"commandId\":\"b-1\",\"thresholds\":{\"drift\":{\"psy\":0.3}}}");
            control("bad", "{\"modelId\":\"bad\",\"commandId\":\"b-2\",\"thresholds\":{\"window\":{\"size\":\"5m\"}}}");
            send(sim, 9, 15);
            await(health, seen, r -> controlled(r, "loose").size() >= 3
                    && after(r, "relearned", HealthReport.WARMING_UP).stream().anyMatch(x -> x.status().equals(HealthReport.OK)));

            // The looser override, in force from the next window without a restart: no longer flagged.
            List<HealthReport> loose = controlled(seen, "loose");
            assertThat(loose).extracting(HealthReport::status).containsOnly(HealthReport.OK);
            assertThat(loose).allSatisfy(r -> {
                assertThat(r.thresholdsVersion()).startsWith(fileVersion + "+");
                assertThat(r.control().overrides()).contains("drift.effect.numeric", "drift.sequential.threshold");
            });
            // The relearn: warm-up on the next 2000 events, then judged against them (the shifted traffic).
            List<HealthReport> relearned = seen.stream().filter(r -> r.modelId().equals("relearned")
                    && r.control() != null).toList();
            assertThat(relearned.get(0).status()).isEqualTo(HealthReport.WARMING_UP);
            assertThat(relearned.get(0).control().referenceCommandId()).isEqualTo("r-1");
            assertThat(relearned.get(0).control().referenceAction()).isEqualTo("relearn from the next 2000 events");
            assertThat(relearned).extracting(HealthReport::status).endsWith(HealthReport.OK);
            assertThat(relearned.get(relearned.size() - 1).referenceEvents()).isEqualTo(2000);
            // Reference actions do not touch thresholds: the relearned model keeps the file's version.
            assertThat(relearned).allMatch(r -> r.thresholdsVersion().equals(fileVersion));

            List<DeadLetter> dead = awaitDeadLetters(2);
            assertThat(dead).allMatch(d -> d.topic().equals("monitor-control") && d.offset() >= 0);
            assertThat(dead).extracting(DeadLetter::error).containsExactlyInAnyOrder(
                    "thresholds.drift.psy: unknown setting (expected one of categoryBins, effect, fdr, numericBins,"
                            + " psi, sequential)",
                    "thresholds.window.size: cannot be changed live (open windows and their timers are laid out on"
                            + " it; change it with a savepoint upgrade)");

            // Stop with a savepoint and restore: the override stays in force, the relearn does not run again.
            String savepoint = Savepoints.stop(job, dir.resolve("savepoints"), Duration.ofSeconds(60));
            int before = seen.size();
            job = submit(options.withFromSavepoint(savepoint));
            send(sim, 15, 19);
            await(health, seen, r -> r.subList(before, r.size()).stream()
                    .filter(x -> x.modelId().equals("loose")).count() >= 2
                    && r.subList(before, r.size()).stream().filter(x -> x.modelId().equals("relearned")).count() >= 2);
            List<HealthReport> restored = seen.subList(before, seen.size());
            assertThat(restored).filteredOn(r -> r.modelId().equals("loose")).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(HealthReport.OK);
                assertThat(r.control().commandId()).isEqualTo("c-loose");
            });
            assertThat(restored).filteredOn(r -> r.modelId().equals("relearned")).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(HealthReport.OK);
                assertThat(r.control().referenceCommandId()).isEqualTo("r-1");
            });
            cancelAndAwait(job);
        }
    }


    static void send(TrafficSimulator sim, int from, int to) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = from; m < to; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>("predictions", e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", records);
    }

    static void control(String key, String json) {
        TopicWriter.send(kafka.bootstrapServers(), "monitor-control",
                List.of(new ProducerRecord<>("monitor-control", key, json.getBytes(StandardCharsets.UTF_8))));
    }

    static boolean drifted(List<HealthReport> reports, String model) {
        return reports.stream().anyMatch(r -> r.modelId().equals(model) && r.status().equals(HealthReport.DRIFTING));
    }

    /** Reports of {@code model} evaluated under its live command. */
    static List<HealthReport> controlled(List<HealthReport> reports, String model) {
        return reports.stream().filter(r -> r.modelId().equals(model) && r.control() != null
                && "c-loose".equals(r.control().commandId())).toList();
    }

    /** Reports of {@code model} from its first report with {@code status} under a live command on. */
    static List<HealthReport> after(List<HealthReport> reports, String model, String status) {
        List<HealthReport> mine = reports.stream().filter(r -> r.modelId().equals(model) && r.control() != null).toList();
        for (int i = 0; i < mine.size(); i++) {
            if (mine.get(i).status().equals(status)) {
                return mine.subList(i, mine.size());
            }
        }
        return List.of();
    }

    static void await(TopicTail tail, List<HealthReport> seen, Predicate<List<HealthReport>> done) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!done.test(seen)) {
            assertThat(System.nanoTime()).as("reports in time; so far %s", summary(seen)).isLessThan(deadline);
            for (ConsumerRecord<String, String> r : tail.poll(Duration.ofMillis(500))) {
                seen.add(ContractSchemas.read(r.value(), HealthReport.class));
            }
        }
    }

    static List<DeadLetter> awaitDeadLetters(int n) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (TopicTail tail = new TopicTail(kafka.bootstrapServers(), "dead-letters")) {
            List<DeadLetter> out = new ArrayList<>();
            while (out.size() < n) {
                assertThat(System.nanoTime()).as("dead letters in time; so far %s", out).isLessThan(deadline);
                for (ConsumerRecord<String, String> r : tail.poll(Duration.ofMillis(500))) {
                    out.add(ContractSchemas.read(r.value(), DeadLetter.class));
                }
            }
            return out;
        }
    }

    static String summary(List<HealthReport> reports) {
        return reports.stream().map(r -> r.modelId() + "@" + r.windowEnd().substring(11, 16) + ":" + r.status()
                + (r.control() == null ? "" : "[" + r.control().commandId() + "/" + r.control().referenceCommandId() + "]"))
                .collect(Collectors.joining(", "));
    }
}
