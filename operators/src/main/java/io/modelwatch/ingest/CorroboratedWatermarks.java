package io.modelwatch.ingest;

import java.time.Duration;
import java.util.Arrays;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Watermarks of an input partition that do not follow a lone event ahead of its neighbours.
 *
 * <p>Flink's bounded out-of-orderness generator emits (largest event time seen) - delay. One
 * well-formed event from a producer whose clock is 10 minutes fast then moves its partition's
 * watermark 10 minutes ahead, and every honest event behind it arrives late: counted, not
 * profiled. The wall-clock rule ({@code EventTimeBounds}) cannot catch it (10 minutes fast is
 * still in the past of a replay, and within the hour allowed to live clocks).
 *
 * <p>The rule here: the watermark advances only to an event time that {@code k} events of the
 * partition have reached, i.e. it is (the k-th largest event time seen) - delay - 1 ms, with
 * {@code k} = {@link #CORROBORATING_EVENTS} (3). Up to k - 1 events ahead of the rest are
 * ignored by the watermark until honest traffic catches up with them; they are still profiled in
 * their own (future) windows. On honest traffic the k-th largest time is that of the event k - 1
 * before the newest, so the cost is the time the partition takes to deliver k - 1 more events:
 * nothing to speak of on a busy partition (two events at 100 events per second are 20 ms); on a
 * partition with one event a minute, 2 minutes more before its windows close. A quiet partition
 * still stops holding others back after {@code --idleness}, and the end of a bounded input still
 * emits the final watermark (the source does that, not this generator), so a backtest flushes
 * everything. A partition with fewer than k events has no watermark yet, as one with none.
 * (The job uses it on the predictions; the labels' watermark is only ever used together with the
 * predictions', as the smaller of the two, so there k is 1: Flink's rule.)
 *
 * <p>Not protected: k or more events ahead at once (a producer whose clock is wrong for many of
 * its events moves the watermark once k of them arrive); what the watermark allows then is what
 * Flink's own generator allows. Events far in the future are dead letters before they reach
 * this generator. The generator's state (k longs) is not checkpointed, as no Flink watermark
 * generator's is: after a restore it starts again from the next k events of the partition.
 */
public final class CorroboratedWatermarks<T> implements WatermarkGenerator<T> {
    /**
     * Events that must have reached a time before the watermark follows it. 3 tolerates a lone
     * event ahead and a second one from the same producer (a retry, or its next event) while it
     * lasts; every further one costs one more event of latency on quiet partitions.
     */
    public static final int CORROBORATING_EVENTS = 3;

    private final long delayMillis;
    /** The k largest event times seen, largest first; Long.MIN_VALUE until k events came. */
    private final long[] largest;

    public CorroboratedWatermarks(Duration maxOutOfOrderness, int corroboratingEvents) {
        if (corroboratingEvents < 1) {
            throw new IllegalArgumentException("corroboratingEvents must be >= 1, was " + corroboratingEvents);
        }
        this.delayMillis = maxOutOfOrderness.toMillis();
        this.largest = new long[corroboratingEvents];
        Arrays.fill(largest, Long.MIN_VALUE);
    }

    /**
     * The job's strategy for an input: these watermarks per partition, event time from
     * {@code timestamps}, and a partition quiet for {@code idleness} stops holding back the others.
     * With {@code corroboratingEvents} 1 it is Flink's bounded out-of-orderness.
     */
    public static <T> WatermarkStrategy<T> strategy(Duration maxOutOfOrderness, Duration idleness,
            int corroboratingEvents, SerializableTimestampAssigner<T> timestamps) {
        return WatermarkStrategy.<T>forGenerator(ctx -> new CorroboratedWatermarks<>(maxOutOfOrderness,
                        corroboratingEvents))
                .withTimestampAssigner(timestamps)
                .withIdleness(idleness);
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
        int k = largest.length;
        if (eventTimestamp <= largest[k - 1]) {
            return;
        }
        int i = k - 1;
        while (i > 0 && largest[i - 1] < eventTimestamp) {
            largest[i] = largest[i - 1];
            i--;
        }
        largest[i] = eventTimestamp;
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long corroborated = corroboratedTime();
        if (corroborated != Long.MIN_VALUE) {
            output.emitWatermark(new Watermark(corroborated - delayMillis - 1));
        }
    }

    /** The newest event time k events have reached, or Long.MIN_VALUE before k events. */
    long corroboratedTime() {
        return largest[largest.length - 1];
    }
}
