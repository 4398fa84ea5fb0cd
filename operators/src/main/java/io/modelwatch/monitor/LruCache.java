package io.modelwatch.monitor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A heap cache of at most {@code capacity} entries that drops the least recently used one. The
 * functions keep derived objects here (parsed references, live thresholds, reports awaiting their
 * revision) next to the keyed state that stays the source of truth: a miss reads the state.
 */
public final class LruCache<K, V> extends LinkedHashMap<K, V> {
    private final int capacity;

    public LruCache(int capacity) {
        super(256, 0.75f, true);
        this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
    }
}
