package io.modelwatch.metrics;

import io.modelwatch.ingest.DeadLetters;
import static io.modelwatch.testing.KafkaTestBase.cancelAndAwait;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.jobs.RunOptions;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.jobs.FlinkSettings;
import io.modelwatch.jobs.JobConfig;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.jobs.Sinks;
import io.modelwatch.jobs.Sources;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.serde.Json;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;

/**
 * The metrics as Prometheus scrapes them: the real job graph on the embedded Flink that
 * {@code bin/modelwatch run --prometheus-port} starts (same {@link FlinkSettings}), fed by an
 * endless generator with one drifting and one stable model, scraped over HTTP. Checks the
 * per-model-version series and their labels (docs/metrics.md), and that every modelwatch metric
 * the Grafana dashboard of the Helm chart queries exists.
 */
class PrometheusMetricsITCase {
    static final String PREFIX = "flink_taskmanager_job_task_operator_modelwatch_";
    static final String PER_MODEL = PREFIX + "model_id_model_version_";
    static final Path GRAFANA = Path.of("..").toAbsolutePath().normalize().resolve("helm/modelwatch/dashboards/modelwatch.json");
    static final long START = 1_795_000_000_000L - 1_795_000_000_000L % 60_000;
    /** Event time per generated event: 2,000 events per simulated minute, 1,000 per model. */
    static final long STEP_MS = 30;
    static final int DRIFT_FROM_MINUTE = 3;

