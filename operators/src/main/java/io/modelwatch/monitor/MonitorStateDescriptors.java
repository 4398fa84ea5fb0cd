package io.modelwatch.monitor;

import io.modelwatch.functions.ControlStatus;
import io.modelwatch.functions.MonitorStatus;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The states of {@link ModelMonitorFunction} (keyed, and one operator state), in one place for
 * the monitor and for the tools that read or write its savepoints ({@code modelwatch inspect},
 * {@code modelwatch bootstrap}): a savepoint's state is found by name and type, so all of them
 * must register the same ones. The names are in savepoints and never change. A new descriptor
 * per call: descriptors are mutable.
 */
public final class MonitorStateDescriptors {
    private MonitorStateDescriptors() {}

    /** The frozen reference ({@code ReferenceProfile} bytes). */
    public static ValueStateDescriptor<byte[]> reference() {
        return new ValueStateDescriptor<>("reference", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /** The profile being learned while there is no reference yet ({@code ModelProfile} bytes). */
    public static ValueStateDescriptor<byte[]> learning() {
        return new ValueStateDescriptor<>("learning", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /**
     * The events added to the profile in "learning" since it was last written whole, one entry
     * ({@link LearningChunks} bytes) per write-back: the profile being learned is that profile with
     * these events added in order. Empty, or absent in savepoints of earlier builds, when
     * "learning" holds all of it.
     */
    public static ListStateDescriptor<byte[]> learningChunks() {
        return new ListStateDescriptor<>("learningChunks", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /**
     * The open windows by window start, in {@link OpenWindow}'s state form: a window of a few
     * events as its events, a larger one as its {@code ModelProfile} bytes (as every window was
     * in savepoints of earlier builds).
     */
    public static MapStateDescriptor<Long, byte[]> windows() {
        return new MapStateDescriptor<>("windows", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /** The merged span of low-traffic windows not yet evaluated, as last written whole. */
    public static ValueStateDescriptor<byte[]> pending() {
        return new ValueStateDescriptor<>("pending", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /**
     * The windows merged into the span in "pending" since it was last written whole, one entry per
     * window, in order, in {@link OpenWindow}'s state form (a window of events names the span's
     * features by a flag): the pending span is that span with these added in. Empty, or absent in
     * savepoints of earlier builds, when "pending" holds all of it.
     */
    public static ListStateDescriptor<byte[]> pendingChunks() {
        return new ListStateDescriptor<>("pendingChunks", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    public static ValueStateDescriptor<MonitorStatus> status() {
        return new ValueStateDescriptor<>("status", TypeInformation.of(MonitorStatus.class));
    }

    /** The sequential detectors' state. */
    public static ValueStateDescriptor<byte[]> detectors() {
        return new ValueStateDescriptor<>("detectors", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    public static ValueStateDescriptor<ControlStatus> control() {
        return new ValueStateDescriptor<>("control", TypeInformation.of(ControlStatus.class));
    }

    /**
     * Operator state, not keyed: the thresholds file's settings the state was written under
     * ({@code ThresholdsFile} JSON), as union list state so any parallelism restores it.
     */
    public static ListStateDescriptor<String> thresholdsFile() {
        return new ListStateDescriptor<>("thresholds-file", Types.STRING);
    }
}
