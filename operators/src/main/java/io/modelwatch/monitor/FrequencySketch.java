package io.modelwatch.monitor;

/**
 * How often each model version had a batch lately, approximately, in a fixed few bytes per cached
 * version: the frequency sketch of TinyLFU (Einziger, Friedman and Manes, "TinyLFU: A Highly
 * Efficient Cache Admission Policy", ACM Transactions on Storage 13(4), 2017), which
 * {@link OpenProfiles} asks whether a version not cached should take the place of the one it
 * would push out.
 *
 * <p>A count-min sketch (Cormode and Muthukrishnan, "An improved data stream summary: the
 * count-min sketch and its applications", J. Algorithms 55(1), 2005): {@link #DEPTH} rows of
 * counters, a key adds one to one counter per row (chosen by a hash of its own per row), and its
 * estimate is the least of its counters: never below its true count, above it only when other
 * keys share every one of its counters. Counters stop at {@link #MAX_COUNT} (4 bits in the paper).
 * After {@code sampleSize} additions every counter is halved (the paper's "reset"), so an
 * estimate is a frequency within the last sample or so, and a version that no longer comes fades
 * to 0 within four halvings however often it came before. Deterministic: the hashes are
 * {@link String#hashCode} mixed with fixed seeds. Not thread-safe: the task thread only.
 */
final class FrequencySketch {
    /** Rows, as in the paper and Caffeine: four hashes keep collisions in every row rare. */
    static final int DEPTH = 4;
    /**
     * A counter's ceiling: with a sample ten times the cache (below), a version coming more than
     * 15 times in a sample is as frequent as any the cache could hold; the paper's 4-bit counters.
     */
    static final int MAX_COUNT = 15;
    /**
     * Counters per row per cached version. A row of four counters per version keeps a key's
     * counters free of others in at least one row for most keys while the versions seen are up
     * to a few times the cache (1 - (1 - e^(-k/4))^4 of them for k versions per cached one: 92%
     * at k = 4, the 100,000-model bench's 50,000 versions per instance for 12,288 cached).
     */
    static final int COUNTERS_PER_VERSION = 4;
    /** The sample between two halvings, per cached version: the paper's W = 10 C. */
    static final int SAMPLE_PER_VERSION = 10;
    /** Rows of at least 1,024 counters (4 KB for the four), so that small caches see few collisions too. */
    private static final int MIN_WIDTH = 1 << 10;
    /** Rows of at most 2^21 counters (8 MB for the four): caches of over 500,000 versions share them more. */
    private static final int MAX_WIDTH = 1 << 21;
    private static final long[] SEEDS = {
        0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L};

    private final byte[] counters;
    private final int widthMask;
    private final long sampleSize;
    private long additions;

    /** A sketch for a cache of {@code capacity} versions. */
    FrequencySketch(int capacity) {
        long wanted = Math.max(MIN_WIDTH, (long) capacity * COUNTERS_PER_VERSION);
        int width = (int) Math.min(MAX_WIDTH, Long.highestOneBit(wanted - 1) << 1);
        this.counters = new byte[DEPTH * width];
        this.widthMask = width - 1;
        this.sampleSize = Math.max(1L, (long) capacity * SAMPLE_PER_VERSION);
    }

    /** Counts one more access of {@code key}; halves every counter once a sample is complete. */
    void increment(String key) {
        int h = key.hashCode();
        for (int row = 0; row < DEPTH; row++) {
            int i = index(h, row);
            if (counters[i] < MAX_COUNT) {
                counters[i]++;
            }
        }
        if (++additions >= sampleSize) {
            halve();
        }
    }

    /** The estimated accesses of {@code key} in about the last sample: at least its true count. */
    int frequency(String key) {
        int h = key.hashCode();
        int min = MAX_COUNT;
        for (int row = 0; row < DEPTH; row++) {
            min = Math.min(min, counters[index(h, row)]);
        }
        return min;
    }

    private void halve() {
        for (int i = 0; i < counters.length; i++) {
            counters[i] >>= 1;
        }
        additions = 0;
    }

    /** The counter of the key with hash {@code h} in {@code row}: its row's seed, mixed as MurmurHash3's finaliser. */
    private int index(int h, int row) {
        long x = (h + SEEDS[row]) * SEEDS[(row + 1) % DEPTH];
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        return row * (widthMask + 1) + ((int) x & widthMask);
    }
}
