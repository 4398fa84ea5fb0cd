package io.modelwatch.monitor;

import io.modelwatch.stats.profiles.ModelProfile;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The open windows and the reference being learned of each version, as objects in the heap
 * cache ({@link OpenProfiles}) in front of keyed state ("windows", "learning"): reads go through
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
     * version's changes under its own key.
     */
    OpenProfiles.Entry entry(String key) throws Exception {
        Map<String, OpenProfiles.Entry> evicted = new HashMap<>(2);
        OpenProfiles.Entry e = open.getOrCreate(key, evicted);
        for (Map.Entry<String, OpenProfiles.Entry> out : evicted.entrySet()) {
            keyScope.run(out.getKey(), () -> write(out.getValue()));
        }
        return e;
    }

    /** After a batch: without a key scope nothing is kept between batches. */
    void batchDone(String key, OpenProfiles.Entry e) throws Exception {
        if (keyScope == null) {
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
            byte[] bytes = e.windows.get(start).toBytes();
            state.windows.put(start, bytes);
            e.windowSized(start, bytes.length);
        }
        if (e.learningChanged) {
            byte[] bytes = e.learning.toBytes();
            state.learning.update(bytes);
            e.learningSized(bytes.length);
        }
        e.written();
    }

    /** The window starting at {@code start} from state, sized into the entry, or null when it has none. */
    ModelProfile readWindow(OpenProfiles.Entry e, long start) throws Exception {
        byte[] bytes = state.windows.get(start);
        if (bytes == null) {
            return null;
        }
        e.windowSized(start, bytes.length);
        return ModelProfile.fromBytes(bytes);
    }

    /** The reference being learned (cached, else from state), or null. */
    ModelProfile learning(OpenProfiles.Entry e) throws Exception {
        if (!e.learningKnown) {
            byte[] bytes = state.learning.value();
            e.learning = bytes == null ? null : ModelProfile.fromBytes(bytes);
            e.learningSized(bytes == null ? 0 : bytes.length);
            e.learningKnown = true;
        }
        return e.learning;
    }

    /** The reference being learned for a key that may not be cached (a timer's), or null. */
    ModelProfile learningOf(String key) throws Exception {
        OpenProfiles.Entry e = open.get(key);
        if (e != null) {
            return learning(e);
        }
        byte[] bytes = state.learning.value();
        return bytes == null ? null : ModelProfile.fromBytes(bytes);
    }

    /** Keeps {@code learned} as the reference being learned, written back with the windows. */
    void keepLearning(OpenProfiles.Entry e, ModelProfile learned) {
        e.learning = learned;
        e.learningChanged = true;
    }

    /** The reference is frozen (or given): nothing is learned any more. */
    void clearLearning(OpenProfiles.Entry e) {
        state.learning.clear();
        e.learningSized(0);
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
        }
    }

    /** Removes a window from the cache and from state; null when it has none. */
    ModelProfile takeWindow(String key, long windowStart) throws Exception {
        OpenProfiles.Entry e = open.get(key);
        ModelProfile cached = e == null ? null : e.windows.remove(windowStart);
        if (cached != null) {
            e.changedWindows.remove(windowStart);
            e.windowGone(windowStart);
            state.windows.remove(windowStart);
            return cached;
        }
        byte[] bytes = state.windows.get(windowStart);
        if (bytes == null) {
            return null;
        }
        state.windows.remove(windowStart);
        return ModelProfile.fromBytes(bytes);
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
    }

    /** Drops the key's cache entry only. */
    void forget(String key) {
        open.remove(key);
    }
}
