package io.modelwatch.monitor;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The open windows and the reference being learned of each version, as objects in the heap
 * cache ({@link OpenProfiles}) in front of keyed state ("windows", "learning", "learningChunks"): reads go through
 * the cache, changes are written back under the version's own key when it is pushed out, before
 * every checkpoint barrier ({@link ModelMonitorOperator}) or, without a key scope, after every
 * batch.
 */
final class OpenProfileStore {
    /** Writes keyed state under a key the operator has made current. */
    @FunctionalInterface
    interface KeyedWrite {
        void run() throws Exception;
    }

    /** Runs a {@link KeyedWrite} with the given key current; {@link ModelMonitorOperator} gives it. */
    @FunctionalInterface
    interface KeyScope {
        void run(String key, KeyedWrite body) throws Exception;
    }

    private final MonitorState state;
    private final OpenProfiles open;
    private final KeyScope keyScope;

    OpenProfileStore(MonitorState state, OpenProfiles open, KeyScope keyScope) {
        this.state = state;
        this.open = open;
        this.keyScope = keyScope;
    }

    OpenProfiles cache() {
        return open;
    }

    /**
     * The current key's cached profiles; makes room by writing back the least recently used
     * version's changes under its own key, unless the full cache does not admit the key
     * ({@link OpenProfiles}: then {@link #batchDone} writes the entry back).
     */
    OpenProfiles.Entry entry(String key) throws Exception {
        Map<String, OpenProfiles.Entry> evicted = new HashMap<>(2);
        OpenProfiles.Entry e = open.getOrCreate(key, evicted);
        for (Map.Entry<String, OpenProfiles.Entry> out : evicted.entrySet()) {
            keyScope.run(out.getKey(), () -> write(out.getValue()));
        }
        return e;
    }

    /**
     * After a batch: a version the full cache did not admit is written back and dropped now, as is
     * every version without a key scope (nothing is kept between batches then).
     */
    void batchDone(String key, OpenProfiles.Entry e) throws Exception {
        if (keyScope == null || !e.admitted) {
            write(e);
            open.remove(key);
        }
    }

    /** Writes every cached change to keyed state: before a checkpoint barrier and at the end. */
    void writeChanged() throws Exception {
        for (Map.Entry<String, OpenProfiles.Entry> e : open.changed().entrySet()) {
            keyScope.run(e.getKey(), () -> write(e.getValue()));
        }
        open.trim();
    }

    /** Writes an entry's changes under the current key, which must be the entry's. */
    private void write(OpenProfiles.Entry e) throws Exception {
        for (Long start : e.changedWindows) {
            OpenWindow window = e.windows.get(start);
            byte[] bytes = window.toBytes();
            state.windows.put(start, bytes);
            e.windowSized(start, bytes.length, window);
        }
        if (e.learningChanged) {
            writeLearning(e);
        }
        if (e.spanChanged) {
            writeSpan(e);
        }
        e.written();
    }

    /**
     * Writes the pending span ({@link LowTrafficSpans#holdBack}): the windows added since state
     * last got it as more chunks while state holds the span they extend and the chunks stay
     * smaller than it, else the span whole (and no chunks). As for the reference being learned,
     * bounding the chunks by the span's size keeps the bytes replayed on a read, and the state,
     * within twice the span's size.
     */
    private void writeSpan(OpenProfiles.Entry e) throws Exception {
        ModelProfile span = e.span;
        if (span == null) {
            return; // judged since: LowTrafficSpans.close cleared state
        }
        List<OpenWindow> tail = e.spanTail;
        if (tail != null && e.spanBaseBytes > 0 && e.spanBaseNames != null) {
            List<byte[]> chunks = new ArrayList<>(tail.size());
            long size = e.spanChunkBytes;
            for (OpenWindow w : tail) {
                byte[] chunk = w.toBytes(e.spanBaseNames);
                chunks.add(chunk);
                size += chunk.length;
            }
            if (size <= e.spanBaseBytes) {
                if (!chunks.isEmpty()) {
                    state.pendingChunks.addAll(chunks);
                }
                e.spanSized(e.spanBaseBytes, (int) size, span);
                e.spanTail = new ArrayList<>();
                return;
            }
        }
        byte[] bytes = span.toBytes();
        state.pending.update(bytes);
        if (e.spanChunkBytes > 0) {
            state.pendingChunks.clear(); // else state holds none after this span (none read, none written)
        }
        e.spanSized(bytes.length, 0, span);
        e.spanBaseNames = OpenWindow.names(span);
        e.spanTail = new ArrayList<>();
    }

