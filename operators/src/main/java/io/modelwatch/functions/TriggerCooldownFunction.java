package io.modelwatch.functions;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.model.RetrainTrigger;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One drift, one trigger: after a trigger for a model version and reason, further matches within
 * the cooldown (event time) are held back, unless they escalate WARNING to CRITICAL. Keyed like
 * the escalation pattern.
 */
public final class TriggerCooldownFunction extends KeyedProcessFunction<String, RetrainTrigger, RetrainTrigger> {
    private final ThresholdsConfig config;
    private transient ValueState<Long> lastFiredAt;
    private transient ValueState<Boolean> lastWasCritical;
    private transient Counter triggers;
    private transient Counter suppressed;
    private transient ModelMetrics metrics;

    public TriggerCooldownFunction(ThresholdsConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        lastFiredAt = getRuntimeContext().getState(new ValueStateDescriptor<>("lastFiredAt", Types.LONG));
        lastWasCritical = getRuntimeContext().getState(new ValueStateDescriptor<>("lastWasCritical", Types.BOOLEAN));
        var group = getRuntimeContext().getMetricGroup().addGroup(Descriptors.METRIC_GROUP);
        triggers = group.counter("triggers");
        suppressed = group.counter("triggersInCooldown");
        metrics = new ModelMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RetrainTrigger trigger, Context ctx, Collector<RetrainTrigger> out) throws Exception {
        long at = Instant.parse(trigger.detectedAt()).toEpochMilli();
        boolean critical = RetrainTrigger.CRITICAL.equals(trigger.severity());
        Long last = lastFiredAt.value();
        long cooldown = config.forModel(trigger.modelId()).cooldown().toMillis();
        boolean escalates = critical && !Boolean.TRUE.equals(lastWasCritical.value());
        if (last == null || at - last >= cooldown || escalates) {
            lastFiredAt.update(at);
            lastWasCritical.update(critical);
            triggers.inc();
            metrics.triggerEmitted(trigger);
            out.collect(trigger);
        } else {
            suppressed.inc();
        }
    }
}
