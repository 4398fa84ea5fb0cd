package io.modelwatch.jobs;

/**
 * Stable uids of every operator, in one place. Savepoint upgrades map state to operators by these
 * ids: never rename one that has shipped. The graph is built with
 * {@code pipeline.auto-generate-uids: false}, so an operator without a uid fails at build time.
 * A sink's uid also names its committer ({@code Sink Committer: <uid>}).
 */
public final class OperatorIds {
    public static final String PREDICTIONS_SOURCE = "predictions-source";
    public static final String DEAD_LETTER_SPLITTER = "dead-letter-splitter";
    public static final String EVENT_BATCHER = "event-batcher";
    public static final String MODEL_MONITOR = "model-monitor";
    public static final String SIGNAL_ALIGNER = "signal-watermark-aligner";
    public static final String PERFORMANCE_SIGNAL_ALIGNER = "performance-signal-watermark-aligner";
    public static final String DRIFT_ESCALATION = "drift-escalation";
    public static final String LATE_SIGNALS = "late-signals";
    public static final String TRIGGER_COOLDOWN = "trigger-cooldown";
    public static final String LABELS_SOURCE = "labels-source";
    public static final String LABEL_SPLITTER = "label-splitter";
    public static final String PREDICTION_REFS = "prediction-refs";
    public static final String LABEL_JOIN = "label-join";
    public static final String LABELLED_MODELS = "labelled-models";
    public static final String LABELLED_PREDICTIONS = "labelled-predictions";
    /** Stateless: in the default mode it lets no prediction through to LABELLED_PREDICTIONS. */
    public static final String LABELLED_PREDICTIONS_BYPASS = "labelled-predictions-bypass";
    public static final String PERFORMANCE_MONITOR = "performance-monitor";
    public static final String TRIGGERS_SINK = "retrain-triggers-sink";
    public static final String HEALTH_SINK = "model-health-sink";
    public static final String DEAD_LETTERS_SINK = "dead-letters-sink";
    public static final String CONTROL_SOURCE = "control-source";
    public static final String CONTROL_SPLITTER = "control-splitter";

    private OperatorIds() {}
}
