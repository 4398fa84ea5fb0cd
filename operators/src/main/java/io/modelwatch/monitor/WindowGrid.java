package io.modelwatch.monitor;

import io.modelwatch.functions.MonitorStatus;
import java.util.Arrays;

/**
 * Where a model version's evaluation windows start and end, across changes of {@code window.size}
 * by savepoint upgrade.
 *
 * <p>Without a change there is one grid: tumbling windows of {@code window.size} aligned on the
 * epoch, {@code [ts - ts mod size, + size)}, as always. When a restore brings another size, the
 * windows already open keep the size they were opened with (their timers are set for their old
 * ends, and they already hold events), and the new size applies from the <em>origin</em>: the end
 * of the newest window opened (or evaluated), so no event time is counted in two windows. The new
 * grid stays aligned on the epoch; its first window is clipped to start at the origin (a shorter
 * window, judged on its own duration: the volume check uses a window's length, and one with too
 * few events accumulates as any low-traffic window does).
 *
 * <p>Kept in {@link MonitorStatus#windowGrids} as pairs (origin, size in ms), oldest first; a grid
 * whose windows have all been evaluated is dropped, so it is one pair except for the few minutes
 * after a change. State written before this existed has no grids: the size of its open windows is
 * read off the state itself (the newest window opened ends at {@link MonitorStatus#lastWindowEnd}
 * and is the open window that starts last), so a savepoint of that release can change
 * {@code window.size} too.
 */
final class WindowGrid {
    private final long[] grids;

    private WindowGrid(long[] grids) {
        this.grids = grids;
    }

    /**
     * The version's grids with {@code size} in force from now on, recorded in {@code st}.
     *
     * @param newestOpenStart the start of the open window that starts last, or Long.MIN_VALUE when
     *     none is open; only read for state without grids
     */
    static WindowGrid adopt(MonitorStatus st, long size, OpenStart newestOpenStart) throws Exception {
        long[] g = st.windowGrids == null ? new long[0] : st.windowGrids;
        if (g.length == 0) {
            if (st.lastWindowEnd == Long.MIN_VALUE) {
                g = new long[] {Long.MIN_VALUE, size}; // a new version
            } else {
                long start = newestOpenStart.get();
                long earlier = start == Long.MIN_VALUE ? size : st.lastWindowEnd - start;
                // Nothing open: the first new window starts after the last evaluated one.
                g = new long[] {start == Long.MIN_VALUE ? st.lastFiredWindowEnd : Long.MIN_VALUE,
                        earlier > 0 ? earlier : size};
            }
        }
        if (g[g.length - 1] != size) {
            long origin = Math.max(st.lastFiredWindowEnd, st.lastWindowEnd);
            if (origin == Long.MIN_VALUE) {
                g = new long[] {Long.MIN_VALUE, size};
            } else {
                g = Arrays.copyOf(g, g.length + 2);
                g[g.length - 2] = origin;
                g[g.length - 1] = size;
            }
        }
        // A grid is done once a window at or after the next grid's origin has been evaluated:
        // windows are evaluated in the order of their ends.
        int drop = 0;
        while (g.length - drop > 2 && g[drop + 2] <= st.lastFiredWindowEnd) {
            drop += 2;
        }
        if (drop > 0) {
            g = Arrays.copyOfRange(g, drop, g.length);
        }
        st.windowGrids = g;
        return new WindowGrid(g);
    }

    /** Reads the start of the open window that starts last (state without grids only). */
    @FunctionalInterface
    interface OpenStart {
        long get() throws Exception;
    }

    /** The start of the window of an event at {@code ts}. */
    long start(long ts) {
        int i = gridOf(ts);
        long size = grids[i + 1];
        return Math.max(ts - Math.floorMod(ts, size), grids[i]);
    }

    /** The end of the window that starts at {@code start}. */
    long end(long start) {
        long size = grids[gridOf(start) + 1];
        return start - Math.floorMod(start, size) + size;
    }

    /**
     * The starts of the windows that may end at {@code end} (one per grid on which {@code end}
     * is a boundary), so a timer at {@code end - 1} finds its window whatever size it has.
     */
    long[] startsEndingAt(long end) {
        long[] starts = new long[grids.length / 2];
        int n = 0;
        for (int i = 0; i < grids.length; i += 2) {
            long size = grids[i + 1];
            if (Math.floorMod(end, size) != 0) {
                continue;
            }
            long start = Math.max(end - size, grids[i]);
            if (start < end && gridOf(start) == i) {
                starts[n++] = start;
            }
        }
        return Arrays.copyOf(starts, n);
    }

    private int gridOf(long ts) {
        int i = grids.length - 2;
        while (i > 0 && grids[i] > ts) {
            i -= 2;
        }
        return i;
    }
}
