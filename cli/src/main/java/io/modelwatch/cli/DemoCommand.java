package io.modelwatch.cli;

import io.modelwatch.jobs.Flags;
import java.util.Set;
import io.modelwatch.jobs.UsageException;
import io.modelwatch.jobs.Topics;
import io.modelwatch.jobs.RunOptions;
import io.modelwatch.config.DurationParser;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.dashboard.DashboardServer;
import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.demo.TrafficSimulator.SimulatedEvent;
import io.modelwatch.jobs.FlinkSettings;
import io.modelwatch.jobs.JobConfig;
import io.modelwatch.jobs.KafkaEndpoints;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicTail;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/modelwatch demo}: an embedded KRaft broker, the real job on an embedded Flink
 * (RocksDB, exactly-once sinks) and a simulator of several models, some of which drift part-way.
 * Simulated time runs faster than the wall clock (one simulated minute every few seconds) so
 * reference learning, drift and escalation all fit in a couple of minutes; the job sees only
 * event times and cannot tell. Triggers are printed as they are committed to
 * {@code retrain-triggers}; a summary compares them with what the simulator injected.
 */
final class DemoCommand {
    static final String USAGE = "usage: modelwatch demo [--duration 5m] [--models 12] [--seed 42] [--no-browser]";
    /** Events per model per simulated minute: above the default window.minEvents (1000). */
    static final int EVENTS_PER_MODEL_PER_MINUTE = 1200;
    static final Instant SIM_START = Instant.parse("2026-11-26T08:00:00Z");

    private DemoCommand() {}

