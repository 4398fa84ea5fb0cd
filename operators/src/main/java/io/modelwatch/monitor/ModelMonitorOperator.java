package io.modelwatch.monitor;

import io.modelwatch.control.ControlBroadcast;
import io.modelwatch.model.ControlUpdate;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionBatch;
import java.util.List;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;

/**
 * Flink's keyed-broadcast operator running {@link ModelMonitorFunction}, plus what the function's
 * heap cache of open profiles ({@link OpenProfiles}) needs and a function cannot do itself: it
 * has the function write its changed profiles to keyed state before every checkpoint barrier
 * (and when the input ends), and it lets the function switch the current key to write back an
 * entry it pushes out of the cache. Same state, same timers, same uid as the plain operator, so
 * savepoints of either restore into the other.
 */
public final class ModelMonitorOperator
        extends CoBroadcastWithKeyedOperator<String, PredictionBatch, ControlUpdate, HealthReport> {
    private static final long serialVersionUID = 1L;

    /** The user function, typed (the same object after deserialisation of the operator). */
    private final ModelMonitorFunction monitor;

    public ModelMonitorOperator(ModelMonitorFunction function) {
        super(function, List.of(ControlBroadcast.COMMANDS));
        this.monitor = function;
    }

    @Override
    public void open() throws Exception {
        monitor.useKeyScope(this::withKey);
        super.open();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        monitor.writeOpenProfiles();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        monitor.writeOpenProfiles();
        super.finish();
    }

    private void withKey(String key, OpenProfileStore.KeyedWrite body) throws Exception {
        Object previous = getCurrentKey();
        setCurrentKey(key);
        try {
            body.run();
        } finally {
            // Before the first record there is no current key to go back to.
            if (previous != null) {
                setCurrentKey(previous);
            }
        }
    }
}
