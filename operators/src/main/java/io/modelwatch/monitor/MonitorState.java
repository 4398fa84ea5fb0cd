package io.modelwatch.monitor;

import io.modelwatch.functions.ControlStatus;
import io.modelwatch.functions.MonitorStatus;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * The monitor's keyed states, registered from {@link MonitorStateDescriptors} (the same names and
 * types that {@code inspect} and {@code bootstrap} use), for the current key. What each holds is
 * documented there; each of the monitor's parts reads and writes its own.
 */
final class MonitorState {
    final ValueState<byte[]> reference;
    final ValueState<byte[]> learning;
    final ListState<byte[]> learningChunks;
    final MapState<Long, byte[]> windows;
    final ValueState<byte[]> pending;
    final ListState<byte[]> pendingChunks;
    final ValueState<MonitorStatus> status;
    final ValueState<byte[]> detectors;
    final ValueState<ControlStatus> control;

    MonitorState(RuntimeContext runtime) {
        reference = runtime.getState(MonitorStateDescriptors.reference());
        learning = runtime.getState(MonitorStateDescriptors.learning());
        learningChunks = runtime.getListState(MonitorStateDescriptors.learningChunks());
        windows = runtime.getMapState(MonitorStateDescriptors.windows());
        pending = runtime.getState(MonitorStateDescriptors.pending());
        pendingChunks = runtime.getListState(MonitorStateDescriptors.pendingChunks());
        status = runtime.getState(MonitorStateDescriptors.status());
        detectors = runtime.getState(MonitorStateDescriptors.detectors());
        control = runtime.getState(MonitorStateDescriptors.control());
    }

    MonitorStatus statusOrNew() throws Exception {
        MonitorStatus st = status.value();
        return st != null ? st : new MonitorStatus();
    }

    ControlStatus controlOrNew() throws Exception {
        ControlStatus cs = control.value();
        return cs != null ? cs : new ControlStatus();
    }

    /** Deletes the pending span of low-traffic windows ({@link LowTrafficSpans}). */
    void clearPending() {
        pending.clear();
        pendingChunks.clear();
    }

    /** Deletes every keyed state of the current key (an expired version). */
    void clearAll() {
        reference.clear();
        learning.clear();
        learningChunks.clear();
        windows.clear();
        clearPending();
        detectors.clear();
        status.clear();
        control.clear();
    }
}