    @Test
    void perModelVersionSeriesAndEveryMetricOfTheGrafanaDashboardAreExported() throws Exception {
        int port = freePort();
        RunOptions options = RunOptions.parse(new String[] {
            "--bootstrap-servers", "localhost:9", "--parallelism", "1", "--prometheus-port", String.valueOf(port),
            "--max-out-of-orderness", "1s"});
        Configuration conf = FlinkSettings.of(options);
        assertThat(conf.toMap()).containsEntry("metrics.reporter.prom.port", String.valueOf(port))
                .containsEntry("metrics.reporter.prom.factory.class", FlinkSettings.PROMETHEUS_REPORTER_FACTORY);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        DataGeneratorSource<IngestRecord> source = new DataGeneratorSource<>(new Traffic(), Long.MAX_VALUE,
                RateLimiterStrategy.perSecond(2_000), TypeInformation.of(IngestRecord.class));
        JobConfig config = new JobConfig(ThresholdsParser.parse(String.join("\n",
                "defaults:",
                "  reference: {events: 500}",
                "  window: {minEvents: 100}")), Duration.ofSeconds(1), Duration.ofMinutes(1));
        MonitoringJob.build(env, new Sources(source),
                new Sinks(new DiscardingSink<>(), new DiscardingSink<>(), new DiscardingSink<>()), config);
        JobClient job = env.executeAsync("prometheus-metrics-itcase");
        String scrape;
        try {
            scrape = scrapeUntil(port, PER_MODEL + "triggers{", Duration.ofSeconds(120));
            String dump = System.getProperty("modelwatch.metrics.dump");
            if (dump != null) {
                java.nio.file.Files.writeString(Path.of(dump), scrape);
            }
        } finally {
            cancelAndAwait(job);
        }

        // Per model version: labels model_id and model_version on every series.
        for (String gauge : List.of("events", "eventsPerSecond", "maxPsi", "predictionPsi", "drifting",
                "driftedWindows", "missingValues", "lateEvents", "typeMismatches", "unknownFeatureValues")) {
            assertThat(value(scrape, PER_MODEL + gauge, "churn", "7")).as(gauge).isNotNull();
            assertThat(value(scrape, PER_MODEL + gauge, "stable", "1")).as(gauge).isNotNull();
        }
        assertThat(value(scrape, PER_MODEL + "drifting", "churn", "7")).isEqualTo(1.0);
        assertThat(value(scrape, PER_MODEL + "drifting", "stable", "1")).isEqualTo(0.0);
        assertThat(value(scrape, PER_MODEL + "maxPsi", "churn", "7")).isGreaterThan(0.25);
        assertThat(value(scrape, PER_MODEL + "maxPsi", "stable", "1")).isLessThan(0.1);
        // A shift this strong is decisive on its own (escalation.weighted): the trigger may come with
        // the first drifted window, so at least that one has been counted.
        assertThat(value(scrape, PER_MODEL + "driftedWindows", "churn", "7")).isGreaterThanOrEqualTo(1.0);
        // 1,000 events per model in a 60 s window.
        assertThat(value(scrape, PER_MODEL + "eventsPerSecond", "stable", "1")).isBetween(15.0, 18.0);
        // FEATURE_DRIFT, and PREDICTION_DRIFT too where the shift reaches the score: one or two.
        assertThat(value(scrape, PER_MODEL + "triggers", "churn", "7")).isBetween(1.0, 2.0);
        assertThat(scrape).doesNotContain(PER_MODEL + "triggers{model_id=\"stable\"");
        assertThat(scrape).contains(PREFIX + "untrackedModelUpdates{");
        // Two model versions: both in the open-profile cache of whichever instance has them, none evicted.
        assertThat(scrape).contains(PREFIX + "openProfileVersions{", PREFIX + "openProfileEvictions{",
                PREFIX + "openProfileHeapBytes{", PREFIX + "openProfileNotAdmitted{");

        // Every modelwatch metric the Grafana dashboard queries is exported under that name.
        TreeSet<String> exported = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^(" + PREFIX + "\\w+)\\{").matcher(scrape);
        while (m.find()) {
            exported.add(m.group(1));
        }
        TreeSet<String> queried = new TreeSet<>();
        JsonNode dashboard = Json.MAPPER.readTree(GRAFANA.toFile());
        Matcher q = Pattern.compile(PREFIX + "\\w+").matcher(dashboard.toString());
        while (q.find()) {
            queried.add(q.group());
        }
        assertThat(queried).isNotEmpty();
        assertThat(exported).containsAll(queried);
    }

    /** Prometheus text format: the value of {@code name} with these model labels, or null. */
    static Double value(String scrape, String name, String modelId, String version) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") && line.contains("model_id=\"" + modelId + "\"")
                    && line.contains("model_version=\"" + version + "\"")) {
                return Double.valueOf(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return null;
    }

    static String scrapeUntil(int port, String needle, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
                if (last.contains(needle)) {
                    return last;
                }
            } catch (java.io.IOException notYetListening) {
                // the reporter starts with the cluster
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no " + needle + " in " + timeout + "; last scrape had "
                + last.lines().filter(l -> l.startsWith(PREFIX)).toList());
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Endless traffic: "churn" (version 7) and "stable" (version 1) alternate; churn's numeric
     * feature shifts by two standard deviations from simulated minute 3; every 100th record is a
     * dead letter.
     */
    static final class Traffic implements GeneratorFunction<Long, IngestRecord> {
        @Override
        public IngestRecord map(Long i) {
            if (i % 100 == 99) {
                return IngestRecord.dead(DeadLetters.of("predictions", 0, i, -1,
                        "not json".getBytes(StandardCharsets.UTF_8), "not JSON"));
            }
            long ts = START + i * STEP_MS;
            boolean churn = i % 2 == 0;
            boolean shifted = churn && ts - START >= DRIFT_FROM_MINUTE * 60_000L;
            SplittableRandom r = new SplittableRandom(i);
            double x = 10 + 2 * (gaussian(r) + (shifted ? 2 : 0));
            String plan = r.nextDouble() < 0.6 ? "basic" : "pro";
            return IngestRecord.of(new PredictionEvent(churn ? "churn" : "stable", churn ? "7" : "1", "p" + i, ts,
                    new String[] {"x", "plan"}, new byte[] {ValueKind.NUMERIC, ValueKind.CATEGORICAL},
                    new double[] {x, 0}, new String[] {null, plan}, ValueKind.NUMERIC, 1 / (1 + Math.exp(10 - x)), null));
        }

        private static double gaussian(SplittableRandom r) {
            return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
        }
    }
}