    /**
     * Writes the reference being learned: the events added since the last write as one more chunk
     * ({@link LearningChunks}) while state holds the profile they extend and the chunks stay
     * smaller than it, else the profile whole (and no chunks). A profile of up to 5,000 events is
     * written every checkpoint for as long as it learns; a chunk is only what arrived since.
     * Bounding the chunks by the profile's size keeps the bytes replayed on a read, and the state,
     * within twice the profile's size; the whole profile is then written about once every
     * (profile size / chunk size) checkpoints.
     */
    private void writeLearning(OpenProfiles.Entry e) throws Exception {
        List<PredictionEvent> tail = e.learningTail;
        if (tail != null && tail.isEmpty()) {
            return; // state already holds it
        }
        if (tail != null && e.learningBaseNames != null) {
            byte[] chunk = LearningChunks.of(tail, e.learningBaseNames);
            if ((long) e.learningChunkBytes + chunk.length <= e.learningBaseBytes) {
                state.learningChunks.add(chunk);
                e.learningChunkBytes += chunk.length;
                e.learningSized(e.learningBaseBytes + e.learningChunkBytes, e.learning);
                e.learningTail = new ArrayList<>();
                return;
            }
        }
        byte[] bytes = e.learning.toBytes();
        state.learning.update(bytes);
        state.learningChunks.clear();
        e.learningBaseNames = OpenWindow.names(e.learning);
        e.learningBaseBytes = bytes.length;
        e.learningChunkBytes = 0;
        e.learningSized(bytes.length, e.learning);
        e.learningTail = new ArrayList<>();
    }

    /**
     * The reference being learned as state holds it (the profile and its chunks replayed), or
     * null; sized into {@code e}.
     */
    private ModelProfile readLearning(OpenProfiles.Entry e) throws Exception {
        byte[] bytes = state.learning.value();
        if (bytes == null) {
            e.learningBaseNames = null;
            e.learningBaseBytes = 0;
            e.learningChunkBytes = 0;
            e.learningSized(0, null);
            e.learningTail = null;
            return null;
        }
        ModelProfile p = ModelProfile.fromBytes(bytes);
        String[] names = OpenWindow.names(p);
        int chunkBytes = 0;
        Iterable<byte[]> chunks = state.learningChunks.get();
        if (chunks != null) {
            for (byte[] chunk : chunks) {
                LearningChunks.replay(chunk, p, names);
                chunkBytes += chunk.length;
            }
        }
        e.learningBaseNames = names;
        e.learningBaseBytes = bytes.length;
        e.learningChunkBytes = chunkBytes;
        e.learningSized(bytes.length + chunkBytes, p);
        e.learningTail = new ArrayList<>();
        return p;
    }

    /** The window starting at {@code start} from state, sized into the entry, or null when it has none. */
    OpenWindow readWindow(OpenProfiles.Entry e, long start) throws Exception {
        byte[] bytes = state.windows.get(start);
        if (bytes == null) {
            return null;
        }
        OpenWindow window = OpenWindow.fromBytes(bytes);
        e.windowSized(start, bytes.length, window);
        return window;
    }

    /** The reference being learned (cached, else from state), or null. */
    ModelProfile learning(OpenProfiles.Entry e) throws Exception {
        if (!e.learningKnown) {
            e.learning = readLearning(e);
            e.learningKnown = true;
        }
        return e.learning;
    }

