package io.modelwatch.monitor;

/**
 * How many model versions, and how much heap, one monitor instance's cache of open profiles
 * ({@link OpenProfiles}) may hold between checkpoints.
 *
 * <p>By default the cache is sized from the heap the instance has: a TaskManager's heap
 * ({@code Runtime.maxMemory()}) is shared by its slots, and each slot runs one monitor instance
 * beside one instance of every other operator, so an instance gets {@link #HEAP_FRACTION} of its
 * slot's share. The cache weighs each profile as an upper bound of its heap
 * ({@link OpenProfiles#heapWeight}), and bounds their sum by that share; and since a version's
 * profiles are weighed only once read or written (a window opened since the last checkpoint
 * weighs nothing yet), the versions are also bounded by what the smallest entry takes
 * ({@link #MIN_HEAP_BYTES_PER_VERSION}), so that a cache full of fresh versions fits the share
 * too. With many small versions the count binds, with large profiles (hundreds of features or
 * categories, thousands of events) the heap. The figures were measured
 * ({@code OpenProfileHeapWeight}, docs/benchmarks.md).
 *
 * <p>{@code run --open-profiles N} gives the versions instead, with
 * {@link #BYTES_PER_EXPLICIT_VERSION} of heap each on average.
 *
 * @param versions at most this many versions cached
 * @param bytes at most this much heap, as the cache weighs it
 */
record OpenProfileSizing(int versions, long bytes) {
    /** {@code openProfiles} that asks for the cache to be sized from the heap: the default. */
    static final int FROM_HEAP = 0;
    /**
     * The part of a slot's heap the cache may take. The rest is for the other operators of the
     * slot (the Kafka clients' buffers, the batcher, the reports in flight), Flink's own objects,
     * the events a reference learns between two checkpoints (kept as objects until written as a
     * chunk), what the cached profiles grow by between two checkpoints, which the cache's weight
     * does not see, and the garbage collector's headroom.
     */
    static final double HEAP_FRACTION = 0.25;
    /**
     * The heap of the smallest cached version: a new version of 25 features after its first event,
     * which is in the reference being learned and in its window, each a profile of one event (14
     * KB as objects, {@code OpenProfileHeapWeight}), with the entry's maps, rounded up.
     */
    static final long MIN_HEAP_BYTES_PER_VERSION = 32L << 10;
    /**
     * Heap per version, as weighed, when the versions are given ({@code --open-profiles}): the 64 KB
     * of serialised profile per version that bounded the cache before it was weighed by heap, at
     * twice its serialised size.
     */
    static final long BYTES_PER_EXPLICIT_VERSION = 128L << 10;

    OpenProfileSizing {
        if (versions < 1 || bytes < 1) {
            throw new IllegalArgumentException("versions and bytes must be >= 1, were " + versions + ", " + bytes);
        }
    }

    /**
     * @param openProfiles the versions given ({@code --open-profiles}), or {@link #FROM_HEAP}
     * @param maxHeap the TaskManager's heap, {@code Runtime.maxMemory()}
     * @param slots the TaskManager's slots, each with its own monitor instance
     */
    static OpenProfileSizing of(int openProfiles, long maxHeap, int slots) {
        if (openProfiles < 0) {
            throw new IllegalArgumentException("openProfiles must be >= 1 (or 0: sized from the heap), was "
                    + openProfiles);
        }
        if (openProfiles != FROM_HEAP) {
            return new OpenProfileSizing(openProfiles, openProfiles * BYTES_PER_EXPLICIT_VERSION);
        }
        if (maxHeap < 1 || slots < 1) {
            throw new IllegalArgumentException("maxHeap and slots must be >= 1, were " + maxHeap + ", " + slots);
        }
        double share = maxHeap / (double) slots * HEAP_FRACTION;
        long versions = Math.max(1, (long) (share / MIN_HEAP_BYTES_PER_VERSION));
        long bytes = Math.max(1, (long) share);
        return new OpenProfileSizing((int) Math.min(Integer.MAX_VALUE, versions), bytes);
    }

    @Override
    public String toString() {
        return versions + " versions, " + (bytes >> 20) + " MB of heap as weighed";
    }
}
