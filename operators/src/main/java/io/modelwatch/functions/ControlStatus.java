package io.modelwatch.functions;

/**
 * What the control topic did to one model version, in {@link io.modelwatch.monitor.ModelMonitorFunction}'s keyed state
 * ("control"). A Flink POJO so fields can be added with state schema evolution.
 */
public class ControlStatus {
    /** The command whose reference action ran on this version; it never runs twice. */
    public String referenceCommandId;
    /** The action as reports name it. */
    public String referenceAction;
    /** Event time of the first event after the action. */
    public long referenceAppliedAt = Long.MIN_VALUE;
    /** Reference size asked for by a relearn (0: the thresholds' reference.events). */
    public int referenceEvents;
    /** After a relearn: the version learns from traffic even if run --references gave it a profile. */
    public boolean ignoreGivenReference;

    public ControlStatus() {}
}
