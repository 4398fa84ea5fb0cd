package io.modelwatch.labels;

import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.PredictionRef;
import java.util.stream.Stream;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;

/**
 * Flink's keyed co-process operator running {@link LabelJoinFunction}, which also counts the
 * labels waiting in the instance's state when it opens (after a restore, those of its key
 * groups), so that the function knows when none waits and a prediction need not look for one
 * ({@link LabelJoinFunction#labelsWaiting}). Same state, same timers, same uid as the plain
 * operator, so savepoints of either restore into the other.
 */
public final class LabelJoinOperator
        extends KeyedCoProcessOperator<String, PredictionRef, LabelEvent, LabelOutcome> {
    private static final long serialVersionUID = 1L;

    /** The user function, typed (the same object after deserialisation of the operator). */
    private final LabelJoinFunction join;

    public LabelJoinOperator(LabelJoinFunction function) {
        super(function);
        this.join = function;
    }

    @Override
    public void open() throws Exception {
        super.open(); // the function registers its states
        KeyedStateBackend<String> backend = getKeyedStateBackend();
        try (Stream<String> keys = backend.getKeys(LabelJoinFunction.LABEL_STATE, VoidNamespace.INSTANCE)) {
            join.labelsWaiting(keys.count());
        }
    }
}
