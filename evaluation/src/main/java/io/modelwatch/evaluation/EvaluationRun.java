package io.modelwatch.evaluation;

import io.modelwatch.config.ThresholdsConfig;
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
import io.modelwatch.stats.ModelProfile;
import io.modelwatch.stats.ReferenceProfile;
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
 * watermarks, on the MiniCluster of this JVM: all models at once, as one job would watch them.
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

    /** What a run produced. */
    public record Result(List<ModelRun> runs, List<RetrainTrigger> triggers, List<HealthReport> reports,
            List<DeadLetter> deadLetters, long millis) {}

    private EvaluationRun() {}

    /** Every model of the evaluation: stationary scenarios once, drift scenarios in replicas. */
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
        for (Scenario sc : Scenario.driftScenarios()) {
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

    /** Runs the planned models through the job and collects its outputs. */
    public static Result execute(Settings s, List<ModelRun> runs) throws Exception {
        Configuration conf = new Configuration();
        // As in production (FlinkSettings): explicit uids, no Kryo, RocksDB state.
        conf.setString("pipeline.auto-generate-uids", "false");
        conf.setString("pipeline.generic-types", "false");
        conf.setString("pipeline.max-parallelism", "128");
        conf.setString("state.backend.type", "rocksdb");
        conf.setString("parallelism.default", String.valueOf(s.parallelism()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(s.parallelism());

        String id = UUID.randomUUID().toString();
        Sinks sinks = new Sinks(new CollectingSink<>(id + "/triggers"), new CollectingSink<>(id + "/health"),
                new CollectingSink<>(id + "/dead"));
        JobConfig config = new JobConfig(ThresholdsConfig.defaultConfig(), JobConfig.DEFAULT_OUT_OF_ORDERNESS,
                JobConfig.DEFAULT_IDLENESS, profiledReferences(runs));
        MonitoringJob.build(env, new Sources(new ScenarioSource(runs)), sinks, config);
        long t0 = System.nanoTime();
        env.execute("modelwatch evaluation");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new Result(runs, CollectingSink.drain(id + "/triggers"), CollectingSink.drain(id + "/health"),
                CollectingSink.drain(id + "/dead"), millis);
    }

    /**
     * References of the scenarios that ask for one, built as {@code modelwatch profile} builds
     * them (sketch bins, then exact counts) from unchanged traffic of the same population with
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
                    Scenario.Goal.NO_TRIGGER, 0, false);
            long minutes = (n + unchanged.eventsPerMinute() - 1) / unchanged.eventsPerMinute();
            ModelRun training = new ModelRun(run.modelId(), unchanged, 0, ~run.seed(), run.startMillis() - minutes * MINUTE,
                    run.startMillis(), ModelRun.NO_DRIFT);
            List<PredictionEvent> events = new ArrayList<>();
            ModelStream stream = new ModelStream(training, 0);
            while (stream.hasNext() && events.size() < n) {
                events.add(stream.next());
            }
            ModelProfile learned = new ModelProfile();
            events.forEach(learned::add);
            ReferenceProfile frozen = ReferenceProfile.freeze(learned, thresholds.defaults().numericBins(),
                    thresholds.defaults().categoryBins());
            ModelProfile counted = ModelProfile.against(frozen);
            events.forEach(e -> counted.add(e, frozen));
            refs.put(ModelKey.of(run.modelId(), "1"), frozen.withExactProportions(counted).toBytes());
        }
        return refs;
    }

    private static long seed(long base, int index) {
        long z = base + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
