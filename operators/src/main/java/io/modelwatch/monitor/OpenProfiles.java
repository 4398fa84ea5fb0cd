package io.modelwatch.monitor;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The open profiles (event-time windows, the reference being learned and the pending span of
 * low-traffic windows) of the model versions
 * that {@link ModelMonitorFunction} saw last, as objects, with what changed since they were last
 * written to keyed state. A model's window takes events in every batch for a minute or more, and
 * reading and writing it back as bytes on every batch was most of the monitor's state cost
 * (docs/benchmarks.md); with this cache it is read once and written once per checkpoint.
 *
 * <p>Keyed state stays the truth at every checkpoint: {@link ModelMonitorOperator} has the
 * function write every changed profile before the checkpoint barrier, and an entry pushed out
 * of the cache is written back first. The cache is full when it holds {@code capacity} versions
 * or their profiles' weight passes {@code maxBytes}; a version not cached then either takes the
 * place of the least recently used one or is not admitted (below). Each profile is
 * weighed as an upper bound of its heap ({@link #heapWeight}) from its serialised size at its
 * last read or write, so between two checkpoints the profiles can grow past it by what that
 * interval's events add (and a window opened since weighs nothing yet). Not thread-safe: the task
 * thread only.
 *
 * <p>Admission. When more versions are active than the cache holds, least-recently-used eviction
 * alone keeps nothing that comes back: versions with a batch a minute each come round in turn, and
 * each is pushed out before its turn comes again, so every batch and window misses (100,000
 * models, docs/benchmarks.md). So a full cache admits a version only if it has had more batches
 * lately than the version it would push out, by the TinyLFU rule ({@link FrequencySketch}: every
 * batch counts, estimates within about the last ten times {@code capacity} batches). A version
 * not admitted is still served: its entry is read from state like any miss and written back, and
 * dropped, at the end of its batch ({@link OpenProfileStore#batchDone}), and the cached versions
 * stay and hit. Versions coming in turn have the same counts (the candidate's is read before its
 * own batch counts; of two versions with the same batches, the one whose batches came later has
 * lost less to the halvings), so ties keep the cache as it is and it hits for as many versions as
 * it holds; a version that comes more often than the one at the end of the line takes its place,
 * and a cached version that stops coming fades to a count of 0 within four halvings and then
 * gives way to any version seen in the sample. While the cache is not full every version is
 * admitted, as before: a working set that fits is cached whole. What is cached changes when
 * state is read and written, never what the monitor computes: profiles are the same whether read
 * from the cache or from state.
 */
final class OpenProfiles {
    /** One model version's cached profiles. */
    final class Entry {
        /** Windows read from state or opened since, by window start; a subset of the open windows. */
        final Map<Long, OpenWindow> windows = new HashMap<>();
        /** Windows changed since last written. */
        final Set<Long> changedWindows = new HashSet<>();
        /** Whether {@link #learning} holds what state holds (or will hold once written). */
        boolean learningKnown;
        /** The reference being learned, or null (none, or the reference is frozen). */
        ModelProfile learning;
        boolean learningChanged;
        /**
         * The events added to {@link #learning} since it was last written (whole or as a chunk),
         * in order; null when state holds no written profile that they extend (none yet, or not
         * known to be this one), so the next write-back writes it whole.
         */
        List<PredictionEvent> learningTail;
        /**
         * The feature names of the profile written in "learning" ({@link OpenWindow#names}), which
         * its chunks' events name by a flag; null when state holds none.
         */
        String[] learningBaseNames;
        /** Serialised sizes of the profile in "learning" and of the chunks written after it. */
        int learningBaseBytes;
        int learningChunkBytes;
        /** Whether {@link #span} holds what state holds (or the span extended by the window being closed). */
        boolean spanKnown;
        /** The span of low-traffic windows pending ({@link LowTrafficSpans}), or null when none is. */
        ModelProfile span;
        /**
         * The feature names of the span written in "pending" ({@link OpenWindow#names}), which its
         * chunks' events name by a flag; null when not known (then a chunk is not written).
         */
        String[] spanBaseNames;
        /** Serialised sizes of the span in "pending" and of the chunks written after it. */
        int spanBaseBytes;
        int spanChunkBytes;
        /**
         * The windows added to {@link #span} since state last got it, in order: written back with
         * the entry's other changes, as chunks after what state holds or with the span whole
         * ({@code OpenProfileStore}); null when the next write is the span whole (a new span, or
         * more windows than are worth keeping for chunks). See {@link LowTrafficSpans#holdBack}.
         */
        List<OpenWindow> spanTail;
        /** Whether {@link #span} has changes state does not hold yet. */
        boolean spanChanged;
        /** Heap weights ({@link #heapWeight}) as last read or written: the cache's weight. */
        private final Map<Long, Long> windowWeights = new HashMap<>();
        private long learningWeight;
        private long spanWeight;
        /** False once out of the cache (an evicted entry is still written back): no longer weighed. */
        private boolean cached = true;
        /**
         * False for a version the full cache did not admit: it is in the cache for its batch only,
         * then written back and dropped.
         */
        final boolean admitted;

        Entry(boolean admitted) {
            this.admitted = admitted;
        }

        void windowSized(long start, int size, OpenWindow window) {
            long w = heapWeight(size, window);
            Long old = windowWeights.put(start, w);
            weigh(w - (old == null ? 0 : old));
        }

        /**
         * Whether state holds the window starting at {@code start}: it was read from state or
         * written there (both weigh it); a window opened in the cache and not yet written is not.
         */
        boolean windowInState(long start) {
            return windowWeights.containsKey(start);
        }

        void windowGone(long start) {
            Long old = windowWeights.remove(start);
            weigh(-(old == null ? 0 : old));
        }

        /** The reference being learned, {@code size} bytes in state (the profile and its chunks), or none (0). */
        void learningSized(int size, ModelProfile learning) {
            long w = heapWeight(size, learning);
            weigh(w - learningWeight);
            learningWeight = w;
        }

        void spanSized(int baseBytes, int chunkBytes, ModelProfile span) {
            long w = heapWeight((long) baseBytes + chunkBytes, span);
            weigh(w - spanWeight);
            spanWeight = w;
            spanBaseBytes = baseBytes;
            spanChunkBytes = chunkBytes;
        }

        private void weigh(long delta) {
            if (cached) {
                bytes += delta;
            }
        }

        private void dropped() {
            cached = false;
            bytes -= weight();
        }

        private long weight() {
            long w = learningWeight + spanWeight;
            for (long b : windowWeights.values()) {
                w += b;
            }
            return w;
        }

        boolean changed() {
            return learningChanged || spanChanged || !changedWindows.isEmpty();
        }

        void written() {
            changedWindows.clear();
            learningChanged = false;
            spanChanged = false;
        }
    }

    /**
     * Heap bytes of a profile as objects per byte of its serialised form, beyond the fixed part
     * below: an upper bound over profiles of 1 to 1,000 events, which take 1.2 to 1.8 times their
     * serialised size beyond it ({@code OpenProfileHeapWeight}, docs/benchmarks.md).
     */
    static final int HEAP_BYTES_PER_SERIALISED_BYTE = 2;
    /**
     * And per feature (and the prediction): what a feature's sketches take as soon as they hold
     * one value, some 950 bytes measured for a binned profile of one event, while such a feature
     * serialises to some 150 bytes in the compact state formats (CompactDoubles); covered with
     * the term above from twice 150. Profiles of 1 to 10 events are where the bound is tightest
     * (weighed / heap 1.0 to 1.1 in {@code OpenProfileHeapWeight}).
     */
    static final int HEAP_BYTES_PER_FEATURE = 768;

    /**
     * What a profile of {@code serialised} bytes (0: none) is weighed as: an upper bound of its
     * heap as objects, so that the cache's bound is one of heap.
     */
    static long heapWeight(long serialised, ModelProfile p) {
        if (serialised <= 0 || p == null) {
            return 0;
        }
        return HEAP_BYTES_PER_SERIALISED_BYTE * serialised + HEAP_BYTES_PER_FEATURE * (p.features().size() + 1L);
    }

    /**
     * A window that keeps its events ({@link OpenWindow}) is weighed per event, as an upper bound
     * of what the events hold beyond what other objects share with them (feature names, and
     * category strings decoded once per task, {@code SharedStrings}): the event record and its
     * arrays' headers, and per value its kind, number and string slot; twice its serialised size
     * covers strings not shared (a category decoded afresh, written once per window in the chunk).
     */
    static final int HEAP_BYTES_PER_KEPT_EVENT = 256;
    static final int HEAP_BYTES_PER_KEPT_VALUE = 16;

    /** What an open window of {@code serialised} bytes in state is weighed as. */
    static long heapWeight(long serialised, OpenWindow w) {
        if (serialised <= 0 || w == null) {
            return 0;
        }
        if (!w.keepsEvents()) {
            return heapWeight(serialised, w.profile(null));
        }
        return HEAP_BYTES_PER_SERIALISED_BYTE * serialised
                + w.events() * HEAP_BYTES_PER_KEPT_EVENT + HEAP_BYTES_PER_KEPT_VALUE * w.keptValues();
    }

    private final int capacity;
    private final long maxBytes;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(256, 0.75f, true);
    private final FrequencySketch frequencies;
    private long bytes;
    private long evictions;
    private long notAdmitted;

    OpenProfiles(int capacity, long maxBytes) {
        if (capacity < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("capacity and maxBytes must be >= 1, were " + capacity + ", " + maxBytes);
        }
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.frequencies = new FrequencySketch(capacity);
    }

    /** The key's entry, or null when it is not cached. */
    Entry get(String key) {
        return entries.get(key);
    }

    /**
     * The key's entry for a batch, a new empty one when it is not cached. When the cache is full,
     * the new entry either is admitted, and the least recently used entries are removed first
     * (those with changes to write returned in {@code evicted}), or is not
     * ({@link Entry#admitted}): then nothing is removed, and the entry is to be written back and
     * removed after the batch.
     */
    Entry getOrCreate(String key, Map<String, Entry> evicted) {
        Entry e = entries.get(key);
        if (e != null) {
            frequencies.increment(key);
            return e;
        }
        boolean full = entries.size() >= capacity || bytes > maxBytes;
        // The candidate's count before this batch counts, against the eldest's: see the class comment.
        boolean admit = !full || entries.isEmpty()
                || frequencies.frequency(key) > frequencies.frequency(entries.keySet().iterator().next());
        frequencies.increment(key);
        if (!admit) {
            notAdmitted++;
            e = new Entry(false);
            entries.put(key, e);
            return e;
        }
        Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
        while (eldest.hasNext() && (entries.size() >= capacity || bytes > maxBytes)) {
            Map.Entry<String, Entry> out = eldest.next();
            eldest.remove();
            evictions++;
            out.getValue().dropped();
            if (out.getValue().changed()) {
                evicted.put(out.getKey(), out.getValue());
            }
        }
        e = new Entry(true);
        entries.put(key, e);
        return e;
    }

    void remove(String key) {
        Entry e = entries.remove(key);
        if (e != null) {
            e.dropped();
        }
    }

    /** Drops least recently used entries without changes while over {@code maxBytes}. */
    void trim() {
        Iterator<Entry> it = entries.values().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Entry e = it.next();
            if (!e.changed()) {
                it.remove();
                evictions++;
                e.dropped();
            }
        }
    }

    /** Versions dropped to make room so far (a version that comes back is read from state again). */
    long evictions() {
        return evictions;
    }

    /**
     * Batches of versions the full cache did not admit so far: each read its profiles from state
     * and wrote them back at once, as a miss did before the cache.
     */
    long notAdmitted() {
        return notAdmitted;
    }

    /** The cached profiles' heap, as weighed ({@link #heapWeight}) when last read or written. */
    long bytes() {
        return bytes;
    }

    /** The entries with changes to write, by key. */
    Map<String, Entry> changed() {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getValue().changed()) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    int size() {
        return entries.size();
    }
}
