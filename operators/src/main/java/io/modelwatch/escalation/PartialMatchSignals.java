package io.modelwatch.escalation;

import io.modelwatch.model.DriftSignal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.cep.nfa.ComputationState;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.sharedbuffer.EventId;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBuffer;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferAccessor;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The signals held by one key's CEP partial matches, read from Flink's shared buffer with their
 * event timestamps, in time order, each once; and releasing them. What a restore needs to carry
 * partial matches of one NFA over into another: they are replayed, not translated.
 */
final class PartialMatchSignals {
    private PartialMatchSignals() {}

    /** All computation states of the key's NFA state, partial and completed-but-held. */
    static List<ComputationState> computations(NFAState state) {
        return Stream.concat(state.getPartialMatches().stream(), state.getCompletedMatches().stream()).toList();
    }

    /**
     * Reads the signals of every partial match of the current key and releases them from the
     * buffer; the caller resets or clears the key's NFA state.
     */
    static List<StreamRecord<DriftSignal>> takeAll(ValueState<NFAState> nfaStates, SharedBuffer<DriftSignal> buffer)
            throws Exception {
        NFAState state = nfaStates.value();
        TreeMap<EventId, DriftSignal> signals = new TreeMap<>();
        if (state != null) {
            try (SharedBufferAccessor<DriftSignal> accessor = buffer.getAccessor()) {
                for (ComputationState cs : computations(state)) {
                    if (cs.getPreviousBufferEntry() == null) {
                        continue;
                    }
                    for (Map<String, List<EventId>> path
                            : accessor.extractPatterns(cs.getPreviousBufferEntry(), cs.getVersion())) {
                        Map<String, List<DriftSignal>> events = accessor.materializeMatch(path);
                        path.forEach((stage, ids) -> {
                            List<DriftSignal> values = events.get(stage);
                            for (int i = 0; i < ids.size(); i++) {
                                signals.put(ids.get(i), values.get(i));
                            }
                        });
                    }
                    accessor.releaseNode(cs.getPreviousBufferEntry(), cs.getVersion());
                }
            }
        }
        List<StreamRecord<DriftSignal>> records = new ArrayList<>();
        signals.forEach((id, s) -> records.add(new StreamRecord<>(s, id.getTimestamp())));
        return records;
    }
}
