package io.modelwatch.escalation;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Passes drift signals on unchanged but never tells the escalation that a signal producer is
 * idle, so the escalation's watermark is always the minimum over every producer.
 *
 * <p>Why: when all prediction partitions are quiet for longer than {@code --idleness} (a broker
 * outage, a night without traffic), the sources go idle and so, one after another, do the model
 * monitors. When traffic resumes, one monitor subtask may become active and advance the CEP
 * operator's watermark past a window end while another, still marked idle and so not counted in
 * the minimum, has yet to emit its signal for that window. CEP drops a record behind its
 * watermark: that window would be lost to the escalation and the trigger would come a window
 * later (found by {@code KafkaOutageITCase}). Every monitor subtask receives the watermarks of
 * every source (all-to-all exchange), so they advance together and holding the minimum over all
 * of them costs no latency; a quiet partition still does not hold anything back, since idleness
 * is honoured upstream, where it matters.
 *
 * <p>It must sit directly behind each producer (chained to it), not behind their union: there
 * the task's own input would already leave an idle producer out of its minimum, and pass on the
 * watermark of another (the performance monitor's, which follows all model monitors).
 */
public final class SignalWatermarkAligner<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {
    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // Deliberately not forwarded: downstream sees this subtask as active, holding its last
        // watermark, until it sends a newer one.
    }
}
