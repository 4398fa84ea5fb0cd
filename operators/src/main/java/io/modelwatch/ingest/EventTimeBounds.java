package io.modelwatch.ingest;

import java.io.Serializable;
import java.time.Instant;

/**
 * The event times an input record may carry; outside them it is a dead letter, checked where the
 * record is read (before the watermark sees its time), for predictions and labels alike.
 *
 * <ul>
 *   <li><b>Not before {@code minEventTime}</b> ({@code run --min-event-time}, 2000-01-01T00:00:00Z
 *       by default). The usual cause of an impossible time is a producer that writes epoch
 *       <i>seconds</i> where milliseconds are expected: read as milliseconds, every such event
 *       falls in January 1970 (today's 1.8e9 seconds are 1970-01-21 in milliseconds). Others
 *       are 0 or a negative number from an unset field. Each would open windows decades in the
 *       past, one per model, reported as warming up. 2000 is far below any prediction a
 *       monitored model makes today (a backtest of older history sets an earlier bound) and far
 *       above every value those mistakes give: epoch seconds only pass 2000-01-01 in
 *       milliseconds (9.5e11) some 30,000 years from now.</li>
 *   <li><b>Not more than {@code maxFutureMillis} ahead of the wall clock</b> (1 h): no real
 *       prediction happens in the future, and one such event would drag its partition's
 *       watermark forward so that every honest event after it counts as late. One hour allows for
 *       badly synchronised producer clocks while time zones mistaken by whole hours are caught,
 *       and so are epoch microseconds or nanoseconds. The wall clock does not bound a backtest's
 *       history, only its future; an event merely ahead of its neighbours is the watermark's
 *       concern ({@code CorroboratedWatermarks}).</li>
 * </ul>
 *
 * @param minEventTime the earliest accepted event time, epoch milliseconds
 * @param maxFutureMillis how far ahead of the wall clock an event time may be
 */
public record EventTimeBounds(long minEventTime, long maxFutureMillis) implements Serializable {
    public static final Instant DEFAULT_MIN_EVENT_TIME = Instant.parse("2000-01-01T00:00:00Z");
    public static final long DEFAULT_MAX_FUTURE_MILLIS = 60 * 60 * 1000;
    public static final EventTimeBounds DEFAULT =
            new EventTimeBounds(DEFAULT_MIN_EVENT_TIME.toEpochMilli(), DEFAULT_MAX_FUTURE_MILLIS);

    public EventTimeBounds {
        if (maxFutureMillis < 0) {
            throw new IllegalArgumentException("maxFutureMillis must be >= 0, was " + maxFutureMillis);
        }
    }

    public static EventTimeBounds notBefore(Instant minEventTime) {
        return new EventTimeBounds(minEventTime.toEpochMilli(), DEFAULT_MAX_FUTURE_MILLIS);
    }

    /**
     * Why {@code timestamp} is not a usable event time, one line naming {@code field} and the
     * likely cause; null when it is.
     *
     * @param now the wall clock, epoch milliseconds
     */
    public String check(String field, long timestamp, long now) {
        if (timestamp < minEventTime) {
            return field + ": " + Instant.ofEpochMilli(timestamp) + " is before " + Instant.ofEpochMilli(minEventTime)
                    + ", the earliest event time accepted (--min-event-time)" + earlyCause(timestamp, now);
        }
        if (timestamp > now + maxFutureMillis) {
            return field + ": more than " + (maxFutureMillis / 60_000) + " minutes in the future ("
                    + Instant.ofEpochMilli(timestamp) + ")" + lateCause(timestamp, now);
        }
        return null;
    }

    private String earlyCause(long timestamp, long now) {
        if (timestamp == 0) {
            return "; an unset timestamp?";
        }
        if (timestamp > 0 && timestamp <= Long.MAX_VALUE / 1000 && plausible(timestamp * 1000, now)) {
            return "; epoch seconds instead of milliseconds?";
        }
        return "";
    }

    private String lateCause(long timestamp, long now) {
        if (plausible(timestamp / 1000, now)) {
            return "; epoch microseconds instead of milliseconds?";
        }
        if (plausible(timestamp / 1_000_000, now)) {
            return "; epoch nanoseconds instead of milliseconds?";
        }
        return "";
    }

    private boolean plausible(long millis, long now) {
        return millis >= minEventTime && millis <= now + maxFutureMillis;
    }
}
