package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Path;
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
 * Where a decay is, through the whole job on a real broker (default thresholds, RocksDB,
 * exactly-once sinks): a classifier whose labels flip for one region (about 20% of its traffic)
 * from minute 5 gets a PERFORMANCE_DECAY trigger whose evidence names {@code region=north_america}
 * first, and decayed reports that name it first too; one whose labels flip only where the numeric
 * feature x3 (standard normal) is above its reference's 75th percentile (0.674) gets one that
 * names x3's top quartile bin first, {@code x3=[~0.67, +inf)}; the same classifier with labels that
 * do not change (the stationary counterpart, in the same run, with the same features) gets no
 * trigger and names no segment.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PerformanceSegmentsITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final Instant START = Instant.parse("2026-11-27T09:00:00Z");
    static final int MINUTES = 10;
    static final int PER_MINUTE = 600;
    static final int ONSET = 5;
    static final String[] REGIONS = {"north_america", "europe", "asia", "latam", "africa"};
    static final double[] SHARES = {0.2, 0.3, 0.25, 0.15, 0.1};
    static final String[] DEVICES = {"mobile", "desktop", "tablet"};
    /** The 75th percentile of the standard normal. */
    static final double X3_P75 = 0.6745;

    @Test
    void theRegionWhoseLabelsFlippedIsNamedFirstAndAnUnchangedModelNamesNone(@TempDir Path dir) throws Exception {
        List<ProducerRecord<String, byte[]>> predictions = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> labels = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(19);
        for (int minute = 0; minute < MINUTES; minute++) {
            for (String model : List.of("segmented", "binned", "steady")) {
                for (int i = 0; i < PER_MINUTE; i++) {
                    long ts = START.toEpochMilli() + minute * 60_000L + i * 60_000L / PER_MINUTE;
                    String region = region(random.nextDouble());
                    double x = random.nextDouble() * 2 - 1;
                    double score = 1 / (1 + Math.exp(-4 * x));
                    Map<String, Object> features = new LinkedHashMap<>();
                    features.put("region", region);
                    features.put("device", DEVICES[random.nextInt(DEVICES.length)]);
                    features.put("x", x);
                    double x3 = random.nextGaussian();
                    features.put("x3", x3);
                    String id = model + "-" + minute + "-" + i;
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("modelId", model);
                    event.put("modelVersion", "1");
                    event.put("predictionId", id);
                    event.put("timestamp", Instant.ofEpochMilli(ts).toString());
                    event.put("features", features);
                    event.put("prediction", score);
                    predictions.add(new ProducerRecord<>("predictions", model, Json.toBytes(event)));
                    // The truth agrees with "score >= 0.5" 90% of the time; after the onset, in
                    // north_america only, it flips for the segmented model.
                    boolean truth = (score >= 0.5) == (random.nextDouble() < 0.9);
                    if (model.equals("segmented") && minute >= ONSET && region.equals("north_america")) {
                        truth = !truth;
                    }
                    if (model.equals("binned") && minute >= ONSET && x3 > X3_P75) {
                        truth = !truth;
                    }
                    Map<String, Object> label = new LinkedHashMap<>();
                    label.put("modelId", model);
                    label.put("predictionId", id);
                    label.put("timestamp", Instant.ofEpochMilli(ts + 2 * 60_000L).toString());
                    label.put("label", truth ? 1 : 0);
                    labels.add(new ProducerRecord<>("labels", model, Json.toBytes(label)));
                }
            }
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", predictions);
        TopicWriter.send(kafka.bootstrapServers(), "labels", labels);

        MonitoringJob.run(RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--bounded", "--parallelism", "2",
            "--state-dir", dir.resolve("state").toString(), "--checkpoint-interval", "1s",
            "--job-name", "segments-itcase"}));

        List<RetrainTrigger> triggers = read("retrain-triggers", RetrainTrigger.class);
        assertThat(triggers).extracting(RetrainTrigger::modelId).containsOnly("segmented", "binned");
        RetrainTrigger decay = triggers.stream().filter(t -> t.modelId().equals("segmented")
                && t.reason().equals(RetrainTrigger.PERFORMANCE_DECAY)).findFirst().orElseThrow();
        assertThat(Instant.parse(decay.firstEvidenceAt())).isAfterOrEqualTo(START.plusSeconds(60L * ONSET));
        // The decay first, then where it is.
        assertThat(decay.evidence()[0].signal()).isEqualTo("performance");
        assertThat(decay.evidence()[1].signal()).isEqualTo("segment:region=north_america");
        List<Evidence> segments = List.of(decay.evidence()).stream()
                .filter(e -> e.signal().startsWith("segment:")).toList();
        assertThat(segments).isNotEmpty();
        assertThat(segments.get(0).signal()).isEqualTo("segment:region=north_america");
        assertThat(segments.get(0).statistic()).isEqualTo("segment_contribution");
        Evidence rate = segments.stream().filter(e -> e.signal().equals("segment:region=north_america")
                && e.statistic().equals("segment_error_rate")).findFirst().orElseThrow();
        assertThat(rate.threshold()).as("error rate before").isLessThan(0.2);
        assertThat(rate.value()).as("error rate after").isGreaterThan(0.8);
        Evidence share = segments.stream().filter(e -> e.signal().equals("segment:region=north_america")
                && e.statistic().equals("segment_share")).findFirst().orElseThrow();
        assertThat(share.value()).isBetween(0.15, 0.25);
        // No other region is blamed: their labels did not change.
        assertThat(segments).extracting(Evidence::signal)
                .noneMatch(s -> s.startsWith("segment:region=") && !s.equals("segment:region=north_america"));

        // The numeric case: x3's top quartile bin first, its edge the reference's p75, none lower.
        RetrainTrigger binned = triggers.stream().filter(t -> t.modelId().equals("binned")
                && t.reason().equals(RetrainTrigger.PERFORMANCE_DECAY)).findFirst().orElseThrow();
        assertThat(binned.evidence()[0].signal()).isEqualTo("performance");
        String top = binned.evidence()[1].signal();
        assertThat(top).startsWith("segment:x3=[").endsWith(", +inf)");
        double edge = Double.parseDouble(top.substring("segment:x3=[".length(), top.indexOf(',')));
        assertThat(edge).as("x3's p75 in the first window").isCloseTo(X3_P75, org.assertj.core.data.Offset.offset(0.2));
        Evidence binRate = List.of(binned.evidence()).stream().filter(e -> e.signal().equals(top)
                && e.statistic().equals("segment_error_rate")).findFirst().orElseThrow();
        assertThat(binRate.threshold()).as("error rate before").isLessThan(0.2);
        assertThat(binRate.value()).as("error rate after").isGreaterThan(0.7);
        assertThat(List.of(binned.evidence())).extracting(Evidence::signal)
                .noneMatch(s -> s.startsWith("segment:x3=") && !s.equals(top));

        List<HealthReport> health = read("model-health", HealthReport.class);
        List<HealthReport> decayed = health.stream()
                .filter(r -> r.modelId().equals("segmented") && r.performance() != null && r.performance().decayed())
                .toList();
        assertThat(decayed).isNotEmpty().allSatisfy(r -> {
            assertThat(r.performance().segments()).isNotEmpty();
            assertThat(r.performance().segments()[0].segment()).isEqualTo("region=north_america");
        });
        assertThat(health).filteredOn(r -> r.modelId().equals("binned") && r.performance() != null
                && r.performance().decayed()).isNotEmpty()
                .allSatisfy(r -> assertThat(r.performance().segments()[0].segment()).isEqualTo(top.substring(8)));
        assertThat(health).filteredOn(r -> r.modelId().equals("steady") && r.performance() != null).isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.performance().decayed()).isFalse();
                    assertThat(r.performance().segments()).isNull();
                });
    }

    static String region(double u) {
        double c = 0;
        for (int i = 0; i < REGIONS.length; i++) {
            c += SHARES[i];
            if (u < c) {
                return REGIONS[i];
            }
        }
        return REGIONS[REGIONS.length - 1];
    }
}
