package io.modelwatch.control;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Broadcast state of the model monitor: the control commands in force (checked JSON, as
 * {@link ControlCommandParser} reads them) by key, a model id or {@code *}. Kept as text so the
 * command format can grow without a state migration. The state name is in savepoints.
 */
public final class ControlBroadcast {
    public static final MapStateDescriptor<String, String> COMMANDS =
            new MapStateDescriptor<>("monitor-control", Types.STRING, Types.STRING);

    private ControlBroadcast() {}
}
