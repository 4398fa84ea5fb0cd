package io.modelwatch.model;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.OutputTag;

/** Side-output tags and metric names in one place, so wiring and functions agree. */
public final class SideOutputs {
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    public static final OutputTag<DriftSignal> DRIFT_SIGNALS =
            new OutputTag<>("drift-signals", TypeInformation.of(DriftSignal.class));
    /** Signals that reached an escalation behind its watermark (CEP would drop them). */
    public static final OutputTag<DriftSignal> LATE_SIGNALS =
            new OutputTag<>("late-signals", TypeInformation.of(DriftSignal.class));

    /**
     * Broadcast state of the model monitor: the control commands in force (checked JSON, as
     * {@code ControlCommandParser} reads them) by key, a model id or {@code *}. Kept as text so
     * the command format can grow without a state migration.
     */
    public static final MapStateDescriptor<String, String> CONTROL =
            new MapStateDescriptor<>("monitor-control", Types.STRING, Types.STRING);

    /** Operator metric group; Prometheus names are flink_taskmanager_job_task_operator_modelwatch_*. */
    public static final String METRIC_GROUP = "modelwatch";

    private SideOutputs() {}
}
