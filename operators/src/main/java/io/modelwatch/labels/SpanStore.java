package io.modelwatch.labels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * The performance monitor's kept window results ({@link WindowResult}, state "spans", by span
 * start) with an index of their headers (state "spanIndex"), for the current key.
 *
 * <p>Why an index: every timer of a model version looks at all of its spans (which one awaits
 * revision 0, which expired, which a new label touches). Read from "spans", that is every kept
 * report's bytes, about 1 KB each, and at the defaults (24 h label horizon, one-minute windows) a
 * version keeps 1,440 of them: some 1.4 MB read per timer, at least twice per window, for every
 * model whether it sends labels or not. The index holds only start, end, revision and the
 * assessed flag (21 bytes a span, 30 KB at the defaults) in one value, so a timer reads one small
 * value and then only the spans it sends or revises. It is kept in step by going through this
 * class for every change; a savepoint without it (builds before it) has it rebuilt from "spans"
 * on the key's first use.
 *
 * <p>Use: {@link #open()} in a call for the current key, read and change through the returned
 * {@link Spans}, then {@link Spans#close()} to write the index back if it changed.
 */
final class SpanStore {
    /** Format of "spanIndex" ({@link Index#toBytes}). */
    static final byte FORMAT = 1;

    private final MapState<Long, byte[]> spans;
    private final ValueState<byte[]> index;

    SpanStore(MapState<Long, byte[]> spans, ValueState<byte[]> index) {
        this.spans = spans;
        this.index = index;
    }

    /** The current key's spans. */
    Spans open() throws Exception {
        byte[] bytes = index.value();
        if (bytes != null) {
            return new Spans(Index.read(bytes), false);
        }
        // No index: an empty key, or a savepoint of a build before it.
        TreeMap<Long, WindowResult.Header> headers = new TreeMap<>();
        for (Map.Entry<Long, byte[]> e : spans.entries()) {
            headers.put(e.getKey(), WindowResult.header(e.getValue()));
        }
        Index rebuilt = new Index(headers.size());
        headers.forEach(rebuilt::set);
        return new Spans(rebuilt, !headers.isEmpty());
    }

    /** One call's view of the current key's spans. */
    final class Spans {
        private final Index headers;
        private boolean changed;

        private Spans(Index headers, boolean changed) {
            this.headers = headers;
            this.changed = changed;
        }

        /** How many spans there are; positions 0 to size - 1 hold them oldest first. */
        int size() {
            return headers.size;
        }

        long startAt(int i) {
            return headers.starts[i];
        }

        long endAt(int i) {
            return headers.ends[i];
        }

        int revisionAt(int i) {
            return headers.revisions[i];
        }

        WindowResult.Header headerAt(int i) {
            return headers.header(i);
        }

        /** The stored result of the span starting at {@code start}, or null. */
        byte[] get(long start) throws Exception {
            return headers.find(start) >= 0 ? spans.get(start) : null;
        }

        void put(long start, byte[] result) throws Exception {
            spans.put(start, result);
            if (headers.set(start, WindowResult.header(result))) {
                changed = true;
            }
        }

        void remove(long start) throws Exception {
            spans.remove(start);
            if (headers.remove(start)) {
                changed = true;
            }
        }

        /** Writes the index back if a span was added, removed or got a new header. */
        void close() throws Exception {
            if (!changed) {
                return;
            }
            if (headers.size == 0) {
                index.clear();
            } else {
                index.update(headers.toBytes());
            }
            changed = false;
        }
    }

    /**
     * The headers by span start, in sorted columns: decoded and encoded in bulk (a tree of 1,440
     * entries cost more to build than the reads it saves), changed mostly at the ends (a new span
     * last, an expired one first).
     */
    static final class Index {
        long[] starts;
        long[] ends;
        int[] revisions;
        byte[] assessed;
        int size;

        Index(int capacity) {
            int c = Math.max(capacity, 8);
            starts = new long[c];
            ends = new long[c];
            revisions = new int[c];
            assessed = new byte[c];
        }

        int find(long start) {
            return Arrays.binarySearch(starts, 0, size, start);
        }

        WindowResult.Header header(int i) {
            return new WindowResult.Header(revisions[i], assessed[i] != 0, ends[i]);
        }

        /** Sets the header of the span at {@code start}; whether anything changed. */
        boolean set(long start, WindowResult.Header h) {
            int i = find(start);
            byte a = (byte) (h.assessed() ? 1 : 0);
            if (i >= 0) {
                if (ends[i] == h.end() && revisions[i] == h.revision() && assessed[i] == a) {
                    return false;
                }
            } else {
                i = -i - 1;
                if (size == starts.length) {
                    int c = size * 2;
                    starts = Arrays.copyOf(starts, c);
                    ends = Arrays.copyOf(ends, c);
                    revisions = Arrays.copyOf(revisions, c);
                    assessed = Arrays.copyOf(assessed, c);
                }
                System.arraycopy(starts, i, starts, i + 1, size - i);
                System.arraycopy(ends, i, ends, i + 1, size - i);
                System.arraycopy(revisions, i, revisions, i + 1, size - i);
                System.arraycopy(assessed, i, assessed, i + 1, size - i);
                size++;
                starts[i] = start;
            }
            ends[i] = h.end();
            revisions[i] = h.revision();
            assessed[i] = a;
            return true;
        }

        boolean remove(long start) {
            int i = find(start);
            if (i < 0) {
                return false;
            }
            System.arraycopy(starts, i + 1, starts, i, size - i - 1);
            System.arraycopy(ends, i + 1, ends, i, size - i - 1);
            System.arraycopy(revisions, i + 1, revisions, i, size - i - 1);
            System.arraycopy(assessed, i + 1, assessed, i, size - i - 1);
            size--;
            return true;
        }

        /** Format 1: format (byte), count (int), then the starts, the ends (longs), the revisions (ints), the assessed flags (bytes). */
        byte[] toBytes() {
            ByteBuffer b = ByteBuffer.allocate(5 + size * 21);
            b.put(FORMAT).putInt(size);
            b.asLongBuffer().put(starts, 0, size).put(ends, 0, size);
            b.position(5 + size * 16);
            b.asIntBuffer().put(revisions, 0, size);
            b.position(5 + size * 20);
            b.put(assessed, 0, size);
            return b.array();
        }

        static Index read(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            byte format = b.get();
            if (format != FORMAT) {
                throw new IOException("span index format " + format + " is not known to this build");
            }
            int n = b.getInt();
            Index x = new Index(n + 8);
            b.asLongBuffer().get(x.starts, 0, n).get(x.ends, 0, n);
            b.position(5 + n * 16);
            b.asIntBuffer().get(x.revisions, 0, n);
            b.position(5 + n * 20);
            b.get(x.assessed, 0, n);
            x.size = n;
            return x;
        }

        /** The headers by start (tests). */
        TreeMap<Long, WindowResult.Header> toMap() {
            TreeMap<Long, WindowResult.Header> m = new TreeMap<>();
            for (int i = 0; i < size; i++) {
                m.put(starts[i], header(i));
            }
            return m;
        }
    }
}
