package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelwatch.config.DurationParser;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.TopicTail;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
 * Walks the whole thresholds schema by savepoint upgrade: for every key of the thresholds file
 * ({@link ThresholdsParser#keys()}), in {@code defaults} and as a per-model override added,
 * changed and removed, the value changes, the job is stopped with a savepoint and restored with
 * the new file, on real parts (in-process Kafka, MiniCluster, RocksDB, exactly-once sinks), with
 * no {@code --allow-non-restored-state}. After each restore:
 *
 * <ol>
 *   <li>the job runs and reports again;
 *   <li>no model version warms up again (both references were complete before the first upgrade);
 *   <li>the new value decides the windows evaluated after the restore: every report carries the
 *       new {@code thresholdsVersion}, and where a report shows the setting itself it shows the
 *       new value ({@code drift.psi.warning}: the PSI thresholds; {@code escalation.windows} and
 *       {@code within}: the report's escalation; {@code window.size}: the windows opened after
 *       the restore are of the new size, the one open at the savepoint finishes under its old
 *       size; {@code reference.events}: frozen references are kept as learned);
 *       the first report of each model after the restore names the keys changed for it
 *       ({@code upgrade.changed}), which makes every key's change visible on its own;
 *   <li>triggers in flight are handled as docs/thresholds.md says: the drift of {@code fraud} has
 *       one drifted window evaluated before the first savepoint and triggers after it, once; no
 *       trigger is written twice, and every window of every model is reported exactly once
 *       across all the upgrades (contiguous, none overlapping, none doubled).
 * </ol>
 *
 * <p>One job run per group of keys, not per key, so the walk stays within a few minutes: the
 * drift keys, the window keys, the rest of the defaults, then one model's override of every key
 * added, changed and removed. {@code escalation.windows} and {@code escalation.within} (the CEP
 * pattern's shape) walk in a test of their own.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ThresholdsUpgradeITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final Instant START = Instant.parse("2026-11-26T06:00:00Z");
    static final int EVENTS_PER_MINUTE = 600;
    /** Simulated minutes per run: enough for a window of the largest size here (3m) to open and close. */
    static final int MINUTES_PER_RUN = 6;
    /** fraud drifts from here: one drifted window is evaluated in the first run, the trigger comes after it. */
    static final int DRIFT_MINUTE = 4;
    static final String OVERRIDDEN = "fraud";
    static final List<ModelScenario> SCENARIOS = List.of(
            ModelScenario.stable("churn", "1"), new ModelScenario(OVERRIDDEN, "1", DriftKind.FEATURE_SHIFT, DRIFT_MINUTE));

    /** The file every walk starts from: references learned in under two minutes. */
    static final Map<String, Object> BASE = Map.of("reference.events", 1000, "window.minEvents", 300,
            // Every drifted window counts once, so the escalation is still in flight at the first
            // savepoint; the walk switches the weights on and off like any other key.
            "escalation.weighted", false);

    /**
     * For every key: the value it gets in {@code defaults}, then in the override of {@value
     * #OVERRIDDEN} when added, then when changed. Each differs from the value in force before it.
     */
    static final Map<String, List<Object>> CASES = new TreeMap<>(Map.ofEntries(
            Map.entry("reference.events", List.of(1200, 1100, 1300)),
            Map.entry("window.size", List.of("2m", "3m", "1m")),
            Map.entry("window.minEvents", List.of(400, 350, 250)),
            Map.entry("drift.numericBins", List.of(12, 8, 11)),
            Map.entry("drift.categoryBins", List.of(15, 10, 18)),
            Map.entry("drift.psi.warning", List.of(0.12, 0.11, 0.13)),
            Map.entry("drift.psi.critical", List.of(0.3, 0.28, 0.32)),
            Map.entry("drift.fdr", List.of(0.002, 0.0015, 0.0005)),
            Map.entry("drift.effect.numeric", List.of(0.06, 0.055, 0.045)),
            Map.entry("drift.effect.categorical", List.of(0.06, 0.055, 0.045)),
            Map.entry("drift.effect.missingRate", List.of(0.06, 0.055, 0.045)),
            Map.entry("drift.sequential.allowance", List.of(0.04, 0.038, 0.03)),
            Map.entry("drift.sequential.threshold", List.of(0.12, 0.11, 0.09)),
            Map.entry("escalation.windows", List.of(2, 4, 3)),
            Map.entry("escalation.within", List.of("12m", "15m", "8m")),
            Map.entry("escalation.cooldown", List.of("12h", "6h", "18h")),
            Map.entry("escalation.weighted", List.of(true, false, true)),
            Map.entry("quality.missingRateIncrease", List.of(0.06, 0.07, 0.04)),
            Map.entry("quality.badValueRate", List.of(0.02, 0.015, 0.005)),
            Map.entry("quality.pValue", List.of(1e-7, 1e-5, 1e-8)),
            Map.entry("quality.volumeChange", List.of(12, 8, 15)),
            Map.entry("quality.lateRate", List.of(0.06, 0.07, 0.04)),
            Map.entry("quality.silenceAfter", List.of("40m", "45m", "20m")),
            Map.entry("performance.labelHorizon", List.of("12h", "6h", "18h")),
            Map.entry("performance.minLabels", List.of(150, 100, 120)),
            Map.entry("performance.referenceLabels", List.of(900, 800, 1000)),
            Map.entry("performance.accuracyDrop", List.of(0.06, 0.07, 0.04)),
            Map.entry("performance.errorIncrease", List.of(0.25, 0.3, 0.15)),
            Map.entry("performance.threshold", List.of(0.55, 0.6, 0.45)),
            Map.entry("performance.estimatedDecay", List.of(true, false, true)),
            Map.entry("lifecycle.expireAfter", List.of("10d", "5d", "8d"))));

    /** The keys that shape the CEP escalation pattern: walked by their own test. */
    static final List<String> PATTERN_KEYS = List.of("escalation.windows", "escalation.within");

    @Test
    void everyKeyOfTheThresholdsFileHasACase() {
        assertThat(CASES.keySet()).as("keys of ThresholdsParser without a case here, or cases of no key")
                .containsExactlyInAnyOrderElementsOf(ThresholdsParser.keys());
    }

    @Test
    void everyKeyButThePatternsShapeChangesBySavepointUpgradeKeepingLearnedState(@TempDir Path dir) throws Exception {
        List<String> keys = ThresholdsParser.keys().stream().filter(k -> !PATTERN_KEYS.contains(k)).toList();
        Map<String, List<String>> defaultGroups = keys.stream().collect(Collectors.groupingBy(
                k -> k.startsWith("drift.") ? "drift" : k.startsWith("window.") ? "window" : "other",
                LinkedHashMap::new, Collectors.toList()));
        Walk walk = walk("settings", defaultGroups, keys, dir);
        // The escalation in flight at the first savepoint came through it: one trigger per
        // drifting reason of fraud, its first evidence the window evaluated before the savepoint.
        RetrainTrigger first = walk.triggers().stream().filter(t -> t.reason().equals(RetrainTrigger.FEATURE_DRIFT))
                .findFirst().orElseThrow(() -> new AssertionError("no FEATURE_DRIFT trigger: " + walk.triggers()));
        assertThat(first.modelId()).isEqualTo(OVERRIDDEN);
        assertThat(first.firstEvidenceAt()).isEqualTo(at(DRIFT_MINUTE));
        assertThat(Instant.parse(first.detectedAt())).isAfter(Instant.parse(at(MINUTES_PER_RUN)));
    }

    /**
     * {@code escalation.windows} and {@code escalation.within}, in the defaults and as a per-model
     * override added, changed and removed: the pattern's shape changes under escalations in flight.
     */
    @Test
    void theEscalationPatternsShapeChangesBySavepointUpgrade(@TempDir Path dir) throws Exception {
        walk("pattern", Map.of("escalation", PATTERN_KEYS), PATTERN_KEYS, dir);
    }

    /** What a walk wrote: every report and trigger, read_committed. */
    record Walk(List<HealthReport> reports, List<RetrainTrigger> triggers) {}

    /** One stop-restore step: the file, and what the reports of its run must show. */
    record Step(String description, Map<String, Object> defaults, Map<String, Object> override) {}

    Walk walk(String name, Map<String, List<String>> defaultGroups, List<String> keys, Path dir) throws Exception {
        for (String topic : List.of("predictions", "labels", "triggers", "health", "dead-letters")) {
            kafka.createTopic(name + "-" + topic, topic.equals("predictions") ? 2 : 1);
        }
        List<Step> steps = new ArrayList<>();
        Map<String, Object> defaults = new TreeMap<>(BASE);
        steps.add(new Step("start", new TreeMap<>(defaults), Map.of()));
        for (Map.Entry<String, List<String>> group : defaultGroups.entrySet()) {
            group.getValue().forEach(k -> defaults.put(k, CASES.get(k).get(0)));
            steps.add(new Step("defaults " + group.getValue(), new TreeMap<>(defaults), Map.of()));
        }
        Map<String, Object> added = new TreeMap<>();
        keys.forEach(k -> added.put(k, CASES.get(k).get(1)));
        steps.add(new Step("models." + OVERRIDDEN + " added " + keys, defaults, added));
        Map<String, Object> changed = new TreeMap<>();
        keys.forEach(k -> changed.put(k, CASES.get(k).get(2)));
        steps.add(new Step("models." + OVERRIDDEN + " changed " + keys, defaults, changed));
        steps.add(new Step("models." + OVERRIDDEN + " removed", defaults, Map.of()));

        TrafficSimulator sim = new TrafficSimulator(21, START, EVENTS_PER_MINUTE, SCENARIOS);
        String savepoint = null;
        ThresholdsConfig previous = null;
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            String yaml = yaml(step);
            ThresholdsConfig config = ThresholdsParser.parse(yaml);
            if (previous != null) {
                assertThat(config.version()).as("%s changes the thresholds version", step.description())
                        .isNotEqualTo(previous.version());
            }
            Path file = Files.writeString(dir.resolve("thresholds-" + i + ".yaml"), yaml);
            int from = i * MINUTES_PER_RUN;
            send(name, sim, from, from + MINUTES_PER_RUN);
            int reportsBefore = read(name + "-health", HealthReport.class).size();
            JobClient job = submit(options(name, dir, file, savepoint));
            String stepStart = at(from);
            // 1. the job runs: each model reports, on the new thresholds, up to the last window
            // its traffic closes (the watermark is 30 s behind the newest event).
            Map<String, String> lastClosed = SCENARIOS.stream().collect(Collectors.toMap(ModelScenario::modelId, s -> {
                long size = config.forModel(s.modelId()).windowSize().toMillis();
                long watermark = START.plus(Duration.ofMinutes(from + MINUTES_PER_RUN)).toEpochMilli() - 31_000;
                return Instant.ofEpochMilli(watermark - Math.floorMod(watermark, size)).toString();
            }));
            awaitReports(name + "-health", step.description(), job, reports -> SCENARIOS.stream().allMatch(s -> reports.stream()
                    .anyMatch(r -> r.modelId().equals(s.modelId()) && r.windowStart().compareTo(stepStart) >= 0
                            && r.windowEnd().compareTo(lastClosed.get(s.modelId())) >= 0)));
            assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).as(step.description()).isEqualTo(JobStatus.RUNNING);
            savepoint = Savepoints.stop(job, dir.resolve("savepoints"), Duration.ofSeconds(60));

            List<HealthReport> all = read(name + "-health", HealthReport.class);
            List<HealthReport> run = all.subList(reportsBefore, all.size());
            assertThat(run).as("%s: reports", step.description()).isNotEmpty();
            if (previous != null) {
                // The first report of each model after the restore names the keys changed for it.
                for (ModelScenario s : SCENARIOS) {
                    List<String> expected = changed(previous.forModel(s.modelId()), config.forModel(s.modelId()));
                    HealthReport firstAfter = run.stream().filter(r -> r.modelId().equals(s.modelId())).findFirst()
                            .orElseThrow();
                    if (expected.isEmpty()) {
                        assertThat(firstAfter.upgrade()).as("%s: %s", step.description(), s.modelId()).isNull();
                    } else {
                        assertThat(firstAfter.upgrade()).as("%s: %s", step.description(), s.modelId()).isNotNull();
                        assertThat(firstAfter.upgrade().fromThresholdsVersion()).isEqualTo(previous.version());
                        assertThat(firstAfter.upgrade().changed()).as("%s: %s", step.description(), s.modelId())
                                .containsExactlyElementsOf(expected);
                    }
                    assertThat(run.stream().filter(r -> r.modelId().equals(s.modelId())).skip(1)
                            .map(HealthReport::upgrade)).as("noted once").containsOnlyNulls();
                }
            }
            for (HealthReport r : run) {
                String where = step.description() + ": " + r.modelId() + " " + r.windowStart() + "-" + r.windowEnd();
                Thresholds t = config.forModel(r.modelId());
                // 3. the new value decides every window evaluated after the restore.
                assertThat(r.thresholdsVersion()).as(where).isEqualTo(config.version());
                if (previous == null) {
                    continue;
                }
                // 2. no version warms up again; its frozen reference is kept as learned.
                assertThat(r.status()).as(where).isNotEqualTo(HealthReport.WARMING_UP);
                assertThat(r.referenceEvents()).as(where).isEqualTo(1000);
                if (r.escalation() != null) {
                    assertThat(r.escalation().windowsToTrigger()).as(where).isEqualTo(t.escalationWindows());
                    assertThat(DurationParser.parse("within", r.escalation().within())).as(where)
                            .isEqualTo(t.escalationWithin());
                }
                assertThat(Stream.concat(Stream.of(r.features()), Stream.of(r.prediction()))
                        .filter(f -> f != null && f.drift() != null)
                        .flatMap(f -> Stream.of(f.drift())).filter(d -> d.statistic().equals("psi"))
                        .map(HealthReport.DriftStatistic::threshold).toList()).as(where)
                        .allSatisfy(threshold -> assertThat(threshold).isEqualTo(t.psiWarning()));
                long start = Instant.parse(r.windowStart()).toEpochMilli();
                long end = Instant.parse(r.windowEnd()).toEpochMilli();
                Thresholds before = previous.forModel(r.modelId());
                if (r.windowStart().compareTo(stepStart) >= 0) {
                    // Opened after the restore: on the new size's grid (the first one may start
                    // late, where the window open at the savepoint ended).
                    long size = t.windowSize().toMillis();
                    assertThat(end % size).as("%s: ends on the grid of %s", where, t.windowSize()).isZero();
                    assertThat(end - start).as(where).isLessThanOrEqualTo(size);
                } else {
                    // Open at the savepoint: finishes under the size it was opened with.
                    long size = before.windowSize().toMillis();
                    assertThat(end % size).as("%s: ends on the grid of %s", where, before.windowSize()).isZero();
                }
            }
            previous = config;
        }

        // 4. across every upgrade: each window of each model once, none overlapping, no gap.
        List<HealthReport> reports = read(name + "-health", HealthReport.class);
        Map<String, List<HealthReport>> byModel = reports.stream()
                .collect(Collectors.groupingBy(HealthReport::modelId, TreeMap::new, Collectors.toList()));
        assertThat(byModel).containsOnlyKeys("churn", OVERRIDDEN);
        byModel.forEach((model, rs) -> {
            List<HealthReport> sorted = rs.stream().sorted(Comparator.comparing(HealthReport::windowStart)).toList();
            for (int i = 1; i < sorted.size(); i++) {
                assertThat(sorted.get(i).windowStart()).as("%s: window after %s-%s", model,
                        sorted.get(i - 1).windowStart(), sorted.get(i - 1).windowEnd())
                        .isEqualTo(sorted.get(i - 1).windowEnd());
            }
        });
        List<RetrainTrigger> triggers = read(name + "-triggers", RetrainTrigger.class);
        assertThat(triggers).extracting(RetrainTrigger::triggerId).doesNotHaveDuplicates();
        assertThat(triggers).extracting(RetrainTrigger::modelId).containsOnly(OVERRIDDEN);
        assertThat(read(name + "-dead-letters", Object.class)).isEmpty();
        return new Walk(reports, triggers);
    }

    /** The keys whose value differs between two models' thresholds, sorted. */
    static List<String> changed(Thresholds before, Thresholds after) {
        Map<String, String> b = ThresholdsParser.settings(before);
        Map<String, String> a = ThresholdsParser.settings(after);
        return a.keySet().stream().filter(k -> !a.get(k).equals(b.get(k))).sorted().toList();
    }

    /** The thresholds file of a step: dotted keys nested back into sections. */
    static String yaml(Step step) throws Exception {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("defaults", nested(step.defaults()));
        if (!step.override().isEmpty()) {
            file.put("models", Map.of(OVERRIDDEN, nested(step.override())));
        }
        return new ObjectMapper(new YAMLFactory()).writeValueAsString(file);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> nested(Map<String, Object> dotted) {
        Map<String, Object> root = new TreeMap<>();
        dotted.forEach((key, value) -> {
            String[] parts = key.split("\\.");
            Map<String, Object> m = root;
            for (int i = 0; i < parts.length - 1; i++) {
                m = (Map<String, Object>) m.computeIfAbsent(parts[i], p -> new TreeMap<String, Object>());
            }
            m.put(parts[parts.length - 1], value);
        });
        return root;
    }

    static RunOptions options(String name, Path dir, Path thresholds, String savepoint) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-servers", kafka.bootstrapServers(), "--thresholds", thresholds.toString(),
                "--parallelism", "2", "--state-dir", dir.resolve("state").toString(),
                "--checkpoint-interval", "1s", "--job-name", "walk-" + name, "--group-id", "walk-" + name,
                // The labels topic stays empty: idle after 2 s, it stops holding back the escalation.
                "--idleness", IDLENESS,
                "--predictions-topic", name + "-predictions", "--labels-topic", name + "-labels",
                "--triggers-topic", name + "-triggers", "--health-topic", name + "-health",
                "--dead-letters-topic", name + "-dead-letters"));
        if (savepoint != null) {
            args.addAll(List.of("--from-savepoint", savepoint));
        }
        return RunOptions.parse(args.toArray(String[]::new));
    }


    static void send(String name, TrafficSimulator sim, int from, int to) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = from; m < to; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>(name + "-predictions", e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), name + "-predictions", records);
    }

    /** Polls the health topic (read_committed) until {@code done} holds for what was committed. */
    static void awaitReports(String topic, String step, JobClient job, Predicate<List<HealthReport>> done)
            throws Exception {
        List<HealthReport> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (TopicTail tail = new TopicTail(kafka.bootstrapServers(), topic)) {
            while (!done.test(seen)) {
                assertThat(System.nanoTime()).as("%s: reports in time (job %s; a restore that fails restarts it"
                        + " over and over, the cause is in the log); so far %s", step,
                        job.getJobStatus().get(10, TimeUnit.SECONDS), seen.stream()
                        .map(r -> r.modelId() + "@" + r.windowStart().substring(11, 16) + "-"
                                + r.windowEnd().substring(11, 16) + ":" + r.status())
                        .collect(Collectors.joining(", "))).isLessThan(deadline);
                for (ConsumerRecord<String, String> r : tail.poll(Duration.ofMillis(500))) {
                    seen.add(Json.read(r.value(), HealthReport.class));
                }
            }
        }
    }

    static String at(int minute) {
        return START.plus(Duration.ofMinutes(minute)).toString();
    }
}
