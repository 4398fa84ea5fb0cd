package io.modelwatch.jobs;

import io.modelwatch.cli.RunOptions;
import org.apache.flink.configuration.Configuration;

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

    private FlinkSettings() {}

    public static Configuration of(RunOptions o) {
        Configuration c = new Configuration();
        // Every stateful operator must carry an explicit uid (OperatorIds): savepoints depend on it.
        c.setString("pipeline.auto-generate-uids", "false");
        // Types that would silently fall back to Kryo are errors: state must be able to evolve.
        c.setString("pipeline.generic-types", "false");
        c.setString("pipeline.max-parallelism", String.valueOf(MAX_PARALLELISM));
        c.setString("state.backend.type", "rocksdb");
        c.setString("execution.checkpointing.incremental", "true");
        c.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
        c.setString("execution.checkpointing.interval", o.checkpointInterval().toMillis() + " ms");
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
