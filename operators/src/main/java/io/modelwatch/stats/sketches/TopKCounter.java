package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Approximate counts of the most frequent strings of a stream in a fixed number of counters: the
 * Space-Saving algorithm of Metwally, A., Agrawal, D. and El Abbadi, A. (2005), "Efficient
 * computation of frequent and top-k elements in data streams", ICDT 2005, LNCS 3363:398-412.
 *
 * <p>At most {@code capacity} items are tracked. A tracked item's counter is incremented; an
 * untracked item takes over the counter with the smallest count {@code min}, starting at
 * {@code min + weight} and recording {@code min} as its possible overestimation (its
 * {@link #error}). While no more than {@code capacity} distinct items have been seen nothing is
 * evicted and every count is exact. Beyond that the paper's guarantees hold: every estimate is an
 * upper bound, overcounting by at most {@code error(item) <= min <= total / capacity}; an item
 * that is not tracked occurred at most {@code min} times; hence every item more frequent than
 * {@code total / capacity} is tracked.
 *
 * <p>Ties are broken by the item string, never by hash order, so replaying the same stream (after
 * a restore, or in a test) gives identical counters: among equal smallest counts the
 * lexicographically greatest item is evicted, i.e. the one {@link #top} lists last.
 *
 * <p>{@link #merge} combines summaries of disjoint streams (Flink subtasks, window panes) after
 * Cafaro, M., Pulimeno, M. and Tempesta, P. (2016), "A parallel space saving algorithm for
 * frequent items and the Hurwitz zeta distribution", Information Sciences 329:1-19, in the
 * mergeable-summaries sense of Agarwal et al. (2012, PODS): counts are added item-wise, then the
 * {@code capacity} largest kept. An item missing from a summary that has evicted may still have
 * occurred up to that summary's {@code min} times, so it is credited that minimum (not 0): this
 * keeps every estimate an upper bound and the overcount within {@code total / capacity} after any
 * sequence of adds and merges. Merging summaries that are both below capacity is plain exact
 * addition.
 *
 * <p>Cost: a tracked item's add is one hash lookup; evicting scans the {@code capacity} counters
 * for the minimum. Not thread-safe.
 */
public final class TopKCounter {
    /**
     * Format 1: capacity, total and size as ints and longs, each counter's item (its length as an
     * int), count and error as 8 bytes. Format 2: every one of those numbers as a varint
     * ({@link VarLongs}), a category's counter in about five bytes instead of 20.
     */
    private static final byte FORMAT_VERSION = 2;
    private static final byte FORMAT_1 = 1;

    /** Count descending, then item ascending: the order of {@link #top}. */
    // Written out rather than composed (comparingLong().reversed().thenComparing()): it sorts
    // every counter of every categorical feature each time a profile is written to state.
    private static final Comparator<Counter> TOP_ORDER = (a, b) -> {
        int byCount = Long.compare(b.count, a.count);
        return byCount != 0 ? byCount : a.item.compareTo(b.item);
    };

    private static final class Counter {
        final String item;
        long count;
        /** How much of {@link #count} may be occurrences of the items it replaced. */
        long error;

        Counter(String item, long count, long error) {
            this.item = item;
            this.count = count;
            this.error = error;
        }
    }

    private final int capacity;
    private final HashMap<String, Counter> counters;
    private long total;

    public TopKCounter(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        // Grown as items come, not sized for `capacity` up front: a window of a low-traffic model
        // holds one or two categories per feature, and a table for 64 (128 slots) in every
        // categorical feature of every window was the model monitor's largest allocation at
        // 10,000 models. What the counter reports never depends on the map's order (writeTo and
        // top sort, a merge past capacity sorts, the smallest breaks ties by item).
        this.counters = new HashMap<>();
    }

    public void add(String item) {
        add(item, 1);
    }

    /**
     * Adds {@code count} occurrences of {@code item} (the weighted form of Space-Saving).
     *
     * @throws IllegalArgumentException if {@code count < 0}; a count of 0 changes nothing
     */
    public void add(String item, long count) {
        Objects.requireNonNull(item, "item");
        if (count <= 0) {
            if (count < 0) {
                throw new IllegalArgumentException("count must be >= 0, was " + count);
            }
            return;
        }
        total = Math.addExact(total, count);
        Counter c = counters.get(item);
        if (c != null) {
            c.count += count;
        } else if (counters.size() < capacity) {
            counters.put(item, new Counter(item, count, 0));
        } else {
            Counter victim = smallest();
            counters.remove(victim.item);
            counters.put(item, new Counter(item, victim.count + count, victim.count));
        }
    }

    /**
     * Adds everything {@code other} has counted; {@code other} is unchanged and this counter
     * keeps its capacity.
     *
     * @throws IllegalArgumentException if {@code other} has a smaller capacity: its error bound
     *     {@code total / other.capacity} is then wider than this counter promises
     */
    public void merge(TopKCounter other) {
        if (other.capacity < capacity) {
            throw new IllegalArgumentException("cannot merge a TopKCounter of capacity "
                    + other.capacity + " into one of capacity " + capacity);
        }
        if (other == this) {
            other = copy();
        }
        long newTotal = Math.addExact(total, other.total); // fail before changing anything
        if (mergedInPlace(other, newTotal)) {
            return;
        }
        // Upper bounds on the count of an item a summary does not track: 0 while it is exact.
        long missingA = untrackedBound();
        long missingB = other.untrackedBound();

        List<Counter> merged = new ArrayList<>(counters.size() + other.counters.size());
        for (Counter a : counters.values()) {
            Counter b = other.counters.get(a.item);
            merged.add(b != null
                    ? new Counter(a.item, a.count + b.count, a.error + b.error)
                    : new Counter(a.item, a.count + missingB, a.error + missingB));
        }
        for (Counter b : other.counters.values()) {
            if (!counters.containsKey(b.item)) {
                merged.add(new Counter(b.item, b.count + missingA, b.error + missingA));
            }
        }
        if (merged.size() > capacity) {
            merged.sort(TOP_ORDER);
            merged = merged.subList(0, capacity);
        }
        counters.clear();
        for (Counter c : merged) {
            counters.put(c.item, c);
        }
        total = newTotal;
    }

    /**
     * The merge of two exact summaries whose items fit together: each count is the sum of the two
     * (what the general merge computes when neither bounds an untracked item, with nothing to
     * prune), added in place. A window of a few events merged into a span of a low-traffic model
     * is this case, and rebuilding the span's whole map for it was most of that merge.
     */
    private boolean mergedInPlace(TopKCounter other, long newTotal) {
        if (counters.size() >= capacity || other.counters.size() >= other.capacity) {
            return false;
        }
        int added = 0;
        for (Counter b : other.counters.values()) {
            if (!counters.containsKey(b.item)) {
                added++;
            }
        }
        if (counters.size() + added > capacity) {
            return false;
        }
        for (Counter b : other.counters.values()) {
            Counter a = counters.get(b.item);
            if (a != null) {
                a.count += b.count;
                a.error += b.error;
            } else {
                counters.put(b.item, new Counter(b.item, b.count, b.error));
            }
        }
        total = newTotal;
        return true;
    }

    /** Sum of all counts ever added, including those of evicted items. */
    public long total() {
        return total;
    }

    /** Estimated count: exact below capacity, else an upper bound; 0 if not tracked. */
    public long count(String item) {
        Counter c = counters.get(item);
        return c == null ? 0 : c.count;
    }

    /**
     * Upper bound on how much {@link #count} overestimates {@code item}, so {@code count - error}
     * is a guaranteed lower bound; 0 for exact counts and for items not tracked.
     */
    public long error(String item) {
        Counter c = counters.get(item);
        return c == null ? 0 : c.error;
    }

    /** The {@code k} largest counts (fewer if fewer are tracked), by count desc then item asc. */
    public List<ItemCount> top(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, was " + k);
        }
        List<Counter> sorted = sortedCounters();
        int n = Math.min(k, sorted.size());
        List<ItemCount> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Counter c = sorted.get(i);
            result.add(new ItemCount(c.item, c.count));
        }
        return result;
    }

    /** Number of items tracked, at most {@link #capacity}. */
    public int size() {
        return counters.size();
    }

    public int capacity() {
        return capacity;
    }

    public TopKCounter copy() {
        TopKCounter copy = new TopKCounter(capacity);
        copy.total = total;
        for (Counter c : counters.values()) {
            copy.counters.put(c.item, new Counter(c.item, c.count, c.error));
        }
        return copy;
    }

    /**
     * Writes a format version byte (1), capacity, total, the number of counters, then each
     * counter (item, count, error) in {@link #top} order, so equal states give equal bytes.
     */
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        VarLongs.writeUnsigned(out, capacity);
        VarLongs.writeUnsigned(out, total);
        VarLongs.writeUnsigned(out, counters.size());
        for (Counter c : sortedCounters()) {
            writeString(out, c.item, true);
            VarLongs.writeUnsigned(out, c.count);
            VarLongs.writeUnsigned(out, c.error);
        }
    }

    public static TopKCounter readFrom(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != FORMAT_VERSION && version != FORMAT_1) {
            throw new IOException("TopKCounter: unknown format version " + version);
        }
        boolean compact = version == FORMAT_VERSION;
        long capacity = compact ? readVarint(in) : in.readInt();
        long total = compact ? readVarint(in) : in.readLong();
        long size = compact ? readVarint(in) : in.readInt();
        if (capacity < 1 || total < 0 || size < 0 || size > capacity) {
            throw new IOException("TopKCounter: corrupt header (capacity=" + capacity
                    + ", total=" + total + ", size=" + size + ")");
        }
        if (capacity > Integer.MAX_VALUE) {
            throw new IOException("TopKCounter: corrupt capacity " + capacity);
        }
        TopKCounter counter = new TopKCounter((int) capacity);
        counter.total = total;
        for (int i = 0; i < size; i++) {
            String item = readString(in, compact);
            long count = compact ? readVarint(in) : in.readLong();
            long error = compact ? readVarint(in) : in.readLong();
            if (count < 1 || error < 0 || error > count) {
                throw new IOException("TopKCounter: corrupt counter for item " + i
                        + " (count=" + count + ", error=" + error + ")");
            }
            if (counter.counters.put(item, new Counter(item, count, error)) != null) {
                throw new IOException("TopKCounter: duplicate item in serialised state");
            }
        }
        return counter;
    }

    @Override
    public String toString() {
        return "TopKCounter{capacity=" + capacity + ", total=" + total + ", top=" + top(10) + "}";
    }

    /** The counter Space-Saving evicts: smallest count, ties to the greatest item. */
    private Counter smallest() {
        Counter min = null;
        for (Counter c : counters.values()) {
            if (min == null || c.count < min.count
                    || (c.count == min.count && c.item.compareTo(min.item) > 0)) {
                min = c;
            }
        }
        return min;
    }

    /** Most times an item this summary does not track can have occurred in its stream. */
    private long untrackedBound() {
        // Below capacity nothing has ever been evicted (merge only prunes down to capacity), so
        // untracked items never occurred. At capacity the smallest count bounds them; if the
        // summary happens to be full yet exact this is merely a loose bound.
        return counters.size() < capacity ? 0 : smallest().count;
    }

    private List<Counter> sortedCounters() {
        List<Counter> sorted = new ArrayList<>(counters.values());
        sorted.sort(TOP_ORDER);
        return sorted;
    }

    // Items are written as a char count followed by the same 1-3 byte per char code as
    // DataOutput.writeUTF ("modified UTF-8"). Unlike standard UTF-8 it round-trips every Java
    // string, lone surrogates included (standard UTF-8 would turn them into '?', silently merging
    // distinct items), and unlike writeUTF it has no 64 KiB limit.

    private static void writeString(DataOutput out, String s, boolean varintLength) throws IOException {
        int n = s.length();
        if (varintLength) {
            VarLongs.writeUnsigned(out, n);
        } else {
            out.writeInt(n);
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x0001 && c <= 0x007F) {
                out.writeByte(c);
            } else if (c <= 0x07FF) {
                out.writeByte(0xC0 | (c >> 6));
                out.writeByte(0x80 | (c & 0x3F));
            } else {
                out.writeByte(0xE0 | (c >> 12));
                out.writeByte(0x80 | ((c >> 6) & 0x3F));
                out.writeByte(0x80 | (c & 0x3F));
            }
        }
    }

    private static long readVarint(DataInput in) throws IOException {
        return VarLongs.readUnsigned(in, "TopKCounter");
    }

    private static String readString(DataInput in, boolean varintLength) throws IOException {
        long length = varintLength ? readVarint(in) : in.readInt();
        if (length > Integer.MAX_VALUE) {
            throw new IOException("TopKCounter: corrupt item length " + length);
        }
        int n = (int) length;
        if (n < 0) {
            throw new IOException("TopKCounter: corrupt item length " + n);
        }
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int b0 = in.readUnsignedByte();
            if (b0 < 0x80) {
                sb.append((char) b0);
            } else if ((b0 & 0xE0) == 0xC0) {
                sb.append((char) (((b0 & 0x1F) << 6) | continuation(in)));
            } else if ((b0 & 0xF0) == 0xE0) {
                int b1 = continuation(in);
                sb.append((char) (((b0 & 0x0F) << 12) | (b1 << 6) | continuation(in)));
            } else {
                throw new IOException("TopKCounter: corrupt item encoding");
            }
        }
        return sb.toString();
    }

    private static int continuation(DataInput in) throws IOException {
        int b = in.readUnsignedByte();
        if ((b & 0xC0) != 0x80) {
            throw new IOException("TopKCounter: corrupt item encoding");
        }
        return b & 0x3F;
    }
}
