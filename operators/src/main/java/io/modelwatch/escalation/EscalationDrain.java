package io.modelwatch.escalation;

import io.modelwatch.model.DriftSignal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBuffer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Claims the state of a CEP escalation operator that the job no longer has (release 0.1.0 built
 * one per distinct per-model {@code (escalation.windows, escalation.within)} pair, uid
 * {@code drift-escalation-<k>-in-<ms>ms}) and hands its signals to the one escalation operator:
 * the signals of every partial match and those still waiting for their watermark are emitted,
 * with their own timestamps, before the first watermark passes this operator (so the escalation
 * never sees them late), and the state is emptied at the same moment (a checkpoint before it
 * still holds them). The escalation then judges them on the model's current settings.
 *
 * <p>Its input carries nothing; it sits in the graph only to claim the old operator's state, so a
 * restore needs no {@code --allow-non-restored-state}. Emptied state keeps its (empty) entries in
 * later savepoints, so the job keeps a drain for every such operator a savepoint holds.
 */
public final class EscalationDrain extends AbstractStreamOperator<DriftSignal>
        implements OneInputStreamOperator<DriftSignal, DriftSignal> {
    static final String EVENT_QUEUE_STATE_NAME = "eventQueuesStateName";

    private final TypeSerializer<DriftSignal> serializer;
    private transient ValueState<NFAState> nfaStates;
    private transient MapState<Long, List<DriftSignal>> queued;
    private transient SharedBuffer<DriftSignal> buffer;
    private transient boolean restored;
    private transient boolean drained;

    public EscalationDrain(TypeSerializer<DriftSignal> serializer) {
        this.serializer = serializer;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
        nfaStates = context.getKeyedStateStore().getState(
                new ValueStateDescriptor<>(EscalationOperator.NFA_STATE_NAME, new NFAStateSerializer()));
        queued = context.getKeyedStateStore().getMapState(new MapStateDescriptor<>(EVENT_QUEUE_STATE_NAME,
                LongSerializer.INSTANCE, new ListSerializer<>(serializer)));
        buffer = new SharedBuffer<>(context.getKeyedStateStore(), serializer);
    }

    @Override
    public void processElement(StreamRecord<DriftSignal> element) {
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (!drained) {
            drained = true;
            if (restored) {
                drain();
            }
        }
        super.processWatermark(mark);
    }

    @Override
    public void close() throws Exception {
        if (buffer != null) {
            buffer.releaseCacheStatisticsTimer();
        }
        super.close();
    }

    private void drain() throws Exception {
        Map<String, List<StreamRecord<DriftSignal>>> byKey = new TreeMap<>();
        for (String state : List.of(EscalationOperator.NFA_STATE_NAME, EVENT_QUEUE_STATE_NAME)) {
            try (Stream<Object> keys = getKeyedStateBackend().getKeys(state, VoidNamespace.INSTANCE)) {
                keys.forEach(k -> byKey.putIfAbsent((String) k, new ArrayList<>()));
            }
        }
        int signals = 0;
        for (Map.Entry<String, List<StreamRecord<DriftSignal>>> e : byKey.entrySet()) {
            setCurrentKey(e.getKey());
            List<StreamRecord<DriftSignal>> records = e.getValue();
            records.addAll(PartialMatchSignals.takeAll(nfaStates, buffer));
            for (Map.Entry<Long, List<DriftSignal>> q : queued.entries()) {
                for (DriftSignal s : q.getValue()) {
                    records.add(new StreamRecord<>(s, q.getKey()));
                }
            }
            nfaStates.clear();
            queued.clear();
            records.sort(java.util.Comparator.comparingLong(StreamRecord::getTimestamp));
            records.forEach(output::collect);
            signals += records.size();
        }
        Counter counter = getMetricGroup().counter("escalationSignalsHandedOver");
        counter.inc(signals);
    }
}
