package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.testing.KafkaTestBase;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data quality and delayed-label performance through the whole job on a real broker: a model
 * whose accuracy decays while its inputs stay the same gets PERFORMANCE_DECAY once its labels
 * (30 minutes late) arrive; a model whose feature starts arriving null 35% of the time gets
 * DATA_QUALITY naming that feature; a model that stops sending is reported SILENT.
 */
class QualityAndPerformanceITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final Instant START = Instant.parse("2026-11-26T06:00:00Z");
    static final int MINUTES = 30;
    static final int PER_MINUTE = 1100;
    static final int CHANGE_AT = 15;


    @Test
    void decayNullsAndSilenceAreEachReportedAndEscalatedForTheRightModel(@TempDir Path dir) throws Exception {
        List<ProducerRecord<String, byte[]>> predictions = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> labels = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(11);
        for (int minute = 0; minute < MINUTES; minute++) {
            for (String model : List.of("decaying", "nulls", "silent")) {
                if (model.equals("silent") && minute >= 10) {
                    continue;
                }
                for (int i = 0; i < PER_MINUTE; i++) {
                    long ts = START.toEpochMilli() + minute * 60_000L + i * 60_000L / PER_MINUTE;
                    double x = gaussian(random);
                    double score = 1 / (1 + Math.exp(-2 * x));
                    Map<String, Object> features = new LinkedHashMap<>();
                    features.put("x", x);
                    features.put("x2", model.equals("nulls") && minute >= CHANGE_AT && random.nextDouble() < 0.35
                            ? null : 3 + gaussian(random));
                    features.put("segment", random.nextDouble() < 0.7 ? "a" : "b");
                    String id = model + "-" + minute + "-" + i;
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("modelId", model);
                    event.put("modelVersion", "1");
                    event.put("predictionId", id);
                    event.put("timestamp", Instant.ofEpochMilli(ts).toString());
                    event.put("features", features);
                    event.put("prediction", score);
                    predictions.add(new ProducerRecord<>("predictions", model, Json.toBytes(event)));
                    if (model.equals("decaying")) {
                        // Ground truth follows the score until the world changes: then half the
                        // labels no longer do, while the inputs stay exactly as they were.
                        boolean truth = random.nextDouble() < score;
                        if (minute >= CHANGE_AT && random.nextDouble() < 0.5) {
                            truth = !truth;
                        }
                        Map<String, Object> label = new LinkedHashMap<>();
                        label.put("modelId", model);
                        label.put("predictionId", id);
                        label.put("timestamp", Instant.ofEpochMilli(ts + 30 * 60_000L).toString());
                        label.put("label", truth ? 1 : 0);
                        labels.add(new ProducerRecord<>("labels", model, Json.toBytes(label)));
                    }
                }
            }
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", predictions);
        TopicWriter.send(kafka.bootstrapServers(), "labels", labels);
        Path thresholds = dir.resolve("thresholds.yaml");
        Files.writeString(thresholds, "models:\n  silent:\n    quality:\n      silenceAfter: 10m\n");

        MonitoringJob.run(RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--bounded", "--parallelism", "2",
            "--state-dir", dir.resolve("state").toString(), "--checkpoint-interval", "1s",
            "--thresholds", thresholds.toString(), "--job-name", "quality-itcase"}));

        List<RetrainTrigger> triggers = read("retrain-triggers", RetrainTrigger.class);
        Map<String, List<String>> reasons = triggers.stream().collect(Collectors.groupingBy(RetrainTrigger::modelId,
                Collectors.mapping(RetrainTrigger::reason, Collectors.toList())));
        assertThat(reasons).containsOnlyKeys("decaying", "nulls");
        assertThat(reasons.get("decaying")).containsExactly(RetrainTrigger.PERFORMANCE_DECAY);
        assertThat(reasons.get("nulls")).containsExactly(RetrainTrigger.DATA_QUALITY);
        RetrainTrigger nulls = triggers.stream().filter(t -> t.modelId().equals("nulls")).findFirst().orElseThrow();
        assertThat(nulls.evidence()[0].signal()).isEqualTo("quality:x2");
        assertThat(nulls.evidence()[0].statistic()).isEqualTo("missing_rate_increase");
        RetrainTrigger decay = triggers.stream().filter(t -> t.modelId().equals("decaying")).findFirst().orElseThrow();
        assertThat(decay.evidence()[0].signal()).isEqualTo("performance");
        assertThat(Instant.parse(decay.firstEvidenceAt())).isAfterOrEqualTo(START.plusSeconds(60L * CHANGE_AT));

        List<HealthReport> health = read("model-health", HealthReport.class);
        assertThat(health).filteredOn(r -> r.status().equals(HealthReport.SILENT))
                .extracting(HealthReport::modelId).containsExactly("silent");
        // Labels revise the decaying model's reports: accuracy is there, and falls after the change.
        Map<String, HealthReport> latest = new LinkedHashMap<>();
        health.stream().filter(r -> r.modelId().equals("decaying") && r.performance() != null)
                .forEach(r -> latest.merge(r.windowStart(), r, (a, b) -> b.revision() > a.revision() ? b : a));
        assertThat(latest).isNotEmpty();
        assertThat(latest.values()).allMatch(r -> r.revision() >= 1);
        double before = latest.values().stream().filter(r -> Instant.parse(r.windowEnd())
                .isBefore(START.plusSeconds(60L * CHANGE_AT))).mapToDouble(r -> r.performance().accuracy()).average().orElseThrow();
        double after = latest.values().stream().filter(r -> !Instant.parse(r.windowStart())
                .isBefore(START.plusSeconds(60L * CHANGE_AT))).mapToDouble(r -> r.performance().accuracy()).average().orElseThrow();
        assertThat(before).isGreaterThan(after + 0.1);
        assertThat(latest.values()).allMatch(r -> r.performance().auc() != null && r.performance().labelLagP50Seconds() >= 1700);
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

}
