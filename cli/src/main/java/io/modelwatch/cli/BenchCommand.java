package io.modelwatch.cli;

import io.modelwatch.jobs.Flags;
import java.util.Set;
import io.modelwatch.jobs.UsageException;
import io.modelwatch.jobs.Topics;
import io.modelwatch.jobs.RunOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.management.OperatingSystemMXBean;
import io.modelwatch.bench.PassThroughJob;
import io.modelwatch.bench.Workload;
import io.modelwatch.config.DurationParser;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.jobs.PredictionDeserializer;
import io.modelwatch.jobs.FlinkSettings;
import io.modelwatch.jobs.JobConfig;
import io.modelwatch.jobs.KafkaEndpoints;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.jobs.OperatorIds;
import io.modelwatch.jobs.StateSizes;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.serde.Json;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code bin/modelwatch bench}: the end-to-end benchmarks of docs/benchmarks.md, against an
 * embedded broker, RocksDB, incremental checkpoints and exactly-once sinks.
 *
 * <p>Throughput (the default): the broker is filled with the workload (models x events,
 * stationary); then, on the same data in the same run, the pass-through baseline
 * ({@link PassThroughJob}) and the modelwatch job both run {@code --bounded}. Reported: events/s,
 * events per CPU-second, CPU time per event, the ratio to the baseline, checkpointed state (full
 * and incremental size of the largest checkpoint, from Flink's own checkpoint statistics) per
 * model and per monitored value, and the mean batch of the EventBatcher.
 *
 * <p>Latency ({@code --latency}): the job runs unbounded while a producer sends at {@code --rate}
 * events/s, each stamped with the wall-clock time it is sent; a fifth of the models drift
 * after {@code --drift-after}. A read_committed consumer records when each health report and
 * each retrain trigger becomes visible; the latency is measured from the time the window could
 * first be closed (its end plus the allowed out-of-orderness: the producer sent the event that
 * lets the watermark pass the window end then) and, for reference, from the window end itself.
 */
final class BenchCommand {
    static final String USAGE = "usage: modelwatch bench [--models 1000] [--events 1000000] [--numeric-features 20] "
            + "[--categorical-features 5] [--parallelism 2] [--checkpoint-interval 10s] [--no-baseline] [--passes 1] "
            + "[--open-profiles N (run's flag; default: sized from the heap)]\n"
            + "       modelwatch bench --grid [--grid-models 1000,10000,100000] [--grid-rates 1,10,60,500] "
            + "[--grid-references learning,complete] [--grid-labels off,on] [--label-fraction 0.1] "
            + "[--events 2000000 (per cell)] [--passes 2] [--no-live-state] ...\n"
            + "       modelwatch bench --latency --rate EVENTS_PER_S [--duration 5m] [--drift-after 2m] "
            + "[--window 30s] [--out-of-orderness 2s] [--models 1000] ...";

    /** Event time of the throughput workload's first event (any fixed instant will do). */
    static final long START_MILLIS = 1_764_144_000_000L;

    private BenchCommand() {}

    record Settings(int models, long events, int numeric, int categorical, int parallelism,
            Duration checkpointInterval, boolean baseline, int passes, boolean latency, double rate, Duration duration,
            Duration driftAfter, Duration window, Duration outOfOrderness, BenchGrid.Cell cell, int openProfiles) {
        Workload workload() {
            return new Workload(numeric, categorical);
        }

        /** The same settings for one grid cell. */
        Settings withCell(BenchGrid.Cell c) {
            return new Settings(c.models(), c.events(), numeric, categorical, parallelism, checkpointInterval,
                    baseline, passes, latency, rate, duration, driftAfter, window, outOfOrderness, c, openProfiles);
        }

        /** Events per model and minute of event time. */
        double perModelMinute() {
            return cell == null ? LEGACY_PER_MODEL_MINUTE : cell.perModelMinute();
        }
    }

    /** The single-workload bench (no --grid): 500 events per model-minute. */
    static final double LEGACY_PER_MODEL_MINUTE = 500;

    private static final Set<String> SWITCHES = Set.of("--no-baseline", "--grid", "--no-live-state", "--latency");

    static int run(String[] args) throws Exception {
        var f = new Object() {
            int models = 1000;
            long events = 1_000_000;
            int numeric = Workload.NUMERIC;
            int categorical = Workload.CATEGORICAL;
            int parallelism = 2;
            Duration checkpointInterval = Duration.ofSeconds(10);
            boolean baseline = true;
            int passes = 1;
            boolean latency = false;
            double rate = 0;
            Duration duration = Duration.ofMinutes(5);
            Duration driftAfter = Duration.ofMinutes(2);
            Duration window = Duration.ofSeconds(30);
            Duration outOfOrderness = Duration.ofSeconds(2);
            BenchGrid.Spec grid = null;
            boolean eventsGiven = false;
            boolean passesGiven = false;
            int openProfiles = JobConfig.DEFAULT_OPEN_PROFILES;

            BenchGrid.Spec grid() {
                grid = grid == null ? new BenchGrid.Spec() : grid;
                return grid;
            }
        };
        boolean read = Flags.parse(args, SWITCHES, (flag, v) -> {
            switch (flag) {
                case "--no-baseline" -> f.baseline = false;
                case "--grid" -> f.grid();
                case "--no-live-state" -> f.grid().liveState = false;
                case "--latency" -> f.latency = true;
                case "--models" -> f.models = Flags.integer(flag, v);
                case "--events" -> {
                    f.events = Flags.longInteger(flag, v);
                    f.eventsGiven = true;
                }
                case "--grid-models", "--grid-rates", "--grid-references", "--grid-labels", "--label-fraction" -> {
                    try {
                        f.grid().set(flag, v);
                    } catch (NumberFormatException e) {
                        throw new UsageException(flag + ": not a number: " + v);
                    }
                }
                case "--numeric-features" -> f.numeric = Flags.integer(flag, v);
                case "--categorical-features" -> f.categorical = Flags.integer(flag, v);
                case "--parallelism" -> f.parallelism = Flags.integer(flag, v);
                case "--open-profiles" -> f.openProfiles = Flags.positiveInt(flag, v);
                case "--passes" -> {
                    f.passes = Flags.integer(flag, v);
                    f.passesGiven = true;
                }
                case "--checkpoint-interval" -> f.checkpointInterval = DurationParser.parse(flag, v);
                case "--rate" -> f.rate = Flags.decimal(flag, v);
                case "--duration" -> f.duration = DurationParser.parse(flag, v);
                case "--drift-after" -> f.driftAfter = DurationParser.parse(flag, v);
                case "--window" -> f.window = DurationParser.parse(flag, v);
                case "--out-of-orderness" -> f.outOfOrderness = DurationParser.parse(flag, v);
                default -> throw Flags.unknown(flag);
            }
        });
        if (!read) {
            System.out.println(USAGE);
            return 0;
        }
        int models = f.models;
        long events = f.events;
        int numeric = f.numeric;
        int categorical = f.categorical;
        int parallelism = f.parallelism;
        Duration checkpointInterval = f.checkpointInterval;
        boolean baseline = f.baseline;
        int passes = f.passes;
        boolean latency = f.latency;
        double rate = f.rate;
        Duration duration = f.duration;
        Duration driftAfter = f.driftAfter;
        Duration window = f.window;
        Duration outOfOrderness = f.outOfOrderness;
        BenchGrid.Spec grid = f.grid;
        boolean eventsGiven = f.eventsGiven;
        boolean passesGiven = f.passesGiven;
        if (models < 1 || events < models || numeric < 0 || categorical < 0 || numeric + categorical < 1) {
            throw new UsageException("--models, --events and the feature counts must be positive, with "
                    + "at least one event per model");
        }
        if (passes < 1) {
            throw new UsageException("--passes must be at least 1");
        }
        if (latency && rate <= 0) {
            throw new UsageException("--latency needs --rate EVENTS_PER_S (half the throughput run's events/s)");
        }
        Settings s = new Settings(models, events, numeric, categorical, parallelism, checkpointInterval, baseline,
                passes, latency, rate, duration, driftAfter, window, outOfOrderness, null, f.openProfiles);
        if (grid != null) {
            return BenchGrid.run(s, grid.build(eventsGiven ? events : BenchGrid.DEFAULT_EVENTS_PER_CELL,
                    passesGiven ? passes : BenchGrid.DEFAULT_PASSES));
        }
        return latency ? latency(s) : throughput(s);
    }

    static EmbeddedKafkaCluster broker(Topics topics) throws Exception {
        EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
        kafka.createTopic(topics.predictions(), 4);
        // As in production (preflight requires it): without it the bounded job's control source,
        // subscribed by pattern, never finishes and the run hangs after the last event.
        kafka.createCompactedTopic(topics.control(), 1);
        for (String t : new String[] {topics.labels(), topics.triggers(), topics.health(), topics.deadLetters(),
            "bench-counts"}) {
            kafka.createTopic(t, 1);
        }
        return kafka;
    }

    static RunOptions options(String bootstrap, Settings s, ThresholdsConfig thresholds, Path stateDir,
            boolean bounded, Duration outOfOrderness, Integer prometheusPort) {
        return options(bootstrap, s, thresholds, stateDir, bounded, outOfOrderness, prometheusPort, "bench");
    }

    private static RunOptions options(String bootstrap, Settings s, ThresholdsConfig thresholds, Path stateDir,
            boolean bounded, Duration outOfOrderness, Integer prometheusPort, String name) {
        return options(bootstrap, s, thresholds, stateDir, bounded, outOfOrderness, JobConfig.DEFAULT_IDLENESS,
                prometheusPort, name);
    }

    private static RunOptions options(String bootstrap, Settings s, ThresholdsConfig thresholds, Path stateDir,
            boolean bounded, Duration outOfOrderness, Duration idleness, Integer prometheusPort, String name) {
        return new RunOptions(bootstrap, null, thresholds, bounded, s.parallelism(), stateDir, null,
                s.checkpointInterval(), Topics.defaults(), name, name, null, new Properties(), outOfOrderness,
                idleness, prometheusPort, null, s.cell() == null ? null : s.cell().references(), false,
                // The single-workload bench joins labels only for models that send them (its models
                // send none); the grid runs the job's default, every prediction with an id kept.
                s.cell() == null, s.openProfiles());
    }

    private static int throughput(Settings s) throws Exception {
        // Each model gets events/models events, 500 per minute of event time: a smaller reference
        // and window minimum than the defaults so that every model leaves warm-up and its windows
        // are evaluated, which is the steady state worth measuring.
        ThresholdsConfig thresholds = ThresholdsParser.parse("defaults:\n  reference: {events: 300}\n"
                + "  window: {size: 1m, minEvents: 200}\n");
        System.out.printf(Locale.ROOT, "modelwatch bench: %,d events of %,d models (%d numeric + %d categorical "
                + "features), parallelism %d, checkpoints every %s%n", s.events(), s.models(), s.numeric(),
                s.categorical(), s.parallelism(), DurationParser.format(s.checkpointInterval()));
        Topics topics = Topics.defaults();
        try (EmbeddedKafkaCluster kafka = broker(topics)) {
            fill(kafka.bootstrapServers(), topics.predictions(), s);
            Path dir = Files.createTempDirectory("modelwatch-bench-");
            // Every timed run goes to one embedded cluster, as jobs go to a long-running cluster
            // (a cluster of its own per run also loaded Flink's RPC system, Pekko and Scala, in a
            // class loader of its own every time). Each job still brings its own configuration.
            int port = freePort();
            Configuration clusterConf = FlinkSettings.embedded(FlinkSettings.of(options(kafka.bootstrapServers(), s,
                    thresholds, dir.resolve("cluster"), true, JobConfig.DEFAULT_OUT_OF_ORDERNESS, null, "bench")));
            clusterConf.setString("rest.port", String.valueOf(port));
            try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(clusterConf).setNumTaskManagers(1).setNumSlotsPerTaskManager(s.parallelism())
                    .build())) {
                cluster.start();
                // Passes after the first run the same jobs on the same data again: what a job
                // that has run for a while does, with the JIT compiler done (in a first pass of a
                // few million events it still takes a fifth of the CPU, docs/benchmarks.md).
                for (int pass = 1; pass <= s.passes(); pass++) {
                    if (s.passes() > 1) {
                        System.out.printf(Locale.ROOT, "%npass %d of %d%s%n", pass, s.passes(),
                                pass == 1 ? " (cold: the JIT compiler is still at work)" : " (warm)");
                    }
                    pass(kafka, cluster, port, s, thresholds, dir.resolve("pass-" + pass), "bench-" + pass);
                }
            }
            liveState(kafka, s, thresholds, dir.resolve("live-state"), 0);
            return 0;
        }
    }

    /** Runs the job {@code env} describes on {@code cluster} to its end; throws if it failed. */
    private static void execute(MiniCluster cluster, StreamExecutionEnvironment env, String jobName)
            throws Exception {
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(jobName);
        JobID id = cluster.submitJob(graph).get().getJobID();
        cluster.requestJobResult(id).get().toJobExecutionResult(BenchCommand.class.getClassLoader());
    }

    /** One pass's runs: the baseline's (null without one) and modelwatch's. */
    record PassResult(Run baseline, Run monitor) {}

    static PassResult pass(EmbeddedKafkaCluster kafka, MiniCluster cluster, int port, Settings s,
            ThresholdsConfig thresholds, Path dir, String name) throws Exception {
        RunOptions options = options(kafka.bootstrapServers(), s, thresholds, dir.resolve("state"), true,
                JobConfig.DEFAULT_OUT_OF_ORDERNESS, null, name);

        Run baseline = null;
        if (s.baseline()) {
            System.out.println("running the pass-through baseline (parse, key, count in RocksDB, write)...");
            RunOptions baselineOptions = options(kafka.bootstrapServers(), s, thresholds, dir.resolve("baseline"),
                    true, JobConfig.DEFAULT_OUT_OF_ORDERNESS, null, name);
            baseline = measure(dir.resolve("baseline"), null, () -> {
                StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                        FlinkSettings.of(baselineOptions));
                PassThroughJob.build(env, source(baselineOptions), KafkaSink.<PassThroughJob.ModelCount>builder()
                        .setBootstrapServers(baselineOptions.bootstrapServers())
                        .setRecordSerializer(PassThroughJob.serializer("bench-counts"))
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(name + "-baseline")
                        .setProperty("transaction.timeout.ms", "900000")
                        .build());
                execute(cluster, env, "bench-baseline");
            });
            report("baseline", baseline, s.events());
        }

        System.out.println("running modelwatch (reference, windows, drift, quality, labels join, CEP)...");
        Run monitor = measure(dir.resolve("state"), port, () -> {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.of(options));
            MonitoringJob.build(env, KafkaEndpoints.sources(options), KafkaEndpoints.sinks(options), options.jobConfig());
            execute(cluster, env, "bench-modelwatch");
        });
        report("modelwatch", monitor, s.events());

        int values = s.workload().monitoredValues();
        System.out.println();
        System.out.println("summary:");
        if (baseline != null) {
            System.out.printf(Locale.ROOT, "  throughput ratio modelwatch / baseline: %.2f (wall time); %.2f (CPU "
                    + "time per event, less sensitive to other load on the machine)%n",
                    monitor.eventsPerSecond(s.events()) / baseline.eventsPerSecond(s.events()),
                    baseline.cpuSeconds() / monitor.cpuSeconds());
        }
        System.out.printf(Locale.ROOT, "  modelwatch events/s per core (%d cores): %,.0f%n",
                Runtime.getRuntime().availableProcessors(),
                monitor.eventsPerSecond(s.events()) / Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  largest checkpoint (Flink's full state size): %,d bytes = %,d bytes per "
                + "model = %,d bytes per model and monitored value (%d: features and prediction) = %,d per model "
                + "and numeric feature%n", monitor.fullCheckpointBytes(), monitor.fullCheckpointBytes() / s.models(),
                monitor.fullCheckpointBytes() / s.models() / values, values,
                s.numeric() == 0 ? 0 : monitor.fullCheckpointBytes() / s.models() / s.numeric());
        System.out.printf(Locale.ROOT, "  largest incremental checkpoint: %,d bytes; checkpoint directory at most "
                + "%,d bytes%n", monitor.incrementalCheckpointBytes(), monitor.maxDirectoryBytes());
        if (monitor.batches() == 0) {
            // The counters are read every 10 s, and the REST API's first answer is often empty.
            System.out.println("  EventBatcher: not sampled (the run was too short for the 10 s metrics poll)");
        } else {
            System.out.printf(Locale.ROOT, "  EventBatcher: %,d events in %,d batches, %.1f events per batch (at the "
                    + "last 10 s sample)%n", monitor.batchedEvents(), monitor.batches(),
                    (double) monitor.batchedEvents() / monitor.batches());
        }
        return new PassResult(baseline, monitor);
    }

    /**
     * The live state, exactly: Flink's checkpoint size above counts every SST file a RocksDB
     * checkpoint references, superseded versions of a profile included until compaction drops
     * them, so it is an upper bound that moves with compaction's timing. A canonical savepoint
     * holds each state entry once, serialised. It is taken in a run of its own (the same job on
     * the same data, not timed), unbounded as in production, once the job has read every event
     * (its committed offsets, which follow checkpoints, reach the end of the topic): references
     * learned, the windows of the last minute open, as in a job that keeps running.
     *
     * <p>In a grid cell (the job's default label join) the label join's state is told apart: it is
     * the predictions waiting for their labels (every event has a predictionId, and a prediction
     * waits until its label comes or the label horizon passes, far beyond the run), whose number
     * the bench knows: the events less the {@code labels} written, each for a prediction of its
     * own. The run waits until the labels too are read.
     */
    static LiveState liveState(EmbeddedKafkaCluster kafka, Settings s, ThresholdsConfig thresholds, Path dir,
            long labels) throws Exception {
        System.out.printf(Locale.ROOT, "%nlive state: the same job, unbounded, a canonical savepoint once it has read "
                + "every event...%n");
        // Idleness 1 s: the labels topic is empty, and the watermark must not wait a minute for it.
        RunOptions options = options(kafka.bootstrapServers(), s, thresholds, dir.resolve("state"), false,
                JobConfig.DEFAULT_OUT_OF_ORDERNESS, Duration.ofSeconds(1), null, "bench-live-state");
        StreamExecutionEnvironment env = FlinkSettings.environment(options);
        MonitoringJob.build(env, KafkaEndpoints.sources(options), KafkaEndpoints.sinks(options), options.jobConfig());
        JobClient job = env.executeAsync("bench-live-state");
        String location;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            long t0 = System.nanoTime();
            long read;
            while ((read = committed(admin, options.groupId(), options.topics().predictions())) < s.events()
                    || labels > 0 && committed(admin, options.groupId(), options.topics().labels()) < labels) {
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    throw new IllegalStateException("the live-state run ended: " + job.getJobStatus().get());
                }
                System.out.printf(Locale.ROOT, "  %4.0f s: %,d of %,d events read (offsets committed at checkpoints)%n",
                        (System.nanoTime() - t0) / 1e9, read, s.events());
                Thread.sleep(2000); // polling the broker, not synchronisation
            }
            location = job.stopWithSavepoint(false, dir.resolve("savepoint").toUri().toString(),
                    SavepointFormatType.CANONICAL).get();
        } catch (Exception e) {
            job.cancel().get();
            throw e;
        }
        Map<OperatorID, String> uids = new HashMap<>();
        for (java.lang.reflect.Field f : OperatorIds.class.getFields()) {
            String uid = (String) f.get(null);
            uids.put(OperatorIdentifier.forUid(uid).getOperatorId(), uid);
        }
        Map<String, Long> byOperator = new HashMap<>();
        long total = 0;
        for (OperatorState state : SavepointLoader.loadSavepointMetadata(location).getOperatorStates()) {
            total += state.getStateSize();
            byOperator.merge(uids.getOrDefault(state.getOperatorID(), state.getOperatorID().toString()),
                    state.getStateSize(), Long::sum);
        }
        long monitor = byOperator.getOrDefault(OperatorIds.MODEL_MONITOR, 0L);
        System.out.printf(Locale.ROOT, "  savepoint: %,d bytes = %,d per model = %,d per model and numeric feature; "
                + "model monitor alone (references, open windows, detectors): %,d per model and numeric feature%n",
                total, total / s.models(), s.numeric() == 0 ? 0 : total / s.models() / s.numeric(),
                s.numeric() == 0 ? 0 : monitor / s.models() / s.numeric());
        StringBuilder top = new StringBuilder();
        byOperator.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
                .forEach(e -> top.append(String.format(Locale.ROOT, "%s%s %,d", top.length() == 0 ? "" : ", ",
                        e.getKey(), e.getValue())));
        System.out.println("  by operator (bytes): " + top);
        // The single-workload bench runs --label-join labelled-models (options()) and its models
        // send no labels: no prediction waits there.
        long waiting = s.cell() == null ? 0 : s.events() - labels;
        // Of what, by state (StateSizes): the reports the performance monitor keeps for revisions
        // are its "spans", one per window (a span of low-traffic windows keeps one), each for
        // performance.labelHorizon (24 h by default), which a run of minutes never reaches.
        List<StateSizes.Size> sizes = StateSizes.read(StreamExecutionEnvironment.getExecutionEnvironment(
                readerConfiguration()), location);
        long reportsKept = 0;
        long reportBytes = 0;
        String operator = null;
        for (StateSizes.Size z : sizes) {
            if (!z.operator().equals(operator)) {
                operator = z.operator();
                System.out.printf(Locale.ROOT, "  %s by state (values' bytes, per model version holding it):%n", operator);
            }
            System.out.printf(Locale.ROOT, "    %-22s %,14d bytes  %,10d entries  %,9d per version%n", z.state(),
                    z.bytes(), z.entries(), z.versions() == 0 ? 0 : z.bytes() / z.versions());
            if (z.operator().equals(OperatorIds.PERFORMANCE_MONITOR) && z.state().equals("spans")) {
                reportsKept = z.entries();
                reportBytes = z.bytes();
            }
        }
        LiveState live = new LiveState(total, byOperator.getOrDefault(OperatorIds.LABEL_JOIN, 0L), waiting,
                reportBytes, reportsKept);
        if (waiting > 0) {
            System.out.printf(Locale.ROOT, "  label join: %,d bytes for %,d predictions waiting for their label = %,d "
                    + "per waiting prediction; the rest: %,d per model and numeric feature%n", live.labelJoinBytes(),
                    live.waitingPredictions(), live.bytesPerWaitingPrediction(), s.numeric() == 0 ? 0
                            : live.restBytes() / s.models() / s.numeric());
        }
        if (reportsKept > 0) {
            System.out.printf(Locale.ROOT, "  performance monitor: %,d window reports kept for revisions, %,d bytes "
                    + "= %,d per report%n", reportsKept, reportBytes, live.bytesPerReportKept());
        }
        return live;
    }

    /** A local environment to read the savepoint with (two slots: the machine's cores). */
    private static Configuration readerConfiguration() {
        Configuration conf = new Configuration();
        conf.setString("parallelism.default", "2");
        conf.setString("taskmanager.numberOfTaskSlots", "2");
        return conf;
    }

    /**
     * A canonical savepoint's bytes: in all, the label join's, which are the predictions waiting
     * for their labels ({@code waitingPredictions} of them), and the values' bytes of the window
     * reports the performance monitor keeps for revisions ({@code reportsKept} of them).
     */
    record LiveState(long totalBytes, long labelJoinBytes, long waitingPredictions, long reportBytes,
            long reportsKept) {
        LiveState(long totalBytes, long labelJoinBytes, long waitingPredictions) {
            this(totalBytes, labelJoinBytes, waitingPredictions, 0, 0);
        }

        /** Bytes per report kept: a version keeps a day of them at the defaults. */
        long bytesPerReportKept() {
            return reportsKept <= 0 ? 0 : reportBytes / reportsKept;
        }

        /** Everything but the label join's waiting predictions. */
        long restBytes() {
            return totalBytes - labelJoinBytes;
        }

        long bytesPerWaitingPrediction() {
            return waitingPredictions <= 0 ? 0 : labelJoinBytes / waitingPredictions;
        }
    }

    private static KafkaSource<io.modelwatch.model.IngestRecord> source(RunOptions o) {
        return KafkaSource.<io.modelwatch.model.IngestRecord>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setTopics(o.topics().predictions())
                .setGroupId(o.groupId() + "-baseline")
                .setDeserializer(new PredictionDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .build();
    }

    static void fill(String bootstrap, String topic, Settings s) {
        fill(bootstrap, topic, null, s);
    }

    /**
     * The predictions: model after model, each model's events {@link Settings#perModelMinute()}
     * a minute apart in event time. With a grid cell's labels on, a label for a
     * {@code labelFraction} of the predictions goes to {@code labelsTopic}, stamped
     * {@link BenchGrid#LABEL_DELAY} after its prediction (late, within the label horizon), 1 with
     * the prediction's score as probability. Returns the number of labels written.
     */
    static long fill(String bootstrap, String topic, String labelsTopic, Settings s) {
        SplittableRandom random = new SplittableRandom(42);
        SplittableRandom labelRandom = new SplittableRandom(7);
        Workload workload = s.workload();
        long t0 = System.nanoTime();
        double perModelMinute = s.perModelMinute();
        double labelFraction = s.cell() == null ? 0 : s.cell().labelFraction();
        long labels = 0;
        try (TopicWriter writer = new TopicWriter(bootstrap)) {
            for (long i = 0; i < s.events(); i++) {
                int model = (int) (i % s.models());
                long n = i / s.models();
                long millis = START_MILLIS + (long) (n * 60_000 / perModelMinute);
                String id = modelId(model);
                String json = workload.json(random, id, millis);
                writer.send(new ProducerRecord<>(topic, id, json.getBytes(StandardCharsets.UTF_8)));
                if (labelFraction > 0 && labelRandom.nextDouble() < labelFraction) {
                    double score = Double.parseDouble(json.substring(json.lastIndexOf(':') + 1, json.length() - 1));
                    writer.send(new ProducerRecord<>(labelsTopic, id, String.format(Locale.ROOT,
                            "{\"modelId\":\"%s\",\"predictionId\":\"%s-%d\",\"timestamp\":\"%s\",\"label\":%d}", id, id,
                            millis, Instant.ofEpochMilli(millis + BenchGrid.LABEL_DELAY.toMillis()),
                            labelRandom.nextDouble() < score ? 1 : 0).getBytes(StandardCharsets.UTF_8)));
                    labels++;
                }
                if ((i + 1) % 250_000 == 0) {
                    System.out.printf(Locale.ROOT, "  written %,d of %,d events (%.0f s)%n", i + 1, s.events(),
                            (System.nanoTime() - t0) / 1e9);
                }
            }
            writer.flush();
        }
        if (labelFraction > 0) {
            System.out.printf(Locale.ROOT, "  written %,d labels (%.0f%% of the predictions)%n", labels,
                    100.0 * labels / s.events());
        }
        return labels;
    }

    static String modelId(int model) {
        return String.format(Locale.ROOT, "model-%05d", model);
    }

    interface JobRun {
        void run() throws Exception;
    }

    record Run(double seconds, double cpuSeconds, long maxDirectoryBytes, long fullCheckpointBytes,
            long incrementalCheckpointBytes, long batches, long batchedEvents, Map<String, Double> cpuByTask) {
        double eventsPerSecond(long events) {
            return events / seconds;
        }
    }

    private static Run measure(Path checkpointDir, Integer restPort, JobRun job) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicLong maxBytes = new AtomicLong();
        ConcurrentHashMap<String, Double> stats = new ConcurrentHashMap<>();
        HttpClient http = HttpClient.newHttpClient();
        AtomicLong rounds = new AtomicLong();
        Thread sampler = every(1000, "checkpoint-size-sampler", () -> {
            long round = rounds.getAndIncrement();
            maxBytes.accumulateAndGet(size(checkpointDir), Math::max);
            if (restPort != null) {
                // Batch counters every 10th round only: fetching metrics makes the cluster dump
                // all of them (per-model ones included), CPU that would count against the job.
                poll(http, restPort, stats, round % 10 == 9);
            }
            if (round % 10 == 9) {
                Double batched = stats.get("batchedEvents");
                Double cached = stats.get("openProfileVersions");
                System.out.printf(Locale.ROOT, "  %4d s: running%s%s%n", round + 1, batched == null ? ""
                        : String.format(Locale.ROOT, ", %,.0f events batched so far", batched), cached == null ? ""
                        : String.format(Locale.ROOT, ", open profiles: %,.0f versions cached (%,.0f MB of heap as weighed),"
                                + " %,.0f evicted, %,.0f batches not admitted", cached,
                                stats.getOrDefault("openProfileHeapBytes", 0.0) / (1 << 20),
                                stats.getOrDefault("openProfileEvictions", 0.0),
                                stats.getOrDefault("openProfileNotAdmitted", 0.0)));
            }
        });
        ThreadCpu threads = new ThreadCpu();
        Thread threadSampler = every(200, "thread-cpu-sampler", threads::sample);
        threads.sample();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        sampler.start();
        threadSampler.start();
        job.run();
        long t1 = System.nanoTime();
        long cpu1 = os.getProcessCpuTime();
        sampler.interrupt();
        threadSampler.interrupt();
        threadSampler.join();
        threads.sample();
        return new Run((t1 - t0) / 1e9, (cpu1 - cpu0) / 1e9, maxBytes.get(),
                stats.getOrDefault("full", 0.0).longValue(), stats.getOrDefault("incremental", 0.0).longValue(),
                stats.getOrDefault("batches", 0.0).longValue(), stats.getOrDefault("batchedEvents", 0.0).longValue(),
                threads.byTask());
    }

    /** A daemon thread, not started, that runs {@code body} every {@code millis} until interrupted. */
    private static Thread every(long millis, String name, Runnable body) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                body.run();
                try {
                    Thread.sleep(millis); // sampling, not synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * CPU time per thread, sampled every 200 ms (a thread's last 200 ms before it ends can be
     * missed), grouped by Flink task: where a run's CPU went, without a profiler. The threads the
     * JVM does not list (JIT compilers, garbage collector, RocksDB's native flush and compaction
     * threads) are read from {@code /proc/self/task} where there is one (Linux), since together
     * they are half the CPU of a short run (docs/benchmarks.md); their ids are negative here.
     */
    static final class ThreadCpu {
        private static final Path TASKS = Path.of("/proc/self/task");
        /** Clock ticks per second of /proc's utime and stime: 100 on every Linux the JVM runs on. */
        private static final double TICKS_PER_SECOND = 100;
        private final java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        private final Map<Long, Long> start = new HashMap<>();
        private final Map<Long, Long> latest = new HashMap<>();
        private final Map<Long, String> names = new HashMap<>();
        /** /proc thread ids already seen to be Java threads: their stat is not read again. */
        private final Set<String> javaThreads = new java.util.HashSet<>();
        private boolean sampled;

        synchronized void sample() {
            sampleNative();
            for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (info == null) {
                    continue;
                }
                long cpu = mx.getThreadCpuTime(info.getThreadId());
                if (cpu < 0) {
                    continue;
                }
                // A thread born during the run counts with all its CPU.
                start.putIfAbsent(info.getThreadId(), sampled ? 0L : cpu);
                names.putIfAbsent(info.getThreadId(), info.getThreadName());
                latest.put(info.getThreadId(), cpu);
            }
            sampled = true;
        }

        /** The native threads (by their /proc name) the JVM's thread list leaves out. */
        static boolean nativeThread(String name) {
            return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")
                    || name.startsWith("rocksdb:") || name.startsWith("GC Thread") || name.startsWith("G1 ");
        }

        private void sampleNative() {
            if (!Files.isDirectory(TASKS)) {
                return;
            }
            try (Stream<Path> tasks = Files.list(TASKS)) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    String tid = task.getFileName().toString();
                    if (javaThreads.contains(tid)) {
                        continue;
                    }
                    String stat;
                    try {
                        stat = Files.readString(task.resolve("stat"));
                    } catch (IOException gone) {
                        continue; // the thread ended between the listing and the read
                    }
                    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split
                    // after its last ')'; utime and stime are fields 14 and 15.
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(open + 1, close);
                    if (!nativeThread(name)) {
                        javaThreads.add(tid);
                        continue;
                    }
                    String[] f = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    long id = -Long.parseLong(tid);
                    long cpu = (long) (ticks / TICKS_PER_SECOND * 1e9);
                    start.putIfAbsent(id, sampled ? 0L : cpu);
                    names.putIfAbsent(id, name);
                    latest.put(id, cpu);
                }
            } catch (IOException | RuntimeException e) {
                // Sampling is best effort: a /proc that reads differently only loses these rows.
            }
        }

        /** Seconds of CPU per task (subtasks together), largest first. */
        synchronized Map<String, Double> byTask() {
            Map<String, Double> tasks = new HashMap<>();
            latest.forEach((id, cpu) -> tasks.merge(task(names.get(id)), (cpu - start.get(id)) / 1e9, Double::sum));
            Map<String, Double> sorted = new java.util.LinkedHashMap<>();
            tasks.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            return sorted;
        }

        /** "Model monitor (...) -> Signals ... (1/2)#0" -> "Model monitor"; other threads by kind. */
        static String task(String thread) {
            String t = thread.replaceAll(" \\(\\d+/\\d+\\)#\\d+$", "");
            if (t.startsWith("Source: Kafka: predictions")) {
                return "predictions: source, parse, batch";
            }
            if (t.startsWith("Source Data Fetcher")) {
                return "Kafka source fetchers";
            }
            if (t.startsWith("C1 ") || t.startsWith("C2 ")) {
                return "JIT compiler";
            }
            if (t.startsWith("GC ") || t.startsWith("G1 ")) {
                return "garbage collector";
            }
            if (t.startsWith("rocksdb:")) {
                return "RocksDB flush and compaction";
            }
            if (t.startsWith("kafka-producer") || t.startsWith("data-plane-kafka") || t.startsWith("broker-")
                    || t.startsWith("log-") || t.startsWith("ExpirationReaper") || t.startsWith("kafka-")) {
                return "Kafka broker and producers";
            }
            int paren = t.indexOf(" (");
            int arrow = t.indexOf(" -> ");
            int end = paren < 0 ? arrow : arrow < 0 ? paren : Math.min(paren, arrow);
            return end > 0 ? t.substring(0, end) : t.replaceAll("[-\\d]+$", "");
        }
    }

    /**
     * From the embedded cluster's REST API: Flink's own statistics of the latest completed
     * checkpoint (full state size and incremental size, largest seen) and, when asked, the
     * EventBatcher's counters summed over subtasks.
     */
    /** The metric ids that {@link #poll} reads, by a vertex's subtask metrics URL, and what it calls each. */
    private static final Map<String, Map<String, String>> METRIC_KEYS = new ConcurrentHashMap<>();

    private static void poll(HttpClient http, int port, ConcurrentHashMap<String, Double> into, boolean counters) {
        try {
            String base = "http://localhost:" + port;
            for (JsonNode j : get(http, base + "/jobs/overview").path("jobs")) {
                if (!j.path("state").asText().equals("RUNNING")) {
                    continue;
                }
                String id = j.path("jid").asText();
                JsonNode completed = get(http, base + "/jobs/" + id + "/checkpoints").path("latest").path("completed");
                if (completed.has("state_size")) {
                    into.merge("full", completed.path("state_size").asDouble(), Math::max);
                    into.merge("incremental", completed.path("checkpointed_size").asDouble(), Math::max);
                }
                if (!counters) {
                    continue;
                }
                for (JsonNode v : get(http, base + "/jobs/" + id).path("vertices")) {
                    String vertex = v.path("name").asText();
                    if (!vertex.contains("Batch events") && !vertex.contains("Model monitor")) {
                        continue;
                    }
                    String metrics = base + "/jobs/" + id + "/vertices/" + v.path("id").asText() + "/subtasks/metrics";
                    // Listed once per vertex: the model monitor's list holds every per-model metric.
                    Map<String, String> keys = METRIC_KEYS.get(metrics);
                    if (keys == null) {
                        keys = metricKeys(get(http, metrics));
                        if (keys.isEmpty()) {
                            continue; // not registered yet
                        }
                        METRIC_KEYS.put(metrics, keys);
                    }
                    for (JsonNode m : get(http, metrics + "?agg=sum&get=" + String.join(",", keys.keySet()))) {
                        String key = keys.get(m.path("id").asText());
                        if (key != null) {
                            into.put(key, m.path("sum").asDouble());
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the cluster is starting or stopping
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Of a vertex's metric ids, those {@link #poll} reads, and what it calls each. */
    private static Map<String, String> metricKeys(JsonNode listed) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (JsonNode m : listed) {
            String name = m.path("id").asText();
            String key = name.endsWith("modelwatch.eventBatches") ? "batches"
                    : name.endsWith("modelwatch.batchedEvents") ? "batchedEvents"
                    // The model monitor's open-profile cache (ModelMonitorFunction).
                    : name.endsWith("modelwatch.openProfileVersions") ? "openProfileVersions"
                    : name.endsWith("modelwatch.openProfileEvictions") ? "openProfileEvictions"
                    : name.endsWith("modelwatch.openProfileNotAdmitted") ? "openProfileNotAdmitted"
                    : name.endsWith("modelwatch.openProfileHeapBytes") ? "openProfileHeapBytes" : null;
            if (key != null) {
                keys.put(name, key);
            }
        }
        return keys;
    }

    private static JsonNode get(HttpClient http, String url) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return Json.read(body, JsonNode.class);
    }

    /** Events of {@code topic} whose offsets {@code groupId} has committed, over all partitions. */
    private static long committed(Admin admin, String groupId, String topic) throws Exception {
        return admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get().entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Bytes of all files under the checkpoint directory (shared files of overlapping checkpoints included). */
    private static long size(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static void report(String name, Run r, long events) {
        System.out.printf(Locale.ROOT, "  %-10s %6.1f s wall, %6.1f s CPU: %,9.0f events/s, %,9.0f events per "
                + "CPU-second, %.1f us CPU per event%n", name, r.seconds(), r.cpuSeconds(),
                r.eventsPerSecond(events), events / r.cpuSeconds(), r.cpuSeconds() * 1e6 / events);
        StringBuilder top = new StringBuilder();
        r.cpuByTask().entrySet().stream().limit(6).forEach(e -> top.append(String.format(Locale.ROOT, "%s%s %.0f%%",
                top.length() == 0 ? "" : ", ", e.getKey(), 100 * e.getValue() / r.cpuSeconds())));
        System.out.println("             CPU by thread: " + top);
    }

    // ---------------------------------------------------------------- latency

    private static int latency(Settings s) throws Exception {
        // Every fifth model drifts: its normal features move by 1.5 standard deviations after
        // --drift-after, so the trigger latency has a distribution, not one sample.
        // The reference is about two windows of a model's events, the window minimum half a window.
        long perModelWindow = Math.round(s.rate() / s.models() * s.window().toMillis() / 1000.0);
        long referenceEvents = Math.max(100, Math.min(1000, perModelWindow * 2));
        long minEvents = Math.max(1, perModelWindow / 2);
        ThresholdsConfig thresholds = ThresholdsParser.parse("defaults:\n  reference: {events: " + referenceEvents
                + "}\n  window: {size: " + DurationParser.format(s.window()) + ", minEvents: " + minEvents + "}\n");
        System.out.printf(Locale.ROOT, "modelwatch bench --latency: %,.0f events/s of %,d models (%d numeric + %d "
                + "categorical features) for %s, windows of %s (~%d events per model), reference %d events, "
                + "out-of-orderness %s, checkpoints every %s, parallelism %d; every fifth model drifts after %s%n",
                s.rate(), s.models(), s.numeric(), s.categorical(), DurationParser.format(s.duration()),
                DurationParser.format(s.window()), perModelWindow, referenceEvents,
                DurationParser.format(s.outOfOrderness()), DurationParser.format(s.checkpointInterval()),
                s.parallelism(), DurationParser.format(s.driftAfter()));
        Topics topics = Topics.defaults();
        try (EmbeddedKafkaCluster kafka = broker(topics)) {
            Path dir = Files.createTempDirectory("modelwatch-bench-latency-");
            RunOptions options = options(kafka.bootstrapServers(), s, thresholds, dir.resolve("state"), false,
                    s.outOfOrderness(), null);
            StreamExecutionEnvironment env = FlinkSettings.environment(options);
            MonitoringJob.build(env, KafkaEndpoints.sources(options), KafkaEndpoints.sinks(options), options.jobConfig());
            JobClient job = env.executeAsync("bench-latency");

            List<Long> reportFromClose = Collections.synchronizedList(new ArrayList<>());
            List<Long> reportFromEnd = Collections.synchronizedList(new ArrayList<>());
            List<Long> startupFromClose = Collections.synchronizedList(new ArrayList<>());
            List<Long> startupFromEnd = Collections.synchronizedList(new ArrayList<>());
            // Windows that end before the empty labels input is marked idle (--idleness after the
            // start) wait for that: the performance monitor holds reports until its watermark,
            // the minimum of both inputs', passes. Reported apart from the steady state.
            long startupUntil = System.currentTimeMillis() + options.jobConfig().idleness().toMillis()
                    + s.window().toMillis();
            List<Long> triggerFromClose = Collections.synchronizedList(new ArrayList<>());
            List<Long> triggerFromEnd = Collections.synchronizedList(new ArrayList<>());
            ConcurrentHashMap<String, Integer> drifting = new ConcurrentHashMap<>();
            ConcurrentHashMap<String, Integer> stationary = new ConcurrentHashMap<>();
            // What the stationary models' triggers (false alarms) were made of: evidence by statistic.
            ConcurrentHashMap<String, Integer> falseEvidence = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            long ooo = s.outOfOrderness().toMillis();
            Thread reader = new Thread(() -> {
                try (KafkaConsumer<String, byte[]> consumer = consumer(kafka.bootstrapServers())) {
                    consumer.subscribe(List.of(topics.health(), topics.triggers()));
                    while (!stop.get()) {
                        var records = consumer.poll(Duration.ofMillis(100));
                        long visible = System.currentTimeMillis();
                        for (ConsumerRecord<String, byte[]> r : records) {
                            JsonNode json = Json.read(r.value(), JsonNode.class);
                            if (r.topic().equals(topics.health())) {
                                long end = Instant.parse(json.get("windowEnd").asText()).toEpochMilli();
                                boolean startup = end <= startupUntil;
                                (startup ? startupFromEnd : reportFromEnd).add(visible - end);
                                (startup ? startupFromClose : reportFromClose).add(visible - end - ooo);
                            } else {
                                int model = Integer.parseInt(json.get("modelId").asText().substring("model-".length()));
                                (model % 5 == 0 ? drifting : stationary).merge(json.get("reason").asText(), 1, Integer::sum);
                                if (model % 5 != 0) {
                                    json.path("evidence").forEach(e ->
                                            falseEvidence.merge(e.path("statistic").asText(), 1, Integer::sum));
                                }
                                long end = Instant.parse(json.get("detectedAt").asText()).toEpochMilli();
                                triggerFromEnd.add(visible - end);
                                triggerFromClose.add(visible - end - ooo);
                            }
                        }
                    }
                }
            }, "latency-reader");
            reader.setDaemon(true);
            reader.start();

            produce(kafka.bootstrapServers(), topics.predictions(), s);
            stop.set(true);
            reader.join(10_000);
            job.cancel().get();

            System.out.println();
            System.out.println("latency (ms), from the time the window could first close (its end + out-of-orderness) "
                    + "to visible to a read_committed consumer; in brackets from the window end:");
            latencyLine("health reports", reportFromClose, reportFromEnd);
            latencyLine("  at start-up", startupFromClose, startupFromEnd);
            latencyLine("retrain triggers", triggerFromClose, triggerFromEnd);
            System.out.printf(Locale.ROOT, "  drifting models: %d; triggers by reason for them %s, for the stationary "
                    + "ones %s%n", (s.models() + 4) / 5, drifting, stationary);
            if (!falseEvidence.isEmpty()) {
                System.out.printf(Locale.ROOT, "  evidence of the stationary models' triggers, by statistic: %s%n",
                        new java.util.TreeMap<>(falseEvidence));
            }
            System.out.printf(Locale.ROOT, "  goal: p99 trigger latency < checkpoint interval + 2 s = %,d ms%n",
                    s.checkpointInterval().toMillis() + 2000);
            return 0;
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-latency-reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Fetches return at once when data is there, and wait at most 20 ms when not: the reader
        // adds almost nothing to the latency it measures.
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Sends at a steady rate for the run's duration, every event stamped with its send time. */
    private static void produce(String bootstrap, String topic, Settings s) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(42);
        Workload workload = s.workload();
        long start = System.currentTimeMillis();
        // The drifting models start drifting in four groups, a window apart: their triggers come
        // at different window ends, so at different points of the checkpoint cycle.
        long driftAt = start + s.driftAfter().toMillis();
        long windowMillis = s.window().toMillis();
        long end = start + s.duration().toMillis();
        long sent = 0;
        long lastProgress = start;
        try (TopicWriter writer = new TopicWriter(bootstrap)) {
            for (long now = start; now < end; now = System.currentTimeMillis()) {
                long due = (long) ((now - start) * s.rate() / 1000.0);
                for (; sent < due; sent++) {
                    int model = (int) (sent % s.models());
                    String id = modelId(model);
                    double shift = model % 5 == 0 && now >= driftAt + (model / 5 % 4) * windowMillis ? 1.5 : 0;
                    writer.send(new ProducerRecord<>(topic, id,
                            workload.json(random, id, System.currentTimeMillis(), shift).getBytes(StandardCharsets.UTF_8)));
                }
                if (now - lastProgress >= 30_000) {
                    lastProgress = now;
                    System.out.printf(Locale.ROOT, "  %3.0f s: sent %,d events%n", (now - start) / 1000.0, sent);
                }
                Thread.sleep(5); // pacing the producer to the rate, not synchronisation
            }
            writer.flush();
        }
    }

    private static void latencyLine(String name, List<Long> fromClose, List<Long> fromEnd) {
        if (fromClose.isEmpty()) {
            System.out.printf(Locale.ROOT, "  %-16s none%n", name);
            return;
        }
        List<Long> a = new ArrayList<>(fromClose);
        List<Long> b = new ArrayList<>(fromEnd);
        Collections.sort(a);
        Collections.sort(b);
        System.out.printf(Locale.ROOT, "  %-16s n=%,d  p50 %,d (%,d)  p90 %,d (%,d)  p99 %,d (%,d)  max %,d (%,d)%n",
                name, a.size(), pct(a, 0.5), pct(b, 0.5), pct(a, 0.9), pct(b, 0.9), pct(a, 0.99), pct(b, 0.99),
                a.get(a.size() - 1), b.get(b.size() - 1));
    }

    private static long pct(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