    /**
     * The events of the current key's reference being learned (0: none): the cached profile's, else
     * counted in state without decoding it (the profile's count and its chunks'), since a report
     * of a version not cached needs only the count.
     */
    long learningEvents(String key) throws Exception {
        OpenProfiles.Entry e = open.get(key);
        if (e != null) {
            ModelProfile learning = learning(e);
            return learning == null ? 0 : learning.events();
        }
        byte[] bytes = state.learning.value();
        if (bytes == null) {
            return 0;
        }
        long events = ModelProfile.eventsOf(bytes);
        Iterable<byte[]> chunks = state.learningChunks.get();
        if (chunks != null) {
            for (byte[] chunk : chunks) {
                events += LearningChunks.events(chunk);
            }
        }
        return events;
    }

    /**
     * Notes that {@code event} was added to the current key's reference being learned, which is
     * {@code e.learning} (or becomes it through {@link #keepLearning}): it goes into the next chunk.
     */
    void learned(OpenProfiles.Entry e, PredictionEvent event) {
        if (e.learningTail != null) {
            e.learningTail.add(event);
        }
    }

    /** Keeps {@code learned} as the reference being learned, written back with the windows. */
    void keepLearning(OpenProfiles.Entry e, ModelProfile learned) {
        if (e.learning != learned) {
            e.learningTail = null; // not the profile state holds: written whole
        }
        e.learning = learned;
        e.learningChanged = true;
    }

    /** The reference is frozen (or given): nothing is learned any more. */
    void clearLearning(OpenProfiles.Entry e) {
        state.learning.clear();
        state.learningChunks.clear();
        e.learningTail = null;
        e.learningBaseNames = null;
        e.learningBaseBytes = 0;
        e.learningChunkBytes = 0;
        e.learningSized(0, null);
        e.learning = null;
        e.learningKnown = true;
        e.learningChanged = false;
    }

    /** As {@link #clearLearning(OpenProfiles.Entry)} for a key that may not be cached. */
    void clearLearning(String key) {
        OpenProfiles.Entry e = open.get(key);
        if (e != null) {
            clearLearning(e);
        } else {
            state.learning.clear();
            state.learningChunks.clear();
        }
    }

    /** Removes a window from the cache and from state; null when it has none. */
    OpenWindow takeWindow(String key, long windowStart) throws Exception {
        OpenProfiles.Entry e = open.get(key);
        OpenWindow cached = e == null ? null : e.windows.remove(windowStart);
        if (cached != null) {
            if (e.windowInState(windowStart)) {
                // Else the window opened and closed between two write-backs (a backtest closes
                // many a second): there is nothing to delete, and a delete would still be written.
                state.windows.remove(windowStart);
            }
            e.changedWindows.remove(windowStart);
            e.windowGone(windowStart);
            return cached;
        }
        byte[] bytes = state.windows.get(windowStart);
        if (bytes == null) {
            return null;
        }
        state.windows.remove(windowStart);
        return OpenWindow.fromBytes(bytes);
    }

    /**
     * The start of the current key's open window that starts last (cached or in state), or
     * Long.MIN_VALUE: read once per version whose state predates {@code MonitorStatus#windowGrids}.
     */
    long newestOpenStart(String key) throws Exception {
        long newest = Long.MIN_VALUE;
        for (Long start : state.windows.keys()) {
            newest = Math.max(newest, start);
        }
        OpenProfiles.Entry cached = open.get(key);
        if (cached != null) {
            for (Long start : cached.windows.keySet()) {
                newest = Math.max(newest, start);
            }
        }
        return newest;
    }

    /** Adds the starts of the current key's open windows (in state and cached) to {@code starts}. */
    void openStarts(String key, Set<Long> starts) throws Exception {
        state.windows.keys().forEach(starts::add);
        OpenProfiles.Entry cached = open.get(key);
        if (cached != null) {
            starts.addAll(cached.windows.keySet());
        }
    }

    /** Drops the current key's cached profiles, changed or not, and its windows and learning in state. */
    void discard(String key) {
        open.remove(key);
        state.windows.clear();
        state.learning.clear();
        state.learningChunks.clear();
    }

    /** Drops the key's cache entry only. */
    void forget(String key) {
        open.remove(key);
    }
}
