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
 * Where a prediction drift is, through the whole job on a real broker (default thresholds,
 * RocksDB, exactly-once sinks), no labels: three models with the same traffic, a prediction
 * {@code 0.5 + 0.2 x + region effect + noise}. From minute {@link #ONSET} the prediction of
 * {@code segmented} rises by 0.4 where region = north_america (20% of its traffic) only, that of
 * {@code uniform} by 0.15 everywhere; {@code steady} does not change. The reference is learned
 * from the first 5,000 events (minutes 0 to 4) and its segments from the next 5,000 (minutes 5
 * to 9).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PredictionSegmentsITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final Instant START = Instant.parse("2026-11-27T09:00:00Z");
    static final int MINUTES = 15;
    static final int PER_MINUTE = 1000;
    static final int ONSET = 11;
    static final String[] REGIONS = {"north_america", "europe", "asia", "latam", "africa"};
    static final double[] SHARES = {0.2, 0.3, 0.25, 0.15, 0.1};
    static final double[] EFFECTS = {0.0, 0.05, -0.05, 0.1, -0.1};
    static final String[] DEVICES = {"mobile", "desktop", "tablet"};

    @Test
    void theRegionWhosePredictionsMovedIsNamedFirstAUniformShiftNamesNoneAndAnUnchangedModelHasNoTrigger(
            @TempDir Path dir) throws Exception {
        List<ProducerRecord<String, byte[]>> predictions = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(23);
        for (int minute = 0; minute < MINUTES; minute++) {
            for (String model : List.of("segmented", "uniform", "steady")) {
                for (int i = 0; i < PER_MINUTE; i++) {
                    long ts = START.toEpochMilli() + minute * 60_000L + i * 60_000L / PER_MINUTE;
                    int r = region(random.nextDouble());
                    double x = random.nextDouble() * 2 - 1;
                    double prediction = 0.5 + 0.2 * x + EFFECTS[r] + 0.1 * gaussian(random);
                    if (minute >= ONSET && model.equals("segmented") && r == 0) {
                        prediction += 0.4;
                    } else if (minute >= ONSET && model.equals("uniform")) {
                        prediction += 0.15;
                    }
                    Map<String, Object> features = new LinkedHashMap<>();
                    features.put("region", REGIONS[r]);
                    features.put("device", DEVICES[random.nextInt(DEVICES.length)]);
                    features.put("x", x);
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("modelId", model);
                    event.put("modelVersion", "1");
                    event.put("timestamp", Instant.ofEpochMilli(ts).toString());
                    event.put("features", features);
                    event.put("prediction", prediction);
                    predictions.add(new ProducerRecord<>("predictions", model, Json.toBytes(event)));
                }
            }
        }
        TopicWriter.send(kafka.bootstrapServers(), "predictions", predictions);

        MonitoringJob.run(RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--bounded", "--parallelism", "2",
            "--state-dir", dir.resolve("state").toString(), "--checkpoint-interval", "1s",
            "--job-name", "prediction-segments-itcase"}));

        List<RetrainTrigger> triggers = read("retrain-triggers", RetrainTrigger.class);
        assertThat(triggers).extracting(RetrainTrigger::modelId).doesNotContain("steady");
        assertThat(triggers).extracting(RetrainTrigger::reason).containsOnly(RetrainTrigger.PREDICTION_DRIFT);

        RetrainTrigger segmented = only(triggers, "segmented");
        assertThat(Instant.parse(segmented.firstEvidenceAt())).isAfterOrEqualTo(START.plusSeconds(60L * ONSET));
        // The prediction's own entries first, then where the shift is.
        assertThat(segmented.evidence()[0].signal()).isEqualTo("prediction");
        List<Evidence> segments = List.of(segmented.evidence()).stream()
                .filter(e -> e.signal().startsWith("segment:")).toList();
        assertThat(segments).isNotEmpty();
        assertThat(segments.get(0).signal()).isEqualTo("segment:region=north_america");
        assertThat(segments.get(0).statistic()).isEqualTo("segment_shift_contribution");
        assertThat(segments.get(0).strength()).as("share of the shift explained").isGreaterThan(0.8);
        Evidence mean = segments.stream().filter(e -> e.signal().equals("segment:region=north_america")
                && e.statistic().equals("segment_mean")).findFirst().orElseThrow();
        assertThat(mean.value() - mean.threshold()).as("north_america's mean after - before").isBetween(0.3, 0.5);
        assertThat(segments).extracting(Evidence::signal)
                .noneMatch(s -> s.startsWith("segment:") && !s.equals("segment:region=north_america"));

        RetrainTrigger uniform = only(triggers, "uniform");
        assertThat(uniform.evidence()).extracting(Evidence::signal).noneMatch(s -> s.startsWith("segment:"));

        List<HealthReport> health = read("model-health", HealthReport.class);
        List<HealthReport> segmentedDrift = drifted(health, "segmented");
        assertThat(segmentedDrift).isNotEmpty().allSatisfy(r -> {
            assertThat(r.predictionSegments().segments()).isNotEmpty();
            assertThat(r.predictionSegments().segments()[0].segment()).isEqualTo("region=north_america");
        });
        List<HealthReport> uniformDrift = drifted(health, "uniform");
        assertThat(uniformDrift).isNotEmpty().allSatisfy(r -> {
            assertThat(r.predictionSegments().segmentsTested()).isPositive();
            assertThat(r.predictionSegments().segments()).as("no segment stands out").isEmpty();
        });
        assertThat(health).filteredOn(r -> r.modelId().equals("steady")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.predictionSegments()).isNull());
    }

    static RetrainTrigger only(List<RetrainTrigger> triggers, String model) {
        List<RetrainTrigger> of = triggers.stream().filter(t -> t.modelId().equals(model)).toList();
        assertThat(of).as("triggers of " + model).isNotEmpty();
        return of.get(0);
    }

    /** Revision 0 of the model's windows after the onset whose prediction drifted. */
    static List<HealthReport> drifted(List<HealthReport> health, String model) {
        return health.stream()
                .filter(r -> r.modelId().equals(model) && r.revision() == 0
                        && Instant.parse(r.windowStart()).isAfter(START.plusSeconds(60L * ONSET - 1))
                        && r.prediction().drift() != null
                        && List.of(r.prediction().drift()).stream().anyMatch(HealthReport.DriftStatistic::drifted))
                .toList();
    }

    static int region(double u) {
        double c = 0;
        for (int i = 0; i < REGIONS.length; i++) {
            c += SHARES[i];
            if (u < c) {
                return i;
            }
        }
        return REGIONS.length - 1;
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