    static int run(String[] args) throws Exception {
        var f = new Object() {
            Duration duration = Duration.ofMinutes(5);
            int models = 12;
            long seed = 42;
            boolean openBrowser = true;
        };
        boolean read = Flags.parse(args, Set.of("--no-browser"), (flag, v) -> {
            switch (flag) {
                case "--no-browser" -> f.openBrowser = false;
                case "--duration" -> f.duration = DurationParser.parse(flag, v);
                case "--models" -> f.models = Flags.intIn(flag, v, 1, 200);
                case "--seed" -> f.seed = Flags.intIn(flag, v, 0, Integer.MAX_VALUE);
                default -> throw Flags.unknown(flag);
            }
        });
        if (!read) {
            System.out.println(USAGE);
            return 0;
        }
        Duration duration = f.duration;
        int models = f.models;
        long seed = f.seed;
        boolean openBrowser = f.openBrowser;
        if (duration.toSeconds() < 30) {
            throw new UsageException("--duration: at least 30s (the reference alone takes ~4 simulated minutes)");
        }
        // Pace: 5 wall seconds per simulated minute, so 2 minutes of demo cover 24 simulated
        // minutes: ~4 of reference learning, drift from minute 12, triggers ~3 windows later.
        long millisPerSimMinute = 5_000;
        int simMinutes = (int) (duration.toMillis() / millisPerSimMinute);
        List<ModelScenario> scenarios = TrafficSimulator.defaultScenarios(models);
        TrafficSimulator simulator = new TrafficSimulator(seed, SIM_START, EVENTS_PER_MODEL_PER_MINUTE, scenarios);

        Path stateDir = Files.createTempDirectory("modelwatch-demo-");
        System.out.printf("modelwatch demo: %d models for %s (%d simulated minutes, 1 every %d s)%n", models,
                DurationParser.format(duration), simMinutes, millisPerSimMinute / 1000);
        for (ModelScenario s : scenarios) {
            System.out.printf("  %-14s %s%n", s.modelId(), s.drift() == DriftKind.NONE ? "stable"
                    : s.drift() + " from simulated minute " + s.driftStartMinute());
        }
        System.out.println("starting Kafka (KRaft, in-process) and Flink (embedded, RocksDB, exactly-once)...");

        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                DashboardServer dashboard = DashboardCommand.startForDemo(kafka.bootstrapServers(), Topics.defaults())) {
            Topics topics = Topics.defaults();
            kafka.createTopic(topics.predictions(), 2);
            kafka.createTopic(topics.labels(), 1);
            kafka.createCompactedTopic(topics.control(), 1);
            kafka.createTopic(topics.triggers(), 1);
            kafka.createTopic(topics.health(), 1);
            kafka.createTopic(topics.deadLetters(), 1);
            DashboardCommand.announce(dashboard, openBrowser);

            RunOptions options = new RunOptions(kafka.bootstrapServers(), null, ThresholdsConfig.defaultConfig(), false, 2,
                    stateDir, null, Duration.ofSeconds(2), topics, "modelwatch-demo", "modelwatch-demo", null,
                    new Properties(), JobConfig.DEFAULT_OUT_OF_ORDERNESS, Duration.ofSeconds(5));
            StreamExecutionEnvironment env = FlinkSettings.environment(options);
            MonitoringJob.build(env, KafkaEndpoints.sources(options), KafkaEndpoints.sinks(options), options.jobConfig());
            JobClient job = env.executeAsync("modelwatch-demo");

            Map<String, List<RetrainTrigger>> triggers = new LinkedHashMap<>();
            scenarios.forEach(s -> triggers.put(s.modelId(), new ArrayList<>()));
            long healthReports = 0;
            long sent = 0;
            try (TopicWriter writer = new TopicWriter(kafka.bootstrapServers());
                    TopicTail triggerTail = new TopicTail(kafka.bootstrapServers(), topics.triggers());
                    TopicTail healthTail = new TopicTail(kafka.bootstrapServers(), topics.health())) {
                long t0 = System.currentTimeMillis();
                for (int minute = 0; minute < simMinutes; minute++) {
                    for (SimulatedEvent e : simulator.minute(minute)) {
                        writer.send(new ProducerRecord<>(topics.predictions(), e.modelId(), e.json()));
                        sent++;
                    }
                    writer.flush();
                    long due = t0 + (minute + 1) * millisPerSimMinute;
                    do {
                        long wait = Math.max(1, Math.min(500, due - System.currentTimeMillis()));
                        for (ConsumerRecord<String, String> r : triggerTail.poll(Duration.ofMillis(wait))) {
                            RetrainTrigger t = Json.read(r.value(), RetrainTrigger.class);
                            triggers.computeIfAbsent(t.modelId(), k -> new ArrayList<>()).add(t);
                            printTrigger(t);
                        }
                        healthReports += healthTail.poll(Duration.ZERO).size();
                    } while (System.currentTimeMillis() < due);
                    System.out.printf(Locale.ROOT, "  simulated %s | %,d events sent | %,d health reports | %d triggers%n",
                            SIM_START.plusSeconds(60L * (minute + 1)).toString().substring(11, 16), sent, healthReports,
                            triggers.values().stream().mapToInt(List::size).sum());
                }
                // Outputs are committed at checkpoints (every 2 s here): give the last ones time to land.
                long drainUntil = System.currentTimeMillis() + 5_000;
                while (System.currentTimeMillis() < drainUntil) {
                    for (ConsumerRecord<String, String> r : triggerTail.poll(Duration.ofMillis(500))) {
                        RetrainTrigger t = Json.read(r.value(), RetrainTrigger.class);
                        triggers.computeIfAbsent(t.modelId(), k -> new ArrayList<>()).add(t);
                        printTrigger(t);
                    }
                }
                healthReports += healthTail.poll(Duration.ofMillis(200)).size();
            } finally {
                job.cancel().get();
            }
            return summarize(scenarios, triggers, sent, healthReports, simMinutes);
        }
    }

    private static void printTrigger(RetrainTrigger t) {
        StringBuilder ev = new StringBuilder();
        for (int i = 0; i < Math.min(3, t.evidence().length); i++) {
            Evidence e = t.evidence()[i];
            ev.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %s=%.3f (threshold %.2f)", e.signal(),
                    e.statistic(), e.value(), e.threshold()));
        }
        System.out.printf("TRIGGER %s/%s %s %s at %s (evidence since %s): %s%n", t.modelId(), t.modelVersion(),
                t.reason(), t.severity(), t.detectedAt(), t.firstEvidenceAt(), ev);
    }

    private static int summarize(List<ModelScenario> scenarios, Map<String, List<RetrainTrigger>> triggers, long sent,
            long healthReports, int simMinutes) {
        System.out.println();
        System.out.println("summary:");
        System.out.printf("  %-14s %-34s %-9s %s%n", "model", "simulated", "triggers", "verdict");
        int right = 0;
        for (ModelScenario s : scenarios) {
            List<RetrainTrigger> ts = triggers.getOrDefault(s.modelId(), List.of());
            boolean drifting = s.drift() != DriftKind.NONE && s.driftStartMinute() < simMinutes;
            String simulated = s.drift() == DriftKind.NONE ? "stable" : s.drift() + " from minute " + s.driftStartMinute();
            String verdict;
            if (drifting) {
                verdict = ts.isEmpty() ? "MISSED (drift not yet escalated)" : "detected: " + ts.get(0).reason();
                if (!ts.isEmpty()) right++;
            } else {
                verdict = ts.isEmpty() ? "quiet, as it should be" : "FALSE ALARM";
                if (ts.isEmpty()) right++;
            }
            System.out.printf("  %-14s %-34s %-9d %s%n", s.modelId(), simulated, ts.size(), verdict);
        }
        System.out.printf("%,d events, %,d health reports, %d of %d models judged right.%n", sent, healthReports, right,
                scenarios.size());
        return 0;
    }
}
