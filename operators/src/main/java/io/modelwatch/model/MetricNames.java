package io.modelwatch.model;

/**
 * The operators' metric group: every modelwatch metric is registered under it, so the
 * Prometheus names are flink_taskmanager_job_task_operator_modelwatch_*.
 */
public final class MetricNames {
    public static final String GROUP = "modelwatch";

    private MetricNames() {}
}
