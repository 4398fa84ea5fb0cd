package io.modelwatch.escalation;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.RetrainTrigger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.cep.nfa.NFA;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.State;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBuffer;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The escalation's CEP operator: Flink's {@link CepOperator} on {@link EscalationPattern}, in
 * event time, late signals to {@link SideOutputs#LATE_SIGNALS}, plus one thing on restore.
 *
 * <p>A partial match is stored by the names of the NFA states it is in. The pattern's NFA has the
 * same names for every k and T, so its partial matches restore as they are. State written by
 * another NFA (release 0.1.0's {@code times(k)} pattern, named {@code drifted:j}) cannot be run
 * by this one: Flink would fail every record of the key with "State ... does not exist in the NFA",
 * or, where a name happens to exist, stop matching the key for good. So, when the operator opens
 * on restored state, every key whose partial matches are in states this NFA does not have is
 * reset: the signals of those partial matches are read from the shared buffer, released, and
 * replayed into the new NFA with their own timestamps, before any watermark (they are never late).
 * The result is what the current pattern would have made of those signals: nothing is lost, and
 * nothing is counted twice (signals already part of an emitted match are not in any partial
 * match). Signals still waiting for their watermark are in the element queue, which any NFA reads.
 * The keys and signals replayed are counted (metrics ({@code escalationKeysReplayed},
 * {@code escalationSignalsReplayed} of the operator).
 */
public final class EscalationOperator extends CepOperator<DriftSignal, String, RetrainTrigger> {
    /** CepOperator's own state names (private there). */
    static final String NFA_STATE_NAME = "nfaStateName";

    private final TypeSerializer<DriftSignal> serializer;
    private final NFACompiler.NFAFactory<DriftSignal> factory;
    private transient ValueState<NFAState> nfaStates;
    private transient SharedBuffer<DriftSignal> buffer;
    private transient boolean restored;

    public EscalationOperator(TypeSerializer<DriftSignal> serializer, ThresholdsConfig config) {
        this(serializer, EscalationPattern.create(config));
    }

    private EscalationOperator(TypeSerializer<DriftSignal> serializer, Pattern<DriftSignal, DriftSignal> pattern) {
        this(serializer, pattern, NFACompiler.compileFactory(pattern, false));
    }

    private EscalationOperator(TypeSerializer<DriftSignal> serializer, Pattern<DriftSignal, DriftSignal> pattern,
            NFACompiler.NFAFactory<DriftSignal> factory) {
        super(serializer, false, factory, null, pattern.getAfterMatchSkipStrategy(), new RetrainTriggerBuilder(),
                SideOutputs.LATE_SIGNALS);
        this.serializer = serializer;
        this.factory = factory;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
        if (restored) {
            nfaStates = context.getKeyedStateStore().getState(
                    new ValueStateDescriptor<>(NFA_STATE_NAME, new NFAStateSerializer()));
            buffer = new SharedBuffer<>(context.getKeyedStateStore(), serializer);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (restored) {
            try {
                replayForeignPartialMatches();
            } finally {
                buffer.releaseCacheStatisticsTimer();
                buffer = null;
            }
        }
    }

    private void replayForeignPartialMatches() throws Exception {
        NFA<DriftSignal> nfa = factory.createNFA();
        Set<String> known = new HashSet<>();
        for (State<DriftSignal> s : nfa.getStates()) {
            known.add(s.getName());
        }
        List<String> keys;
        try (Stream<Object> k = getKeyedStateBackend().getKeys(NFA_STATE_NAME, VoidNamespace.INSTANCE)) {
            keys = k.map(String.class::cast).toList();
        }
        Counter keysReplayed = getMetricGroup().counter("escalationKeysReplayed");
        Counter signalsReplayed = getMetricGroup().counter("escalationSignalsReplayed");
        Map<String, List<StreamRecord<DriftSignal>>> replay = new TreeMap<>();
        for (String key : keys) {
            setCurrentKey(key);
            NFAState state = nfaStates.value();
            if (state == null || PartialMatchSignals.computations(state).stream()
                    .allMatch(cs -> known.contains(cs.getCurrentStateName()))) {
                continue;
            }
            List<StreamRecord<DriftSignal>> records = PartialMatchSignals.takeAll(nfaStates, buffer);
            nfaStates.update(nfa.createInitialNFAState());
            replay.put(key, records);
        }
        for (Map.Entry<String, List<StreamRecord<DriftSignal>>> e : replay.entrySet()) {
            setCurrentKey(e.getKey());
            for (StreamRecord<DriftSignal> r : e.getValue()) {
                processElement(r);
            }
            keysReplayed.inc();
            signalsReplayed.inc(e.getValue().size());
        }
    }

    /** For tests: the names of this pattern's NFA states. */
    public static Set<String> stateNames(ThresholdsConfig config) {
        Set<String> names = new HashSet<>();
        NFACompiler.compileFactory(EscalationPattern.create(config), false).createNFA().getStates()
                .forEach(s -> names.add(s.getName()));
        return names;
    }
}
