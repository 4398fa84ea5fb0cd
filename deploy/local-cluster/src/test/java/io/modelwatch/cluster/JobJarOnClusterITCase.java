package io.modelwatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicTail;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: the real job jar on a real Flink cluster. A Kafka broker and a {@link LocalFlinkCluster} (a
 * JobManager and a TaskManager process on the jars of Flink's lib/), and {@code jobs/target/modelwatch-job.jar}
 * submitted as a user would, first with {@code flink run} (Flink's CLI) and then through the REST API:
 *
 * <ol>
 *   <li>a mistyped flag fails its submission with the flag's name, and the JobManager carries on;
 *   <li>a drifting and a stable model's traffic; the job learns both references, reports every window and
 *       triggers retraining of the drifting model;
 *   <li>stop with a savepoint, then submit the same jar from it with a changed thresholds file, as a Helm
 *       upgrade does; more traffic;
 *   <li>the restored job reports with the new thresholds, carries on the learned references (no warm-up),
 *       the event counts and the trigger cooldown (no second trigger for the same drift).
 * </ol>
 *
 * <p>Everything here runs in the cluster's processes from the job jar alone, so a class missing from the jar,
 * a dependency clashing with Flink's own, a setting of the job that the cluster overrides (or the reverse) or
 * state that does not restore fails this test, where MiniCluster tests on the test classpath pass.
 */
class JobJarOnClusterITCase {

    private static final Instant START = Instant.parse("2026-11-26T08:00:00Z");
    private static final int EVENTS_PER_MODEL_PER_MINUTE = 1200;
    /**
     * The reference is the first 2,000 events of each model (the default 5,000 would take 4.2 simulated
     * minutes at this rate); windows keep the default minimum of 1,000 events, so PSI stays well below 0.1
     * for the stable model.
     */
    private static final int REFERENCE_EVENTS = 2000;
    private static final int DRIFT_START_MINUTE = 4;
    /** Minutes 0 to 8: references by 08:02, drift from 08:04, three drifted windows trigger at 08:07. */
    private static final int FIRST_RUN_MINUTES = 9;
    /** Minutes 9 to 11, fewer events than the first run: a job that lost its counts would show it. */
    private static final int SECOND_RUN_MINUTES = 3;
    private static final double PSI_WARNING_BEFORE = 0.1;
    private static final double PSI_WARNING_AFTER = 0.2;

    private static final List<String> OUTPUT_TOPICS = List.of("retrain-triggers", "model-health", "dead-letters");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    Path workDir;

    @Test
    void jobJarRunsOnAClusterAndKeepsItsStateAcrossASavepointUpgradeWithNewThresholds() throws Exception {
        Path jobJar = JobJar.path();
        Path thresholdsBefore = writeThresholds("thresholds-before.yaml", PSI_WARNING_BEFORE);
        Path thresholdsAfter = writeThresholds("thresholds-after.yaml", PSI_WARNING_AFTER);
        String versionBefore = ThresholdsParser.parse(Files.readString(thresholdsBefore)).version();
        String versionAfter = ThresholdsParser.parse(Files.readString(thresholdsAfter)).version();
        assertThat(versionAfter).isNotEqualTo(versionBefore);

        TrafficSimulator traffic = new TrafficSimulator(11, START, EVENTS_PER_MODEL_PER_MINUTE, List.of(
                ModelScenario.stable("stable", "1"),
                new ModelScenario("drifting", "1", DriftKind.FEATURE_SHIFT, DRIFT_START_MINUTE)));

        long startNanos = System.nanoTime();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                LocalFlinkCluster flink = LocalFlinkCluster.start(workDir.resolve("flink"), 2)) {
            progress(startNanos, "Kafka broker and Flink cluster up");
            String servers = kafka.bootstrapServers();
            // One partition per model, so that both source readers (parallelism 2) see traffic and the
            // watermark advances without waiting for idleness.
            kafka.createTopic("predictions", 2);
            kafka.createTopic("labels", 1);
            kafka.createCompactedTopic("monitor-control", 1);
            OUTPUT_TOPICS.forEach(topic -> kafka.createTopic(topic, 1));
            produce(servers, traffic, 0, FIRST_RUN_MINUTES);

            // 0. A mistyped flag fails the submission, not the cluster: through the REST API the jar's main()
            // runs inside the JobManager.
            List<String> typo = List.of("--bootstrap-servers", servers, "--tresholds", thresholdsBefore.toString());
            assertThatThrownBy(() -> flink.submit(jobJar, JobJar.ENTRY_CLASS, typo))
                    .isInstanceOf(IOException.class).hasMessageContaining("The main method caused an error: unknown option --tresholds");
            assertThat(flink.jobManagerProcess().isAlive()).as("the JobManager survives a bad submission").isTrue();
            assertThat(flink.overview().path("jobs-running").asInt()).isZero();

            // 1. `flink run`: Flink's CLI runs the jar's main() on the client and submits the graph.
            String first = flinkRun(flink, jobJar, args(servers, thresholdsBefore));
            flink.awaitJobStatus(first, "RUNNING", TIMEOUT);
            progress(startNanos, "job " + first + " submitted with flink run and running");

            List<RetrainTrigger> triggers =
                    parse(values(TopicReader.awaitRecords(servers, "retrain-triggers", 1, TIMEOUT)), RetrainTrigger.class);
            assertThat(triggers).as("a trigger within %s; job %s", TIMEOUT, diagnostics(flink, first)).isNotEmpty();
            RetrainTrigger trigger = triggers.get(0);
            progress(startNanos, "trigger " + trigger.triggerId());
            assertThat(trigger.modelId()).isEqualTo("drifting");
            assertThat(trigger.reason()).isEqualTo(RetrainTrigger.FEATURE_DRIFT);
            assertThat(trigger.thresholdsVersion()).isEqualTo(versionBefore);
            assertThat(Instant.parse(trigger.firstEvidenceAt())).isAfterOrEqualTo(START.plus(Duration.ofMinutes(DRIFT_START_MINUTE)));
            // Outputs are committed with checkpoints, so by now one has completed.
            assertJobAndClusterSettingsTogether(flink, first);

            // 2. Stop with a savepoint: the sinks commit what the savepoint covers, so this is all of run 1.
            String savepoint = flink.stopWithSavepoint(first, workDir.resolve("savepoints"), TIMEOUT);
            progress(startNanos, "stopped with savepoint " + savepoint);
            List<String> beforeJson = values(TopicReader.readAll(servers, "model-health"));
            List<HealthReport> before = parse(beforeJson, HealthReport.class);
            Map<String, List<HealthReport>> beforeByModel = byModel(before);
            assertThat(beforeByModel).containsOnlyKeys("stable", "drifting");
            assertThat(before).extracting(HealthReport::thresholdsVersion).containsOnly(versionBefore);
            assertThat(beforeByModel.get("stable")).extracting(HealthReport::status)
                    .contains(HealthReport.WARMING_UP, HealthReport.OK).doesNotContain(HealthReport.DRIFTING);
            assertThat(beforeByModel.get("drifting")).extracting(HealthReport::status)
                    .as("the drifting model's windows, with their quality findings: %s", qualityFindings(beforeByModel.get("drifting")))
                    .contains(HealthReport.WARMING_UP, HealthReport.OK, HealthReport.DRIFTING);
            assertThat(psiThresholds(before)).containsOnly(PSI_WARNING_BEFORE);

            // 3. Producers do not stop for an upgrade; then the same jar from the savepoint, new thresholds,
            // submitted through the REST API (what the web UI and the Kubernetes operator use).
            produce(servers, traffic, FIRST_RUN_MINUTES, SECOND_RUN_MINUTES);
            String second = flink.submit(jobJar, JobJar.ENTRY_CLASS, args(servers, thresholdsAfter), savepoint);
            flink.awaitJobStatus(second, "RUNNING", TIMEOUT);
            progress(startNanos, "job " + second + " restored through the REST API and running");
            JsonNode restored = flink.get("/jobs/" + second + "/checkpoints").path("latest").path("restored");
            assertThat(restored.path("external_path").asText()).isEqualTo(savepoint);

            // The windows of run 2: the one open at the savepoint and those of the new minutes, up to the
            // watermark (30 s behind the last event).
            int windowsAfter = SECOND_RUN_MINUTES;
            awaitRecords(servers, "model-health", HealthReport.class,
                    reports -> byModel(reports.subList(Math.min(before.size(), reports.size()), reports.size()))
                            .values().stream().filter(r -> r.size() >= windowsAfter).count() == 2,
                    () -> diagnostics(flink, second));
            flink.stopWithSavepoint(second, workDir.resolve("savepoints"), TIMEOUT);
            progress(startNanos, "reports of the restored job read; stopped with a savepoint again");

            // 4. What the restored job did.
            List<String> healthJson = values(TopicReader.readAll(servers, "model-health"));
            assertThat(healthJson.subList(0, before.size())).as("run 1's reports, unchanged").isEqualTo(beforeJson);
            List<HealthReport> after = parse(healthJson.subList(before.size(), healthJson.size()), HealthReport.class);
            Map<String, List<HealthReport>> afterByModel = byModel(after);
            assertThat(afterByModel).containsOnlyKeys("stable", "drifting");
            assertThat(after).as("the new thresholds are in force")
                    .extracting(HealthReport::thresholdsVersion).containsOnly(versionAfter);
            assertThat(psiThresholds(after)).containsOnly(PSI_WARNING_AFTER);
            assertThat(after).as("the references were restored, not learned again")
                    .extracting(HealthReport::status).doesNotContain(HealthReport.WARMING_UP, HealthReport.ACCUMULATING);
            assertThat(afterByModel.get("stable")).extracting(HealthReport::status).containsOnly(HealthReport.OK);
            assertThat(afterByModel.get("drifting")).extracting(HealthReport::status).containsOnly(HealthReport.DRIFTING);
            assertThat(after).extracting(HealthReport::referenceEvents).containsOnly((long) REFERENCE_EVENTS);
            for (String model : List.of("stable", "drifting")) {
                List<HealthReport> was = beforeByModel.get(model);
                List<HealthReport> is = afterByModel.get(model);
                long seenBefore = was.get(was.size() - 1).eventsSeen();
                assertThat(is.get(0).eventsSeen()).as("%s: events seen carry on", model)
                        .isGreaterThan(seenBefore)
                        .isGreaterThanOrEqualTo((long) FIRST_RUN_MINUTES * EVENTS_PER_MODEL_PER_MINUTE);
                assertThat(is.get(0).windowStart()).as("%s: the window open at the savepoint is reported once", model)
                        .isEqualTo(was.get(was.size() - 1).windowEnd());
                List<String> windows = new ArrayList<>();
                was.forEach(r -> windows.add(r.windowEnd()));
                is.forEach(r -> windows.add(r.windowEnd()));
                assertThat(windows).as("%s: one report per window", model).doesNotHaveDuplicates().isSorted();
            }

            List<RetrainTrigger> allTriggers = parse(values(TopicReader.readAll(servers, "retrain-triggers")), RetrainTrigger.class);
            assertThat(allTriggers).extracting(RetrainTrigger::triggerId).doesNotHaveDuplicates();
            assertThat(allTriggers).as("the drift still goes on, but its cooldown was restored")
                    .filteredOn(t -> t.reason().equals(RetrainTrigger.FEATURE_DRIFT))
                    .extracting(RetrainTrigger::triggerId).containsExactly(trigger.triggerId());
            assertThat(allTriggers).extracting(RetrainTrigger::modelId).containsOnly("drifting");
            assertThat(TopicReader.readAll(servers, "dead-letters")).isEmpty();
        }
    }

    /**
     * The job sets some configuration itself ({@code FlinkSettings}: parallelism and checkpoint interval from
     * its flags, max parallelism, exactly-once, RocksDB, retained checkpoints) on top of the cluster's, which
     * decides the rest (here: where checkpoints go).
     */
    private static void assertJobAndClusterSettingsTogether(LocalFlinkCluster flink, String jobId) throws IOException {
        JsonNode job = flink.get("/jobs/" + jobId);
        assertThat(job.path("vertices")).isNotEmpty().allSatisfy(vertex -> {
            assertThat(vertex.path("parallelism").asInt()).as(vertex.path("name").asText()).isEqualTo(2);
            assertThat(vertex.path("maxParallelism").asInt()).as(vertex.path("name").asText()).isEqualTo(128);
        });
        JsonNode checkpoints = flink.get("/jobs/" + jobId + "/checkpoints/config");
        assertThat(checkpoints.path("mode").asText()).isEqualTo("exactly_once");
        assertThat(checkpoints.path("interval").asLong()).isEqualTo(2000);
        assertThat(checkpoints.path("state_backend").asText()).isEqualTo("EmbeddedRocksDBStateBackend");
        assertThat(checkpoints.path("checkpoint_storage").asText()).isEqualTo("FileSystemCheckpointStorage");
        assertThat(checkpoints.path("externalization").path("enabled").asBoolean()).isTrue();
        assertThat(checkpoints.path("externalization").path("delete_on_cancellation").asBoolean()).isFalse();
        // Where they go is the cluster's execution.checkpointing.dir: the job names none without --state-dir.
        String completed = flink.get("/jobs/" + jobId + "/checkpoints").path("latest").path("completed")
                .path("external_path").asText();
        assertThat(completed).as("the latest completed checkpoint").isNotEmpty();
        // startsWithRaw: startsWith would resolve the path on disk, and with one checkpoint retained
        // the one named here may already be replaced by the next.
        assertThat(Path.of(URI.create(completed)).normalize())
                .startsWithRaw(flink.workDir().toAbsolutePath().normalize().resolve("checkpoints").resolve(jobId));
    }

    /** Per window of {@code reports}: its start, status and the signals of its quality findings. */
    private static List<String> qualityFindings(List<HealthReport> reports) {
        return reports.stream().map(r -> r.windowStart() + " " + r.status() + " "
                + (r.quality() == null || r.quality().findings() == null ? "[]"
                        : java.util.Arrays.stream(r.quality().findings())
                                .map(f -> f.signal() + "=" + f.value()).toList()))
                .toList();
    }

    private static List<String> args(String bootstrapServers, Path thresholds) {
        return List.of(
                "--bootstrap-servers", bootstrapServers,
                "--thresholds", thresholds.toString(),
                "--parallelism", "2",
                "--checkpoint-interval", "2s",
                // The labels topic stays empty: idle after 8 s, it no longer holds back escalation.
                // Not shorter: a source reader starved of CPU for longer than this on a loaded machine
                // has its partition marked idle, the other partition's watermark runs ahead and the
                // starved one's events arrive late (a late_events finding: DEGRADED instead of OK).
                "--idleness", "8s",
                "--job-name", "modelwatch-on-cluster");
    }

    /**
     * {@code flink.sh run --detached -m HOST:PORT JAR ARGS}: Flink's {@code CliFrontend} with the cluster's
     * lib/ and configuration, as {@code bin/flink run} of a distribution. No {@code -c}: the jar's manifest
     * names the entry class. Returns the job id the CLI prints.
     */
    private String flinkRun(LocalFlinkCluster flink, Path jobJar, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", JobJar.moduleDir().resolve("flink.sh").toString(),
                "--work-dir", flink.workDir().toString(), "run", "--detached", "-m", flink.restAddress(),
                jobJar.toString()));
        command.addAll(args);
        Path output = workDir.resolve("flink-run.out");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("flink run did not return within " + TIMEOUT + ":\n" + Files.readString(output));
        }
        String printed = Files.readString(output);
        assertThat(process.exitValue()).as("exit code of %s:%n%s", String.join(" ", command), printed).isZero();
        Matcher jobId = Pattern.compile("Job has been submitted with JobID ([0-9a-f]{32})").matcher(printed);
        assertThat(jobId.find()).as("a job id in the output of flink run:%n%s", printed).isTrue();
        return jobId.group(1);
    }

    private Path writeThresholds(String name, double psiWarning) throws IOException {
        Path file = workDir.resolve(name);
        Files.writeString(file, """
                defaults:
                  reference:
                    events: %d
                  drift:
                    psi:
                      warning: %s
                """.formatted(REFERENCE_EVENTS, psiWarning));
        return file;
    }

    /** Simulated minutes {@code from} to {@code from + minutes - 1}, each model on its own partition. */
    private static void produce(String bootstrapServers, TrafficSimulator traffic, int from, int minutes) {
        List<String> models = traffic.scenarios().stream().map(ModelScenario::modelId).toList();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int minute = from; minute < from + minutes; minute++) {
            traffic.minute(minute).forEach(e -> records.add(
                    new ProducerRecord<>("predictions", models.indexOf(e.modelId()), e.modelId(), e.json())));
        }
        TopicWriter.send(bootstrapServers, "predictions", records);
    }

    /**
     * Follows {@code topic} (read_committed, from the beginning) until what was read satisfies {@code done};
     * fails with {@code diagnostics} after {@link #TIMEOUT}.
     */
    private static <T> List<T> awaitRecords(String bootstrapServers, String topic, Class<T> type,
            Predicate<List<T>> done, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        List<T> seen = new ArrayList<>();
        try (TopicTail tail = new TopicTail(bootstrapServers, topic)) {
            while (!done.test(seen)) {
                if (System.nanoTime() > deadline) {
                    fail("Not there within " + TIMEOUT + " in " + topic + " (" + seen.size() + " records); "
                            + diagnostics.get());
                }
                seen.addAll(parse(values(tail.poll(Duration.ofMillis(500))), type));
            }
        }
        return seen;
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** Each output record type the test reads and its schema in src/schemas. */
    private static final Map<Class<?>, String> SCHEMA_OF = Map.of(
            HealthReport.class, "health-report.schema.json",
            RetrainTrigger.class, "retrain-trigger.schema.json");

    /** The records as {@code type}, each checked against its published schema first. */
    private static <T> List<T> parse(List<String> json, Class<T> type) {
        Path file = Path.of("../..").toAbsolutePath().normalize().resolve("src/schemas").resolve(SCHEMA_OF.get(type));
        Schema schema;
        try {
            // The file is the retrieval location: the schemas' relative $ids resolve against it.
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(
                    SchemaLocation.of(file.toUri().toString()), Json.MAPPER.readTree(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<T> out = new ArrayList<>();
        for (String value : json) {
            try {
                assertThat(schema.validate(Json.MAPPER.readTree(value))).as("%s against %s", value, file).isEmpty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.add(Json.read(value, type));
        }
        return out;
    }

    private static Map<String, List<HealthReport>> byModel(List<HealthReport> reports) {
        return reports.stream().collect(Collectors.groupingBy(HealthReport::modelId));
    }

    /** The thresholds of every PSI statistic in the reports (features and prediction). */
    private static List<Double> psiThresholds(List<HealthReport> reports) {
        List<Double> thresholds = new ArrayList<>();
        for (HealthReport report : reports) {
            List<FeatureHealth> judged = new ArrayList<>(Arrays.asList(report.features()));
            judged.add(report.prediction());
            for (FeatureHealth feature : judged) {
                for (DriftStatistic statistic : feature.drift()) {
                    if (statistic.statistic().equals("psi")) {
                        thresholds.add(statistic.threshold());
                    }
                }
            }
        }
        return thresholds;
    }

    /** Where the time goes, in the test's output (CI logs). */
    private static void progress(long startNanos, String what) {
        System.out.printf("JobJarOnClusterITCase %5.1f s: %s%n", (System.nanoTime() - startNanos) / 1e9, what);
    }

    /** The job's state and latest exception, for a failure message. */
    private static String diagnostics(LocalFlinkCluster flink, String jobId) {
        try {
            JsonNode entries = flink.get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries");
            String exception = entries.isEmpty() ? "no exceptions"
                    : entries.get(0).path("stacktrace").asText().lines().limit(30).collect(Collectors.joining("\n"));
            return "job " + jobId + " is " + flink.jobStatus(jobId) + "; " + exception + "; logs in " + flink.logDir();
        } catch (IOException | RuntimeException e) {
            return "job " + jobId + ": no status (" + e + "); logs in " + flink.logDir();
        }
    }
}
