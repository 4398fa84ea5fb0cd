package io.modelwatch.evaluation;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.jobs.FlinkSettings;
import io.modelwatch.jobs.JobConfig;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.jobs.Sinks;
import io.modelwatch.jobs.Sources;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import java.time.Instant;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Plans the simulated models of an evaluation and runs them through the real job graph
 * ({@link MonitoringJob#build}) with default thresholds, RocksDB state and production
 * watermarks, on the MiniCluster of this JVM: all models at once, as one job would watch them
 * (the labelled ones in a second job of the same graph with a labels input, see {@link #execute}).
 */
public final class EvaluationRun {
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    static final long MINUTE = 60_000;

    /**
     * How much to run.
     *
     * @param stationaryEvents events per stationary scenario (1M for the published figures)
     * @param replicas models per drift scenario, each with its own seed
     * @param preDriftWindows evaluated windows before each change (after the reference)
     * @param postDriftWindows windows after a change's full effect in which it must be found
     */
    public record Settings(long stationaryEvents, int replicas, int preDriftWindows, int postDriftWindows, long seed,
            int parallelism) {
        public static Settings full() {
            return new Settings(1_000_000, 20, 20, 20, 42, 2);
        }

        /** The CI size: the same scenarios, fewer events (about 1.9M); two to three minutes on two cores. */
        public static Settings ci() {
            return new Settings(80_000, 3, 15, 12, 42, 2);
        }
    }

    /**
     * What a run produced.
     *
     * @param emittedAt per trigger id, the event time by which the job emitted the trigger (the
     *     record's timestamp at the sink, plus 1 ms: window timers fire at a window's last
     *     millisecond): for a drift trigger the end of its last window, for a performance trigger
     *     the end of the label-time minute in which the deciding labels arrived
     */
    public record Result(List<ModelRun> runs, List<RetrainTrigger> triggers, List<HealthReport> reports,
            List<DeadLetter> deadLetters, long millis, Map<String, Long> emittedAt) {}

    private EvaluationRun() {}

    /**
     * Every model of the evaluation: stationary scenarios once, drift scenarios in replicas, then
     * the quality and performance scenarios (planned last so the others keep their seeds). A
     * silent model sends until its change and nothing after it.
     */
    public static List<ModelRun> plan(Settings s) {
        ThresholdsConfig thresholds = ThresholdsConfig.defaultConfig();
        long start = START.toEpochMilli();
        List<ModelRun> runs = new ArrayList<>();
        int index = 0;
        for (Scenario sc : Scenario.stationaryScenarios()) {
            long minutes = (s.stationaryEvents() + sc.eventsPerMinute() - 1) / sc.eventsPerMinute();
            runs.add(new ModelRun(sc.name(), sc, 0, seed(s.seed(), index++), start, start + minutes * MINUTE,
                    sc.changeFromStart() ? start : ModelRun.NO_DRIFT));
        }
        List<Scenario> changes = new ArrayList<>(Scenario.driftScenarios());
        List<Scenario> more = new ArrayList<>(Scenario.qualityAndPerformanceScenarios());
        more.addAll(Scenario.speedScenarios());
        for (Scenario sc : more) {
            if (sc.stationary()) {
                long minutes = (s.stationaryEvents() + sc.eventsPerMinute() - 1) / sc.eventsPerMinute();
                runs.add(new ModelRun(sc.name(), sc, 0, seed(s.seed(), index++), start, start + minutes * MINUTE,
                        ModelRun.NO_DRIFT));
            } else {
                changes.add(sc);
            }
        }
        for (Scenario sc : changes) {
            int rate = sc.eventsPerMinute();
            long warmUp = (thresholds.defaults().referenceEvents() + rate - 1) / rate;
            long driftStart = start + (warmUp + s.preDriftWindows()) * MINUTE;
            long end = sc.silence() ? driftStart : driftStart + (sc.rampMinutes() + s.postDriftWindows()) * MINUTE;
            for (int r = 0; r < s.replicas(); r++) {
                runs.add(new ModelRun(sc.name() + "#" + (r + 1), sc, r + 1, seed(s.seed(), index++), start, end,
                        driftStart));
            }
        }
        // Issue 17's scenarios, then issue 19's: seeds after all the others, which keep theirs.
        List<Scenario> later = new ArrayList<>(Scenario.discreteScenarios());
        later.addAll(Scenario.jointScenarios());
        later.addAll(Scenario.estimatedPerformanceScenarios());
        later.addAll(Scenario.segmentScenarios());
        later.addAll(Scenario.predictionSegmentScenarios());
        for (Scenario sc : later) {
            if (sc.stationary()) {
                long minutes = (s.stationaryEvents() + sc.eventsPerMinute() - 1) / sc.eventsPerMinute();
                runs.add(new ModelRun(sc.name(), sc, 0, seed(s.seed(), index++), start, start + minutes * MINUTE,
                        ModelRun.NO_DRIFT));
                continue;
            }
            int rate = sc.eventsPerMinute();
            long warmUp = (thresholds.defaults().referenceEvents() + rate - 1) / rate;
            long driftStart = start + (warmUp + s.preDriftWindows()) * MINUTE;
            long end = driftStart + (sc.rampMinutes() + s.postDriftWindows()) * MINUTE;
            for (int r = 0; r < s.replicas(); r++) {
                runs.add(new ModelRun(sc.name() + "#" + (r + 1), sc, r + 1, seed(s.seed(), index++), start, end,
                        driftStart));
            }
        }
        return runs;
    }

    /**
     * A silent model is only reported once the watermark, moved by other models, passes its
     * last window's end plus {@code quality.silenceAfter}; at the end of a bounded input the
     * watermark jumps to the end of time and nothing is reported silent. So some other model
     * must send until well after that; fails with one line when none does.
     */
    static void requireTrafficPastSilence(List<ModelRun> runs) {
        long silenceAfter = ThresholdsConfig.defaultConfig().defaults().silenceAfter().toMillis();
        long lastEnd = runs.stream().filter(r -> !r.scenario().silence()).mapToLong(ModelRun::endMillis).max()
                .orElse(Long.MIN_VALUE);
        for (ModelRun r : runs) {
            // Two windows of margin: the watermark trails the newest event by the out-of-orderness.
            if (r.scenario().silence() && r.endMillis() + silenceAfter + 2 * MINUTE > lastEnd) {
                throw new IllegalArgumentException(r.scenario().name() + " needs other models sending until "
                        + Instant.ofEpochMilli(r.endMillis() + silenceAfter + 2 * MINUTE)
                        + "; run it with the stationary scenarios");
            }
        }
    }

    /**
     * Runs the planned models through the job and collects its outputs. The labelled models run
     * in a second job of the same graph with a labels input: wiring labels sends every prediction
     * to the label join too (a copy of each event, as in production), which the unlabelled
     * majority of the suite has no use for. Each job watches all of its models at once.
     */
    public static Result execute(Settings s, List<ModelRun> runs) throws Exception {
        List<ModelRun> unlabelled = runs.stream().filter(r -> r.scenario().labels() == null).toList();
        List<ModelRun> labelled = runs.stream().filter(r -> r.scenario().labels() != null).toList();
        requireTrafficPastSilence(unlabelled);
        List<Result> parts = new ArrayList<>();
        if (!unlabelled.isEmpty()) {
            parts.add(executeJob(s, unlabelled));
        }
        if (!labelled.isEmpty()) {
            parts.add(executeJob(s, labelled));
        }
        List<RetrainTrigger> triggers = new ArrayList<>();
        List<HealthReport> reports = new ArrayList<>();
        List<DeadLetter> dead = new ArrayList<>();
        Map<String, Long> emittedAt = new HashMap<>();
        long millis = 0;
        for (Result r : parts) {
            triggers.addAll(r.triggers());
            reports.addAll(r.reports());
            dead.addAll(r.deadLetters());
            emittedAt.putAll(r.emittedAt());
            millis += r.millis();
        }
        return new Result(runs, triggers, reports, dead, millis, emittedAt);
    }

    /** One job over {@code runs}, with a labels input when some of them are labelled. */
    private static Result executeJob(Settings s, List<ModelRun> runs) throws Exception {
        // Production's pipeline settings (explicit uids, no Kryo, max parallelism, object reuse,
        // RocksDB state); no checkpoints: the sources are in memory and the run is bounded.
        Configuration conf = FlinkSettings.pipeline();
        conf.setString("parallelism.default", String.valueOf(s.parallelism()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(s.parallelism());

        String id = UUID.randomUUID().toString();
        Sinks sinks = new Sinks(new CollectingSink<>(id + "/triggers"), new CollectingSink<>(id + "/health"),
                new CollectingSink<>(id + "/dead"));
        JobConfig config = new JobConfig(thresholds(runs), JobConfig.DEFAULT_OUT_OF_ORDERNESS,
                JobConfig.DEFAULT_IDLENESS, profiledReferences(runs));
        long t0 = System.nanoTime();
        if (ScenarioSource.anyLabelled(runs)) {
            // Labels on their own input, as from the labels topic, paced by the predictions.
            try (ScenarioSource.Paired paired = ScenarioSource.predictionsAndLabels(runs, s.parallelism())) {
                MonitoringJob.build(env, new Sources(paired.predictions(), paired.labels()), sinks, config);
                env.execute("modelwatch evaluation (labelled models)");
            }
        } else {
            MonitoringJob.build(env, new Sources(new ScenarioSource(runs)), sinks, config);
            env.execute("modelwatch evaluation");
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        List<CollectingSink.Timed<RetrainTrigger>> triggers = CollectingSink.drainTimed(id + "/triggers");
        Map<String, Long> emittedAt = new HashMap<>();
        triggers.forEach(t -> {
            if (t.timestamp() != null) {
                emittedAt.put(t.value().triggerId(), t.timestamp() + 1);
            }
        });
        return new Result(runs, triggers.stream().map(CollectingSink.Timed::value).toList(),
                CollectingSink.drain(id + "/health"), CollectingSink.drain(id + "/dead"), millis, emittedAt);
    }

    /**
     * The default thresholds, with {@code performance.estimatedDecay} on for the models whose
     * scenario asks for it, as a thresholds file's per-model section sets it.
     */
    static ThresholdsConfig thresholds(List<ModelRun> runs) {
        StringBuilder yaml = new StringBuilder();
        for (ModelRun run : runs) {
            if (run.scenario().estimatedDecay()) {
                yaml.append(yaml.isEmpty() ? "models:\n" : "").append("  \"").append(run.modelId())
                        .append("\":\n    performance:\n      estimatedDecay: true\n");
            }
        }
        return yaml.isEmpty() ? ThresholdsConfig.defaultConfig() : ThresholdsParser.parse(yaml.toString());
    }

    /**
     * References of the scenarios that ask for one, built as {@code modelwatch profile} builds
     * them ({@link #profiledReference}: sketch bins, then exact counts) from unchanged traffic of the same population with
     * its own seed, and handed to the job as {@code run --references} does.
     */
    static Map<String, byte[]> profiledReferences(List<ModelRun> runs) {
        Map<String, byte[]> refs = new HashMap<>();
        ThresholdsConfig thresholds = ThresholdsConfig.defaultConfig();
        for (ModelRun run : runs) {
            int n = run.scenario().profiledReference();
            if (n <= 0) {
                continue;
            }
            Scenario unchanged = new Scenario(run.scenario().name(), "reference", run.scenario().population(),
                    run.scenario().eventsPerMinute(), false, null, null, java.util.Set.of(), 0,
                    Scenario.Goal.NO_TRIGGER, 0, false, null);
            long minutes = (n + unchanged.eventsPerMinute() - 1) / unchanged.eventsPerMinute();
            ModelRun training = new ModelRun(run.modelId(), unchanged, 0, ~run.seed(), run.startMillis() - minutes * MINUTE,
                    run.startMillis(), ModelRun.NO_DRIFT);
            List<PredictionEvent> events = new ArrayList<>();
            ModelStream stream = new ModelStream(training, 0);
            while (stream.hasNext() && events.size() < n) {
                events.add(stream.next());
            }
            refs.put(ModelKey.of(run.modelId(), "1"), profiledReference(events, thresholds.defaults()));
        }
        return refs;
    }

    /**
     * One profiled reference, as {@code modelwatch profile} builds it ({@link ReferenceBuilder#fromData}):
     * the job installs it as it installs a profile file.
     */
    static byte[] profiledReference(List<PredictionEvent> events, Thresholds t) {
        return ReferenceBuilder.fromData(events, t.numericBins(), t.categoryBins()).toBytes();
    }

    private static long seed(long base, int index) {
        long z = base + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
