package io.modelwatch.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far the predictions source of one run has got in event time, so that its labels source
 * can hold each label until the predictions reach the label's time. Without it the labels
 * source, with a few records, runs minutes of event time ahead of the predictions in processing
 * time, and every label would be in the job before its prediction's window closed: a replay in
 * which labels are never late. With it, a label reaches the job about when a live labels topic
 * would deliver it. Only for sources and readers in this JVM (a MiniCluster).
 */
final class EventClock {
    private static final Map<String, EventClock> CLOCKS = new ConcurrentHashMap<>();

    private record Waiter(long time, CompletableFuture<Void> ready) {}

    private final int splits;
    private final Map<Integer, Long> progress = new ConcurrentHashMap<>();
    /** Guarded by this. */
    private final List<Waiter> waiters = new ArrayList<>();
    /** The earliest time a waiter waits for; MAX_VALUE when none waits. */
    private volatile long earliestWaiter = Long.MAX_VALUE;

    private EventClock(int splits) {
        this.splits = splits;
    }

    /** A clock for a predictions source of {@code splits} splits. */
    static void create(String id, int splits) {
        CLOCKS.put(id, new EventClock(splits));
    }

    static EventClock get(String id) {
        EventClock c = CLOCKS.get(id);
        if (c == null) {
            throw new IllegalStateException("no event clock " + id + " in this JVM");
        }
        return c;
    }

    static void remove(String id) {
        CLOCKS.remove(id);
    }

    /** Predictions split {@code split} emitted an event arriving at {@code time} (MAX_VALUE: done). */
    void advance(int split, long time) {
        progress.put(split, time);
        if (time >= earliestWaiter) {
            release();
        }
    }

    /** The time every predictions split has reached; MIN_VALUE until all have started. */
    long reached() {
        if (progress.size() < splits) {
            return Long.MIN_VALUE;
        }
        long min = Long.MAX_VALUE;
        for (long t : progress.values()) {
            min = Math.min(min, t);
        }
        return min;
    }

    /** Completes once every predictions split reached {@code time}. */
    synchronized CompletableFuture<Void> when(long time) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        waiters.add(new Waiter(time, ready));
        earliestWaiter = Math.min(earliestWaiter, time);
        release();
        return ready;
    }

    private synchronized void release() {
        long reached = reached();
        long earliest = Long.MAX_VALUE;
        for (var it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.time() <= reached) {
                w.ready().complete(null);
                it.remove();
            } else {
                earliest = Math.min(earliest, w.time());
            }
        }
        earliestWaiter = earliest;
    }
}
