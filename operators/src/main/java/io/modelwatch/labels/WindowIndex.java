package io.modelwatch.labels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * Which performance windows of the current key have labelled outcomes (state "performance", by
 * window start) and which of them got labels since the last revisions ("dirty"), as one small
 * value (state "performanceIndex").
 *
 * <p>Why: every timer of a version walked the keys of "performance" and of "dirty". A walk is a
 * RocksDB iterator: a seek, then every entry of the key's prefix, and the tombstones that the
 * removals of expired windows and the clearing of "dirty" at every label-time window leave until
 * a compaction drops them. At the defaults (24 h horizon, one-minute windows) a labelled version
 * has 1,440 windows, and the walks were most of its 20 ms of CPU per window
 * ({@code PerformanceMonitorCpuTime}). The index holds the starts (8 bytes each) and the dirty
 * ones, so a timer reads one value and then only the windows of the spans it reports.
 *
 * <p>"dirty" is kept in the index only; a savepoint of a build before it has its entries in the
 * map state "dirty", moved into the index (and the map cleared) on the key's first use, as the
 * starts are read once from "performance". An empty index is not kept (nothing stays past the
 * horizon): a version without labels walks its two empty prefixes, a seek each, per call.
 */
final class WindowIndex {
    /** Format of "performanceIndex" ({@link Windows#toBytes}). */
    static final byte FORMAT = 1;

    private final MapState<Long, byte[]> windows;
    private final MapState<Long, Boolean> legacyDirty;
    private final ValueState<byte[]> index;

    WindowIndex(MapState<Long, byte[]> windows, MapState<Long, Boolean> legacyDirty, ValueState<byte[]> index) {
        this.windows = windows;
        this.legacyDirty = legacyDirty;
        this.index = index;
    }

    /** The current key's windows. */
    Windows open() throws Exception {
        byte[] bytes = index.value();
        if (bytes != null) {
            return Windows.read(bytes);
        }
        List<Long> starts = new ArrayList<>();
        for (Long w : windows.keys()) {
            starts.add(w);
        }
        List<Long> dirty = new ArrayList<>();
        for (Long w : legacyDirty.keys()) {
            dirty.add(w);
        }
        if (!dirty.isEmpty()) {
            legacyDirty.clear();
        }
        Windows x = new Windows(sorted(starts), sorted(dirty));
        x.changed = !starts.isEmpty() || !dirty.isEmpty();
        return x;
    }

    /** Writes {@code w} back if it changed. */
    void close(Windows w) throws Exception {
        if (w.changed) {
            if (w.starts.length == 0 && w.dirty.length == 0) {
                index.clear();
            } else {
                index.update(w.toBytes());
            }
            w.changed = false;
        }
    }

    private static long[] sorted(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a;
    }

    /** One call's view: sorted starts of the windows with outcomes, and the dirty ones. */
    static final class Windows {
        private long[] starts;
        private long[] dirty;
        private boolean changed;

        Windows(long[] starts, long[] dirty) {
            this.starts = starts;
            this.dirty = dirty;
        }

        /** The starts in {@code [from, to)}, ascending. */
        long[] between(long from, long to) {
            int a = insertionPoint(starts, from);
            int b = insertionPoint(starts, to);
            return Arrays.copyOfRange(starts, a, b);
        }

        /** Notes a window's first outcome. */
        void add(long start) {
            long[] s = insert(starts, start);
            if (s != starts) {
                starts = s;
                changed = true;
            }
        }

        void markDirty(long start) {
            long[] d = insert(dirty, start);
            if (d != dirty) {
                dirty = d;
                changed = true;
            }
        }

        boolean hasDirty() {
            return dirty.length > 0;
        }

        /** The dirty windows, ascending, and none after. */
        long[] takeDirty() {
            long[] d = dirty;
            if (d.length > 0) {
                dirty = new long[0];
                changed = true;
            }
            return d;
        }

        /** Removes and returns the starts below {@code limit} (windows past the horizon). */
        long[] expireBefore(long limit) {
            int n = insertionPoint(starts, limit);
            if (n == 0) {
                return new long[0];
            }
            long[] gone = Arrays.copyOf(starts, n);
            starts = Arrays.copyOfRange(starts, n, starts.length);
            changed = true;
            return gone;
        }

        private static int insertionPoint(long[] a, long key) {
            int i = Arrays.binarySearch(a, key);
            return i >= 0 ? i : -i - 1;
        }

        private static long[] insert(long[] a, long key) {
            int i = Arrays.binarySearch(a, key);
            if (i >= 0) {
                return a;
            }
            i = -i - 1;
            long[] b = new long[a.length + 1];
            System.arraycopy(a, 0, b, 0, i);
            b[i] = key;
            System.arraycopy(a, i, b, i + 1, a.length - i);
            return b;
        }

        /** Format 1: format (byte), count (int) and the starts, count (int) and the dirty starts (longs). */
        byte[] toBytes() {
            ByteBuffer b = ByteBuffer.allocate(9 + 8 * (starts.length + dirty.length));
            b.put(FORMAT).putInt(starts.length);
            b.asLongBuffer().put(starts);
            b.position(5 + 8 * starts.length);
            b.putInt(dirty.length);
            b.asLongBuffer().put(dirty);
            return b.array();
        }

        static Windows read(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            byte format = b.get();
            if (format != FORMAT) {
                throw new IOException("performance window index format " + format + " is not known to this build");
            }
            long[] starts = new long[b.getInt()];
            b.asLongBuffer().get(starts);
            b.position(5 + 8 * starts.length);
            long[] dirty = new long[b.getInt()];
            b.asLongBuffer().get(dirty);
            return new Windows(starts, dirty);
        }
    }
}
