package io.modelwatch.control;

import io.modelwatch.model.ControlRecord;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Watermarks of the control source: none, and the source is always idle. The control stream is
 * an input of the model monitor, whose event time is the minimum over its inputs; a source
 * without watermarks ({@code WatermarkStrategy.noWatermarks()}) would hold it at the beginning of
 * time and no window would ever close. Idle inputs do not count in that minimum, and records of
 * an idle input are still processed; only an emitted watermark would make it active again.
 * (A {@code Long.MAX_VALUE} watermark would not hold anything back either, but while every
 * prediction partition is idle it would become the monitor's watermark and close every open
 * window at once.)
 */
public final class ControlWatermarks {
    private ControlWatermarks() {}

    public static WatermarkStrategy<ControlRecord> alwaysIdle() {
        return WatermarkStrategy.forGenerator((WatermarkGeneratorSupplier<ControlRecord>) ctx -> new Idle());
    }

    private static final class Idle implements WatermarkGenerator<ControlRecord> {
        @Override
        public void onEvent(ControlRecord event, long eventTimestamp, WatermarkOutput output) {
            output.markIdle();
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.markIdle();
        }
    }
}
