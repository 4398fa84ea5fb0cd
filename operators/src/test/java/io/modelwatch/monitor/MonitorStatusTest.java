package io.modelwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.functions.MonitorStatus;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The escalation state in reports counts confirmations within the span, as the escalation does. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MonitorStatusTest {
    static final long MINUTE = 60_000;
    static final long SPAN = 10 * MINUTE;

    @Test
    void aWindowCountsItsWeightAndLeavesTheSpanWhole() {
        MonitorStatus st = new MonitorStatus();
        assertThat(st.recordWindow(MINUTE, 1, SPAN)).isEqualTo(1);
        assertThat(st.recordWindow(2 * MINUTE, 0, SPAN)).isEqualTo(1);
        assertThat(st.recordWindow(3 * MINUTE, 2, SPAN)).isEqualTo(3);
        assertThat(st.driftedWithin(3 * MINUTE, SPAN)).isEqualTo(3);
        // Ten minutes after the first window it is out of the span; the weight-2 window goes whole.
        assertThat(st.driftedWithin(11 * MINUTE, SPAN)).isEqualTo(2);
        assertThat(st.driftedWithin(13 * MINUTE, SPAN)).isZero();
        // The boolean form (and state written before weights) counts a window once.
        assertThat(st.recordWindow(14 * MINUTE, true, SPAN)).isEqualTo(1);
    }
}
