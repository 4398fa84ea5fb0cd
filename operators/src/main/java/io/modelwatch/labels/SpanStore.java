package io.modelwatch.labels;

import io.modelwatch.stats.sketches.StateBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
    /** Format of "spanIndex": 1 = count (int), then per span start, end (long), revision (int), assessed (byte). */
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
        TreeMap<Long, WindowResult.Header> headers;
        boolean rebuilt = false;
        if (bytes != null) {
            headers = StateBytes.read(bytes, SpanStore::readIndex);
        } else {
            headers = new TreeMap<>();
            // No index: an empty key, or a savepoint of a build before it.
            for (Map.Entry<Long, byte[]> e : spans.entries()) {
                headers.put(e.getKey(), WindowResult.header(e.getValue()));
            }
            rebuilt = !headers.isEmpty();
        }
        return new Spans(headers, rebuilt);
    }

    /** One call's view of the current key's spans. */
    final class Spans {
        private final TreeMap<Long, WindowResult.Header> headers;
        private boolean changed;

        private Spans(TreeMap<Long, WindowResult.Header> headers, boolean changed) {
            this.headers = headers;
            this.changed = changed;
        }

        /** The spans' starts and headers, oldest first, as a copy (safe to change the spans while walking it). */
        List<Map.Entry<Long, WindowResult.Header>> ordered() {
            return new ArrayList<>(headers.entrySet());
        }

        /** The stored result of the span starting at {@code start}, or null. */
        byte[] get(long start) throws Exception {
            return headers.containsKey(start) ? spans.get(start) : null;
        }

        void put(long start, byte[] result) throws Exception {
            spans.put(start, result);
            WindowResult.Header h = WindowResult.header(result);
            if (!h.equals(headers.put(start, h))) {
                changed = true;
            }
        }

        void remove(long start) throws Exception {
            spans.remove(start);
            if (headers.remove(start) != null) {
                changed = true;
            }
        }

        /** Writes the index back if a span was added, removed or got a new header. */
        void close() throws Exception {
            if (!changed) {
                return;
            }
            if (headers.isEmpty()) {
                index.clear();
            } else {
                index.update(StateBytes.of(out -> writeIndex(headers, out)));
            }
            changed = false;
        }
    }

    static void writeIndex(TreeMap<Long, WindowResult.Header> headers, DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(headers.size());
        for (Map.Entry<Long, WindowResult.Header> e : headers.entrySet()) {
            WindowResult.Header h = e.getValue();
            out.writeLong(e.getKey());
            out.writeLong(h.end());
            out.writeInt(h.revision());
            out.writeBoolean(h.assessed());
        }
    }

    static TreeMap<Long, WindowResult.Header> readIndex(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("span index format " + format + " is not known to this build");
        }
        int n = in.readInt();
        TreeMap<Long, WindowResult.Header> headers = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            long start = in.readLong();
            long end = in.readLong();
            int revision = in.readInt();
            boolean assessed = in.readBoolean();
            headers.put(start, new WindowResult.Header(revision, assessed, end));
        }
        return headers;
    }
}
