package io.modelwatch.escalation;

import io.modelwatch.model.MetricNames;
import io.modelwatch.monitor.ModelMetrics;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.model.RetrainTrigger;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
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
 *
 * <p>Lifecycle: the state has a time-to-live ({@link #ttl}) of the longest cooldown or
 * {@code lifecycle.expireAfter} configured, whichever is longer, so the entries of model versions
 * that stopped sending go away. Flink's state TTL counts processing time only; it is long enough
 * that a cooldown still running in event time is never cut short while the job runs, and a job
 * stopped for longer than that has lost the point of the cooldown anyway.
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
        StateTtlConfig ttl = ttl(config);
        ValueStateDescriptor<Long> fired = new ValueStateDescriptor<>("lastFiredAt", Types.LONG);
        fired.enableTimeToLive(ttl);
        ValueStateDescriptor<Boolean> critical = new ValueStateDescriptor<>("lastWasCritical", Types.BOOLEAN);
        critical.enableTimeToLive(ttl);
        // Restoring state written without TTL into a TTL descriptor is supported since Flink 2.2.
        lastFiredAt = getRuntimeContext().getState(fired);
        lastWasCritical = getRuntimeContext().getState(critical);
        var group = getRuntimeContext().getMetricGroup().addGroup(MetricNames.GROUP);
        triggers = group.counter("triggers");
        suppressed = group.counter("triggersInCooldown");
        metrics = new ModelMetrics(getRuntimeContext().getMetricGroup());
    }

    /**
     * Renewed with every trigger; expired entries are never read back, RocksDB drops them in
     * compaction, and canonical savepoints leave them out.
     */
    public static StateTtlConfig ttl(ThresholdsConfig config) {
        Duration longest = Stream.concat(Stream.of(config.defaults()), config.models().values().stream())
                .flatMap(t -> Stream.of(t.cooldown(), t.expireAfter()))
                .max(Duration::compareTo).orElseThrow();
        return StateTtlConfig.newBuilder(longest)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupFullSnapshot()
                .cleanupInRocksdbCompactFilter(1000)
                .build();
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
