package io.modelwatch.monitor;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;

/**
 * The slots of the TaskManager a function runs in: each slot runs one instance of every
 * operator, so the instances of one operator share the TaskManager's heap that many ways (the
 * heap caches are sized from that share).
 */
public final class TaskSlots {
    private TaskSlots() {
    }

    /** {@code taskmanager.numberOfTaskSlots} of the function's TaskManager; 1 where it cannot be read. */
    public static int of(RuntimeContext context) {
        if (context instanceof StreamingRuntimeContext c) {
            return c.getTaskManagerRuntimeInfo().getConfiguration().get(TaskManagerOptions.NUM_TASK_SLOTS);
        }
        return 1;
    }
}
