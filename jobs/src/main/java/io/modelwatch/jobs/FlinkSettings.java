package io.modelwatch.jobs;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink configuration the job asks for. Only settings that are the job's own business are set
 * unconditionally; where the job runs on a cluster, the cluster's configuration (the Helm chart's
 * {@code flinkConfiguration}) decides the rest, and flags here only add to it.
 */
public final class FlinkSettings {
    /**
     * Fixed for the life of a deployment: key groups, and so savepoint compatibility, depend on
     * it. 128 allows scaling up to 128 parallel instances with even key distribution.
     */
    public static final int MAX_PARALLELISM = 128;

    /** Flink's Prometheus reporter: a plugin on a cluster, on the classpath of {@code bin/modelwatch}. */
    public static final String PROMETHEUS_REPORTER_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    /**
     * Managed memory of the embedded cluster that {@code bin/modelwatch} starts (run, demo,
     * bench). It is RocksDB's memory: memtables and block cache of every stateful operator share
     * it. Flink's default for a local cluster is 128 MB, which leaves each RocksDB instance a few
     * MB: RocksDB then flushes its memtable almost on every write (Flink logs "RocksDB will flush
     * memtable constantly"), and the 1,000-model benchmark ran 1.3 times slower than with 1 GB
     * (docs/benchmarks.md). On a cluster the TaskManagers' own memory settings apply instead.
     */
    public static final MemorySize EMBEDDED_MANAGED_MEMORY = MemorySize.parse("1g");

    private FlinkSettings() {}

    /**
     * The environment to run in: the cluster's under {@code flink run} and the Kubernetes
     * operator, an embedded one under {@code bin/modelwatch}. Exactly-once outputs are committed
     * at checkpoints, so when neither the flags nor the cluster configure an interval, the job
     * checkpoints every {@link RunOptions#DEFAULT_CHECKPOINT_INTERVAL} rather than never.
     */
    public static StreamExecutionEnvironment environment(RunOptions o) {
        Configuration conf = of(o);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (env instanceof LocalStreamEnvironment) {
            env = StreamExecutionEnvironment.createLocalEnvironment(embedded(conf));
        }
        if (env.getConfiguration().getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isEmpty()) {
            Configuration interval = new Configuration();
            interval.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, RunOptions.DEFAULT_CHECKPOINT_INTERVAL);
            env.configure(interval);
        }
        return env;
    }

    /** {@code c} with the settings of an embedded cluster that it does not set itself. */
    public static Configuration embedded(Configuration c) {
        if (!c.contains(TaskManagerOptions.MANAGED_MEMORY_SIZE)) {
            c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, EMBEDDED_MANAGED_MEMORY);
        }
        return c;
    }

    /**
     * The settings that decide how the graph processes records, whatever runs it: the job under
     * {@code run} and {@code flink run} ({@link #of}), and the detection evaluation, which runs the
     * same graph on a MiniCluster over in-memory sources and so gets the same results as
     * production. Checkpoints, restarts and state locations are the run's business ({@link #of}).
     */
    public static Configuration pipeline() {
        Configuration c = new Configuration();
        // Every stateful operator must carry an explicit uid (OperatorIds): savepoints depend on it.
        c.setString("pipeline.auto-generate-uids", "false");
        // Types that would silently fall back to Kryo are errors: state must be able to evolve.
        c.setString("pipeline.generic-types", "false");
        c.setString("pipeline.max-parallelism", String.valueOf(MAX_PARALLELISM));
        // Chained operators get the same object instead of a deep copy each (every parsed event
        // went to the EventBatcher and, copied, to the label join's side). Safe because no
        // function of the job mutates a record it receives (records are immutable; the arrays of
        // a PredictionEvent are only read) and the one that keeps its inputs (the EventBatcher)
        // keeps events that its upstream created for that record alone (docs/benchmarks.md).
        c.setString("pipeline.object-reuse", "true");
        c.setString("state.backend.type", "rocksdb");
        // LZ4 instead of Flink's default, Snappy, for every level: the monitor writes its open
        // profiles back whole before every checkpoint, and RocksDB flushes them to a compressed
        // file at every checkpoint, so the compressor runs over all the open state every 10 s.
        // With the RocksDB build Flink ships, a flush of a 1,000-model monitor's profiles took 5
        // times the CPU with Snappy as with LZ4, for files of the same size (LZ4 compresses the
        // profiles 1.8 to 1 as Snappy does; docs/benchmarks.md, "RocksDB"). Files of either are
        // read by both, so checkpoints taken before the change restore.
        c.setString("state.backend.rocksdb.compression.per.level", "LZ4_COMPRESSION");
        return c;
    }

    /** {@link #pipeline()} and the run's checkpoints, restarts, state locations and metrics. */
    public static Configuration of(RunOptions o) {
        Configuration c = pipeline();
        c.setString("execution.checkpointing.incremental", "true");
        c.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
        if (o.checkpointInterval() != null) {
            c.setString("execution.checkpointing.interval", o.checkpointInterval().toMillis() + " ms");
        }
        c.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        c.setString("restart-strategy.type", "exponential-delay");
        if (o.parallelism() != null) {
            c.setString("parallelism.default", String.valueOf(o.parallelism()));
        }
        if (o.stateDir() != null) {
            c.setString("execution.checkpointing.dir", o.stateDir().resolve("checkpoints").toUri().toString());
            c.setString("execution.checkpointing.savepoint-dir", o.stateDir().resolve("savepoints").toUri().toString());
        }
        if (o.fromSavepoint() != null) {
            c.setString("execution.state-recovery.path", o.fromSavepoint());
            if (o.allowNonRestoredState()) {
                // flink run -n: state of operators no longer in the graph is dropped, not an error.
                c.setString("execution.state-recovery.ignore-unclaimed-state", "true");
            }
        }
        if (o.prometheusPort() != null) {
            // The same reporter and port as the Helm chart (docs/metrics.md). Embedded, JobManager
            // and TaskManager share one registry, so one port serves all metrics.
            c.setString("metrics.reporter.prom.factory.class", PROMETHEUS_REPORTER_FACTORY);
            c.setString("metrics.reporter.prom.port", String.valueOf(o.prometheusPort()));
        }
        return c;
    }
}
