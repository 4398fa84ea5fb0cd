package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicTail;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.testing.ContractSchemas;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
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
 * A threshold change by savepoint upgrade, on real parts: an in-process Kafka broker, a Flink
 * MiniCluster, RocksDB, exactly-once Kafka sinks, and the unbounded job as {@code bin/modelwatch
 * run} builds it.
 *
 * <p>Phase 1 runs over simulated minutes 0-7 and is stopped with a savepoint once the window of
 * minute 6, the first drifted one, has been reported. Phase 2 restores from it with a different
 * {@code drift.psi.warning} (so a different {@code thresholdsVersion}), reads minutes 8-11 and is
 * stopped with a savepoint too. The savepoint falls in the middle of everything the monitor
 * learns: the drifting models' escalations (one drifted window in the CEP partial match, one
 * drifted window open in the monitor), the open windows of every model, and the reference of a
 * model version rolled out at minute 6 that is still being learned.
 */
class SavepointUpgradeITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final Instant START = Instant.parse("2026-11-26T08:00:00Z");
    static final int EVENTS_PER_MINUTE = 1200;
    static final int DRIFT_MINUTE = 6;
    /** Phase 1 reads minutes 0..7, phase 2 minutes 8..11. */
    static final int PHASE1_MINUTES = 8;
    static final int ALL_MINUTES = 12;
    /** The new version of ltv starts sending here; its reference is half learned at the savepoint. */
    static final int ROLLOUT_MINUTE = 6;

    /**
     * 3000 reference events: learned in 2.5 simulated minutes, so the test stays short. Every
     * window counts once, so the drifts' escalations straddle the savepoint (weighted, their
     * first window would trigger alone).
     */
    static final String THRESHOLDS_BEFORE = """
            defaults:
              reference: {events: 3000}
              window: {size: 1m, minEvents: 600}
              escalation: {weighted: false}
            """;
    /** The upgrade: a stricter PSI warning level. Every other setting is as before. */
    static final String THRESHOLDS_AFTER = """
            defaults:
              reference: {events: 3000}
              window: {size: 1m, minEvents: 600}
              escalation: {weighted: false}
              drift: {psi: {warning: 0.12}}
            """;

    static final List<ModelScenario> SCENARIOS = List.of(
            new ModelScenario("churn", "1", DriftKind.FEATURE_SHIFT, DRIFT_MINUTE),
            new ModelScenario("fraud", "1", DriftKind.PREDICTION_SHIFT, DRIFT_MINUTE),
            ModelScenario.stable("ltv", "1"),
            ModelScenario.stable("upsell", "1"));
    static final ModelScenario ROLLOUT = ModelScenario.stable("ltv", "2");

    static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaCluster.start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void thresholdChangeBySavepointKeepsLearnedStateAndEveryTriggerExactlyOnce(@TempDir Path dir) throws Exception {
        Upgrade u = upgrade("same", 2, 2, dir);
        u.assertCarriedOver();
    }

    @Test
    void restoreWithMoreParallelismRedistributesStateWithoutLosingAnything(@TempDir Path dir) throws Exception {
        Upgrade u = upgrade("rescale", 1, 2, dir);
        u.assertCarriedOver();

        // bin/modelwatch inspect on the savepoint the rescaled job stopped with.
        List<ModelState> states = SavepointInspector.read(StreamExecutionEnvironment.getExecutionEnvironment(),
                u.finalSavepoint().toString());
        assertThat(states).extracting(s -> s.modelId() + "/" + s.modelVersion())
                .containsExactly("churn/1", "fraud/1", "ltv/1", "ltv/2", "upsell/1");
        assertThat(states).allSatisfy(s -> {
            assertThat(s.phase()).isEqualTo(ModelState.MONITORING);
            assertThat(s.referenceEvents()).isEqualTo(3000);
            assertThat(s.openWindows()).isEqualTo(1);
            assertThat(s.lastEventTime()).startsWith(at(ALL_MINUTES - 1).substring(0, 16));
        });
        assertThat(states).filteredOn(s -> s.modelVersion().equals("1"))
                .allSatisfy(s -> assertThat(s.eventsSeen()).isEqualTo(ALL_MINUTES * (long) EVENTS_PER_MINUTE));
        assertThat(states).filteredOn(s -> s.modelId().equals("churn")).singleElement()
                .satisfies(s -> assertThat(s.recentDriftedWindows()).isGreaterThanOrEqualTo(3));
    }

    /** What both phases wrote, split at the savepoint. */
    record Upgrade(String v1, String v2, List<HealthReport> before, List<HealthReport> after,
            List<RetrainTrigger> triggersBefore, List<RetrainTrigger> triggers, Path finalSavepoint) {

        void assertCarriedOver() {
            // Phase 1 ran until minute 6's window, the first drifted one, was reported.
            assertThat(before).filteredOn(r -> r.modelId().equals("churn") && r.windowEnd().equals(at(7)))
                    .extracting(HealthReport::status).containsExactly(HealthReport.DRIFTING);
            assertThat(before).extracting(HealthReport::thresholdsVersion).containsOnly(v1);
            // The escalation straddles the savepoint: nothing had triggered yet.
            assertThat(triggersBefore).isEmpty();

            // Learned state carried over: no model already past its warm-up warms up again, and
            // event counts continue from where they were.
            assertThat(after).isNotEmpty();
            assertThat(after).extracting(HealthReport::thresholdsVersion).containsOnly(v2);
            assertThat(after).filteredOn(r -> !r.modelVersion().equals("2"))
                    .allSatisfy(r -> {
                        assertThat(r.status()).as("%s/%s %s", r.modelId(), r.modelVersion(), r.windowEnd())
                                .isIn(HealthReport.OK, HealthReport.DRIFTING);
                        assertThat(r.referenceEvents()).isEqualTo(3000);
                        // Everything before the window's end had been seen.
                        assertThat(r.eventsSeen()).isGreaterThanOrEqualTo(
                                minutesUntil(r.windowEnd()) * (long) EVENTS_PER_MINUTE);
                    });
            // The new thresholds judge the windows after the restore.
            List<Double> psiThresholds = after.stream()
                    .flatMap(r -> Stream.concat(Stream.of(r.features()), Stream.of(r.prediction())))
                    .flatMap(f -> Stream.of(f.drift())).filter(d -> d.statistic().equals("psi"))
                    .map(HealthReport.DriftStatistic::threshold).toList();
            assertThat(psiThresholds).isNotEmpty().containsOnly(0.12);
            // The version rolled out at minute 6 had learned 2400 of its 3000 reference events
            // before the savepoint; the remaining 600 came in minute 8, so minute 9 is judged.
            // Had the half-learned reference been lost, minute 9 would still be warming up.
            HealthReport rolloutMinute9 = after.stream()
                    .filter(r -> r.modelVersion().equals("2") && r.windowEnd().equals(at(10))).findFirst().orElseThrow();
            assertThat(rolloutMinute9.status()).isEqualTo(HealthReport.OK);
            assertThat(rolloutMinute9.referenceEvents()).isEqualTo(3000);

            // No report lost or duplicated across the upgrade: every model version has exactly one
            // report per window, from its first minute to minute 10 (the last closed window).
            List<HealthReport> all = new ArrayList<>(before);
            all.addAll(after);
            Map<String, List<String>> windows = all.stream().collect(Collectors.groupingBy(
                    r -> r.modelId() + "/" + r.modelVersion(), TreeMap::new,
                    Collectors.mapping(HealthReport::windowEnd, Collectors.toList())));
            assertThat(windows).containsOnlyKeys("churn/1", "fraud/1", "ltv/1", "ltv/2", "upsell/1");
            windows.forEach((model, ends) -> {
                int first = model.equals("ltv/2") ? ROLLOUT_MINUTE : 0;
                List<String> expected = new ArrayList<>();
                for (int m = first; m < ALL_MINUTES - 1; m++) {
                    expected.add(at(m + 1));
                }
                assertThat(ends).as("windows of %s", model).containsExactlyElementsOf(expected);
            });

            // One trigger per drifting model and reason, none for the stable ones, none twice: both
            // fire at the end of the third drifted window (minute 8), and the first evidence is
            // minute 6's window, evaluated before the savepoint: the partial match came through the
            // restore. churn's predictions move with its features (TrafficSimulator), so a later
            // PREDICTION_DRIFT of churn is a true trigger too, found or not within the run.
            String churnPredictions = "churn/1/" + RetrainTrigger.PREDICTION_DRIFT + "/";
            assertThat(triggers).extracting(RetrainTrigger::triggerId).doesNotHaveDuplicates();
            List<RetrainTrigger> carried = triggers.stream()
                    .filter(t -> !t.triggerId().startsWith(churnPredictions)).toList();
            assertThat(carried).extracting(RetrainTrigger::triggerId).containsExactlyInAnyOrder(
                    RetrainTrigger.idOf("churn", "1", RetrainTrigger.FEATURE_DRIFT, at(9)),
                    RetrainTrigger.idOf("fraud", "1", RetrainTrigger.PREDICTION_DRIFT, at(9)));
            assertThat(carried).allSatisfy(t -> {
                assertThat(t.firstEvidenceAt()).isEqualTo(at(DRIFT_MINUTE));
                assertThat(t.thresholdsVersion()).isEqualTo(v2);
                assertThat(t.eventsSeen()).isGreaterThanOrEqualTo(9L * EVENTS_PER_MINUTE);
            });
        }
    }

    /**
     * The escalation test's idleness: all of a phase's traffic is in the topic before the job
     * starts, so a partition whose reader is starved for longer than the idleness on a loaded
     * machine is marked idle, the other partition's watermark runs ahead, and the starved
     * partition's events arrive late (observed at 2 s with a load average of 30).
     */
    static final String ESCALATION_IDLENESS = "15s";

    /**
     * {@code escalation.windows} and {@code escalation.within} change by savepoint upgrade with an
     * escalation in flight (minute 6's drifted window, counted before the savepoint): the defaults go
     * from 3 windows in 10m to 4 in 15m, and fraud gets its own pair, 2 windows. Both triggers
     * start at minute 6, so the window counted before the savepoint was kept (a restarted
     * escalation would start at minute 7), and each fires as its new count is reached: fraud at the
     * end of minute 7 (2 windows), churn at the end of minute 9 (4 windows).
     */
    @Test
    void escalationWindowsAndWithinChangeKeepsTheEscalationsInFlight(@TempDir Path dir) throws Exception {
        Upgrade u = upgrade("escalation", 2, 2, dir, THRESHOLDS_BEFORE, """
                defaults:
                  reference: {events: 3000}
                  window: {size: 1m, minEvents: 600}
                  escalation: {weighted: false, windows: 4, within: 15m}
                models:
                  fraud:
                    escalation: {windows: 2}
                """);
        assertThat(u.triggersBefore()).isEmpty();
        assertThat(u.after()).filteredOn(r -> !r.modelVersion().equals("2"))
                .allSatisfy(r -> assertThat(r.referenceEvents()).isEqualTo(3000));
        assertThat(u.triggers()).extracting(t -> t.modelId() + " " + t.firstEvidenceAt() + ".." + t.detectedAt())
                .containsExactlyInAnyOrder("fraud " + at(DRIFT_MINUTE) + ".." + at(8),
                        "churn " + at(DRIFT_MINUTE) + ".." + at(10));
    }

    Upgrade upgrade(String name, int parallelismBefore, int parallelismAfter, Path dir) throws Exception {
        return upgrade(name, parallelismBefore, parallelismAfter, dir, THRESHOLDS_BEFORE, THRESHOLDS_AFTER);
    }

    Upgrade upgrade(String name, int parallelismBefore, int parallelismAfter, Path dir, String thresholdsBefore,
            String thresholdsAfter) throws Exception {
        String predictions = name + "-predictions";
        String triggers = name + "-triggers";
        String health = name + "-health";
        kafka.createTopic(predictions, 2);
        kafka.createTopic(triggers, 1);
        kafka.createTopic(health, 1);
        kafka.createTopic(name + "-dead-letters", 1);
        kafka.createTopic(name + "-labels", 1);
        Path before = Files.writeString(dir.resolve("thresholds-before.yaml"), thresholdsBefore);
        Path after = Files.writeString(dir.resolve("thresholds-after.yaml"), thresholdsAfter);
        Path savepoints = dir.resolve("savepoints");

        TrafficSimulator sim = new TrafficSimulator(11, START, EVENTS_PER_MINUTE, SCENARIOS);
        TrafficSimulator rollout = new TrafficSimulator(12, START.plus(Duration.ofMinutes(ROLLOUT_MINUTE)),
                EVENTS_PER_MINUTE, List.of(ROLLOUT));
        send(predictions, sim, rollout, 0, PHASE1_MINUTES);

        // Phase 1: the unbounded job, stopped with a savepoint once minute 6 has been judged.
        RunOptions first = options(name, dir, before, parallelismBefore, null);
        JobClient job = KafkaTestBase.submit(first);
        List<HealthReport> reportsBefore = awaitReports(health, reports -> SCENARIOS.stream().allMatch(
                s -> reports.stream().anyMatch(r -> r.modelId().equals(s.modelId()) && r.windowEnd().equals(at(7)))));
        String savepoint = stopWithSavepoint(job, savepoints);
        assertThat(Path.of(java.net.URI.create(savepoint))).isDirectory();
        // What was committed up to the savepoint (the stop commits the last transactions).
        reportsBefore = read(health, HealthReport.class);
        List<RetrainTrigger> triggersBefore = read(triggers, RetrainTrigger.class);

        // Phase 2: more traffic, new thresholds, restored from the savepoint.
        send(predictions, sim, rollout, PHASE1_MINUTES, ALL_MINUTES);
        RunOptions second = options(name, dir, after, parallelismAfter, savepoint);
        assertThat(FlinkSettings.of(second).toMap()).containsEntry("execution.state-recovery.path", savepoint);
        assertThat(second.thresholds().version()).isNotEqualTo(first.thresholds().version());
        job = KafkaTestBase.submit(second);
        int n = reportsBefore.size();
        awaitReports(health, reports -> reports.size() > n && SCENARIOS.stream().allMatch(s -> reports.stream()
                .anyMatch(r -> r.modelId().equals(s.modelId()) && r.windowEnd().equals(at(ALL_MINUTES - 1)))));
        // Triggers follow the reports once the escalation's watermark (which also waits for the
        // idle labels topic) has passed; wait for both drifting models' before stopping.
        io.modelwatch.kafka.TopicReader.awaitRecords(kafka.bootstrapServers(), triggers, 2, Duration.ofSeconds(60));
        String finalSavepoint = stopWithSavepoint(job, savepoints);

        List<HealthReport> reports = read(health, HealthReport.class);
        return new Upgrade(first.thresholds().version(), second.thresholds().version(), reportsBefore,
                reports.subList(n, reports.size()), triggersBefore, read(triggers, RetrainTrigger.class),
                Path.of(java.net.URI.create(finalSavepoint)));
    }

    static RunOptions options(String name, Path dir, Path thresholds, int parallelism, String savepoint) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-servers", kafka.bootstrapServers(), "--thresholds", thresholds.toString(),
                "--parallelism", String.valueOf(parallelism), "--state-dir", dir.resolve("state").toString(),
                "--checkpoint-interval", "1s", "--job-name", "upgrade-" + name, "--group-id", "upgrade-" + name,
                // The labels topic stays empty: idle after 2 s, it stops holding back the escalation.
                "--idleness", name.equals("escalation") ? ESCALATION_IDLENESS : KafkaTestBase.IDLENESS,
                "--predictions-topic", name + "-predictions", "--labels-topic", name + "-labels",
                "--triggers-topic", name + "-triggers",
                "--health-topic", name + "-health", "--dead-letters-topic", name + "-dead-letters"));
        if (savepoint != null) {
            args.addAll(List.of("--from-savepoint", savepoint));
        }
        return RunOptions.parse(args.toArray(String[]::new));
    }


    /** As {@code bin/modelwatch run} stops on Ctrl-C. */
    static String stopWithSavepoint(JobClient job, Path dir) throws Exception {
        return Savepoints.stop(job, dir, Duration.ofSeconds(60));
    }

    static void send(String topic, TrafficSimulator sim, TrafficSimulator rollout, int from, int to) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = from; m < to; m++) {
            List<TrafficSimulator.SimulatedEvent> events = new ArrayList<>(sim.minute(m));
            if (m >= ROLLOUT_MINUTE) {
                events.addAll(rollout.minute(m - ROLLOUT_MINUTE));
            }
            events.sort(java.util.Comparator.comparingLong(TrafficSimulator.SimulatedEvent::eventTimeMillis));
            events.forEach(e -> records.add(new ProducerRecord<>(topic, e.modelId(), e.json())));
        }
        TopicWriter.send(kafka.bootstrapServers(), topic, records);
    }

    /** Polls the health topic (read_committed) until {@code done} holds for what was committed. */
    static List<HealthReport> awaitReports(String topic, Predicate<List<HealthReport>> done) {
        List<HealthReport> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (TopicTail tail = new TopicTail(kafka.bootstrapServers(), topic)) {
            while (!done.test(seen)) {
                assertThat(System.nanoTime()).as("reports in time; so far %s", summary(seen)).isLessThan(deadline);
                for (ConsumerRecord<String, String> r : tail.poll(Duration.ofMillis(500))) {
                    seen.add(ContractSchemas.read(r.value(), HealthReport.class));
                }
            }
        }
        return seen;
    }

    static String summary(List<HealthReport> reports) {
        return reports.stream().map(r -> r.modelId() + "/" + r.modelVersion() + "@" + r.windowEnd().substring(11, 16)
                + ":" + r.status()).collect(Collectors.joining(", "));
    }

    static <T> List<T> read(String topic, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.readAll(kafka.bootstrapServers(), topic)) {
            out.add(ContractSchemas.read(r.value(), type));
        }
        return out;
    }

    /** The ISO instant of simulated minute {@code m}'s start, as reports and triggers write it. */
    static String at(int m) {
        return START.plus(Duration.ofMinutes(m)).toString();
    }

    static long minutesUntil(String iso) {
        return Duration.between(START, Instant.parse(iso)).toMinutes();
    }
}
