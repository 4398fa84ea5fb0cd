package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's case through the whole job on a real broker: a classifier {@code score =
 * sigmoid(x)}, calibrated by construction, whose input {@code x ~ N(0, 3.4)} (accuracy 0.85)
 * shifts toward its uncertain region, {@code N(0, 1.2)} (0.70), with labels 24 h late. The
 * estimated decay triggers within minutes of the change; the realised decay confirms it a day
 * later (a PERFORMANCE_DECAY trigger, and revisions of the decayed windows saying CONFIRMED); the
 * same model without the shift, labels as late, stays quiet. Beside them an overconfident model,
 * {@code score = sigmoid(2x)} while {@code P(y = 1 | x) = sigmoid(x)}, {@code x ~ N(0, 1.5)}
 * unchanged: its scores promise about 0.84, its labels show about 0.73; it stays quiet too, and
 * once its first 1,000 labels have come, the revisions of its windows carry an estimate calibrated
 * on them that agrees with what the labels show.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class EstimatedPerformanceITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final Instant START = Instant.parse("2026-11-26T06:00:00Z");
    static final int MINUTES = 30;
    static final int PER_MINUTE = 1100;
    static final int CHANGE_AT = 15;
    static final Duration LABEL_DELAY = Duration.ofHours(24);

    @Test
    void theEstimateTriggersAtOnceAndTheLabelsConfirmItADayLaterWhileAStableModelStaysQuiet(@TempDir Path dir)
            throws Exception {
        List<ProducerRecord<String, byte[]>> predictions = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> labels = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(19);
        for (int minute = 0; minute < MINUTES; minute++) {
            for (String model : List.of("shifting", "stable", "overconfident")) {
                boolean overconfident = model.equals("overconfident");
                double sd = overconfident ? 1.5 : model.equals("shifting") && minute >= CHANGE_AT ? 1.2 : 3.4;
                for (int i = 0; i < PER_MINUTE; i++) {
                    long ts = START.toEpochMilli() + minute * 60_000L + i * 60_000L / PER_MINUTE;
                    double x = sd * gaussian(random);
                    double truth = 1 / (1 + Math.exp(-x));
                    double score = overconfident ? 1 / (1 + Math.exp(-2 * x)) : truth;
                    String id = model + "-" + minute + "-" + i;
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("modelId", model);
                    event.put("modelVersion", "1");
                    event.put("predictionId", id);
                    event.put("timestamp", Instant.ofEpochMilli(ts).toString());
                    event.put("features", Map.of("x", x));
                    event.put("prediction", score);
                    predictions.add(new ProducerRecord<>("predictions", model, Json.toBytes(event)));
                    Map<String, Object> label = new LinkedHashMap<>();
                    label.put("modelId", model);
                    label.put("predictionId", id);
                    label.put("timestamp", Instant.ofEpochMilli(ts).plus(LABEL_DELAY).toString());
                    label.put("label", random.nextDouble() < truth ? 1 : 0);
                    labels.add(new ProducerRecord<>("labels", model, Json.toBytes(label)));
                }
            }
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", predictions);
        TopicWriter.send(kafka.bootstrapServers(), "labels", labels);

        // Both models turn the signal on (it is off by default: docs/quality.md).
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"),
                "defaults:\n  performance:\n    estimatedDecay: true\n");
        MonitoringJob.run(RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--bounded", "--parallelism", "2",
            "--state-dir", dir.resolve("state").toString(), "--checkpoint-interval", "1s",
            "--thresholds", thresholds.toString(), "--job-name", "estimated-performance-itcase"}));

        List<RetrainTrigger> triggers = read("retrain-triggers", RetrainTrigger.class);
        assertThat(triggers).extracting(RetrainTrigger::modelId).as("the stable models stay quiet")
                .containsOnly("shifting");
        Instant change = START.plusSeconds(60L * CHANGE_AT);
        RetrainTrigger estimated = triggers.stream()
                .filter(t -> t.reason().equals(RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY)).findFirst().orElseThrow();
        assertThat(estimated.evidence()[0].signal()).isEqualTo("performance:estimated");
        assertThat(Instant.parse(estimated.firstEvidenceAt())).isAfterOrEqualTo(change);
        // Within minutes of the change, in event time: its first window after it.
        assertThat(Instant.parse(estimated.detectedAt())).isBeforeOrEqualTo(change.plus(Duration.ofMinutes(3)));
        RetrainTrigger realised = triggers.stream()
                .filter(t -> t.reason().equals(RetrainTrigger.PERFORMANCE_DECAY)).findFirst().orElseThrow();
        assertThat(Instant.parse(realised.firstEvidenceAt())).isAfterOrEqualTo(change);

        List<HealthReport> health = read("model-health", HealthReport.class);
        Map<String, HealthReport> latest = new LinkedHashMap<>();
        health.stream().filter(r -> r.estimatedPerformance() != null)
                .forEach(r -> latest.merge(r.modelId() + "@" + r.windowStart(), r,
                        (a, b) -> b.revision() > a.revision() ? b : a));
        List<HealthReport> shiftedWindows = latest.values().stream()
                .filter(r -> r.modelId().equals("shifting") && !Instant.parse(r.windowStart()).isBefore(change))
                .toList();
        assertThat(shiftedWindows).isNotEmpty().allSatisfy(r -> {
            EstimatedPerformance e = r.estimatedPerformance();
            // A day later its labels calibrate the estimate (a calibrated model: it hardly moves).
            assertThat(e.calibration()).isEqualTo(EstimatedPerformance.HISTOGRAM_BINNING);
            assertThat(e.calibrationLabels()).isEqualTo(1000L);
            assertThat(e.accuracy().value()).isBetween(0.65, 0.75);
            assertThat(e.referenceAccuracy()).isBetween(0.82, 0.88);
            assertThat(e.decayed()).isTrue();
        });
        // The labels, a day later, confirm the windows they can judge (performance.minLabels).
        assertThat(shiftedWindows).filteredOn(r -> r.performance() != null && r.performance().labeled() >= 200)
                .isNotEmpty().allSatisfy(r ->
                        assertThat(r.estimatedPerformance().realised()).isEqualTo(EstimatedPerformance.CONFIRMED));
        assertThat(latest.values()).filteredOn(r -> r.modelId().equals("stable"))
                .isNotEmpty().allSatisfy(r -> assertThat(r.estimatedPerformance().decayed()).isFalse());
        // Revision 0, sent before any label, trusts the scores.
        assertThat(health).filteredOn(r -> r.estimatedPerformance() != null && r.revision() == 0)
                .isNotEmpty().allSatisfy(r ->
                        assertThat(r.estimatedPerformance().calibration()).isEqualTo(EstimatedPerformance.UNCALIBRATED));

        // The overconfident model: revision 0 at what its scores promise, far from what its labels
        // show; its last revision, with all its labels, calibrated and near them.
        List<HealthReport> overconfident = latest.values().stream()
                .filter(r -> r.modelId().equals("overconfident") && r.performance() != null
                        && r.performance().labeled() >= 1000)
                .toList();
        assertThat(overconfident).hasSizeGreaterThan(20)
                .allSatisfy(r -> assertThat(r.estimatedPerformance().decayed()).isFalse());
        double realisedAccuracy = overconfident.stream().mapToDouble(r -> r.performance().accuracy()).average().orElseThrow();
        double calibrated = overconfident.stream().mapToDouble(r -> r.estimatedPerformance().accuracy().value())
                .average().orElseThrow();
        double raw = health.stream().filter(r -> r.modelId().equals("overconfident") && r.revision() == 0
                        && r.estimatedPerformance() != null)
                .mapToDouble(r -> r.estimatedPerformance().accuracy().value()).average().orElseThrow();
        assertThat(raw - realisedAccuracy).as("the scores promise more than the labels show").isGreaterThan(0.07);
        // One map for all windows: its own error (a share of 1,000 labels, here their accuracy was
        // about 1.7 points above the model's) is common to them, and inside each window's interval.
        assertThat(calibrated).isCloseTo(realisedAccuracy, org.assertj.core.data.Offset.offset(0.035));
        long covered = overconfident.stream().filter(r -> r.performance().accuracy() >= r.estimatedPerformance()
                .accuracy().lower() && r.performance().accuracy() <= r.estimatedPerformance().accuracy().upper()).count();
        // 95% intervals: most windows' realised accuracy inside (every one would be a claim of 100%).
        assertThat(covered).as("windows whose realised accuracy is inside the calibrated interval, of %d",
                overconfident.size()).isGreaterThanOrEqualTo(overconfident.size() * 8 / 10);
        assertThat(overconfident).allSatisfy(r -> {
            assertThat(r.estimatedPerformance().calibration()).isEqualTo(EstimatedPerformance.HISTOGRAM_BINNING);
            assertThat(r.estimatedPerformance().referenceAccuracy()).isCloseTo(0.73, org.assertj.core.data.Offset.offset(0.03));
        });
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
