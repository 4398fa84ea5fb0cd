package io.modelwatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CorroboratedWatermarksTest {
    static final Duration DELAY = Duration.ofSeconds(30);
    static final long MINUTE = 60_000;

    /** The watermarks a generator emits, as a source's periodic emitter would collect them. */
    static final class Emitted implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}

        Long last() {
            return watermarks.isEmpty() ? null : watermarks.get(watermarks.size() - 1);
        }
    }

    static Long after(WatermarkGenerator<Object> g, Emitted out, long... eventTimes) {
        for (long t : eventTimes) {
            g.onEvent("e", t, out);
        }
        g.onPeriodicEmit(out);
        return out.last();
    }

    static CorroboratedWatermarks<Object> generator() {
        return new CorroboratedWatermarks<>(DELAY, CorroboratedWatermarks.CORROBORATING_EVENTS);
    }

    @Test
    void onHonestTrafficTheWatermarkTrailsTheNewestEventByTwoEventsAndTheDelay() {
        Emitted out = new Emitted();
        CorroboratedWatermarks<Object> g = generator();
        assertThat(after(g, out, 1_000, 2_000)).as("fewer than 3 events: no watermark yet").isNull();
        assertThat(after(g, out, 3_000)).isEqualTo(1_000 - 30_000 - 1);
        // Out of order within the newest three counts as well.
        assertThat(after(g, out, 5_000, 4_000)).isEqualTo(3_000 - 30_000 - 1);
        // Older events and dead letters (no event time) change nothing.
        assertThat(after(g, out, 100, Long.MIN_VALUE)).isEqualTo(3_000 - 30_000 - 1);
        // Equal times are separate events: three events at one instant corroborate it.
        assertThat(after(g, out, 9_000, 9_000, 9_000)).isEqualTo(9_000 - 30_000 - 1);
    }

    @Test
    void aLoneEventTenMinutesAheadDoesNotMoveTheWatermarkWhereFlinksOwnGeneratorWould() {
        long now = 100 * MINUTE;
        long outlier = now + 10 * MINUTE;
        Emitted flink = new Emitted();
        WatermarkGenerator<Object> bounded = new BoundedOutOfOrdernessWatermarks<>(DELAY);
        Emitted out = new Emitted();
        CorroboratedWatermarks<Object> g = generator();
        for (long t = now - MINUTE; t < now; t += 1_000) {
            bounded.onEvent("e", t, flink);
            g.onEvent("e", t, out);
        }
        assertThat(after(bounded, flink, outlier)).isEqualTo(outlier - 30_000 - 1);
        assertThat(after(g, out, outlier)).isEqualTo(now - 2_000 - 30_000 - 1);
        // Honest events go on: the watermark follows them, 30 s behind, and none of them is behind it.
        for (long t = now; t < now + 5 * MINUTE; t += 1_000) {
            Long w = after(g, out, t);
            assertThat(w).isLessThan(t).isEqualTo(t - 1_000 - 30_000 - 1);
        }
        // A second event from the same clock is tolerated too.
        assertThat(after(g, out, outlier + 1_000, now + 5 * MINUTE)).isEqualTo(now + 5 * MINUTE - 30_000 - 1);
        // Once honest time has passed the outliers, the watermark follows the newest three again.
        for (long t = now + 5 * MINUTE; t <= outlier + 5 * MINUTE; t += 1_000) {
            g.onEvent("e", t, out);
        }
        assertThat(after(g, out)).isEqualTo(outlier + 5 * MINUTE - 2_000 - 30_000 - 1);
    }

    @Test
    void threeEventsAheadAtOnceAreCorroborationAndMoveIt() {
        // The documented limit: a producer whose clock is wrong for many events is followed once
        // three of them have arrived (as a real jump of time after a quiet spell is).
        Emitted out = new Emitted();
        CorroboratedWatermarks<Object> g = generator();
        after(g, out, 1_000, 2_000, 3_000);
        long ahead = 10 * MINUTE;
        assertThat(after(g, out, ahead, ahead + 10)).isEqualTo(3_000 - 30_000 - 1);
        assertThat(after(g, out, ahead + 20)).isEqualTo(ahead - 30_000 - 1);
    }

    @Test
    void withOneCorroboratingEventItIsFlinksBoundedOutOfOrderness() {
        Emitted flink = new Emitted();
        Emitted out = new Emitted();
        WatermarkGenerator<Object> bounded = new BoundedOutOfOrdernessWatermarks<>(DELAY);
        CorroboratedWatermarks<Object> g = new CorroboratedWatermarks<>(DELAY, 1);
        long[] times = {5_000, 1_000, 70_000, 69_000, 200_000, 10};
        for (long t : times) {
            assertThat(after(g, out, t)).isEqualTo(after(bounded, flink, t));
        }
    }
}
