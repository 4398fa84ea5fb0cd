package io.modelwatch.batching;

import java.io.DataInput;
import java.io.IOException;

/**
 * Decodes strings written by Flink's {@code StringValue.writeString} (the same bytes, the same
 * strings as {@code StringValue.readString}), returning the {@code String} object of an equal
 * string decoded before when the table still holds it. Feature names and category values repeat
 * in every batch; a shared object has its hash computed once (a {@code String} caches it) and
 * compares equal to itself at the first check, where a fresh one hashes and compares char by char
 * in every hash map the monitor looks it up in ({@link PredictionBatchSerializer}).
 *
 * <p>The table is direct-mapped by the string's hash, {@value #SLOTS} slots, and only strings of
 * at most {@value #MAX_SHARED_LENGTH} chars go in: its memory is bounded whatever the traffic, and
 * a high-cardinality feature only replaces entries (a miss costs what decoding did before, plus a
 * comparison). One table per thread, since the serializer is shared by the task threads. Not a
 * cache of anything that can go stale: a string is immutable and equal to what the bytes say.
 */
final class SharedStrings {
    /** Enough for the names and categories of the models of a task (a power of two). */
    static final int SLOTS = 4096;
    /** Longer strings (ids, free text) are decoded as they are and not kept. */
    static final int MAX_SHARED_LENGTH = 64;
    /** The decoding buffer is kept up to this many chars (8 KB) between strings. */
    private static final int LARGEST_KEPT_BUFFER = 4096;
    private static final ThreadLocal<SharedStrings> OF_THREAD = ThreadLocal.withInitial(SharedStrings::new);

    private final String[] table = new String[SLOTS];
    private char[] chars = new char[MAX_SHARED_LENGTH];

    static SharedStrings ofThread() {
        return OF_THREAD.get();
    }

    /** The next string of {@code in}, or null where a null was written. */
    String read(DataInput in) throws IOException {
        // Format of StringValue.writeString: the length plus one (0: null), then each char, both
        // 7 bits per byte with the high bit set on all but the last byte.
        int len = WireStrings.readVarInt(in);
        if (len == 0) {
            return null;
        }
        len -= 1;
        if (len > chars.length) {
            chars = new char[len];
        }
        char[] data = chars;
        int hash = 0;
        for (int i = 0; i < len; i++) {
            int c = WireStrings.readVarInt(in);
            data[i] = (char) c;
            hash = 31 * hash + (char) c;
        }
        if (len > MAX_SHARED_LENGTH) {
            if (chars.length > LARGEST_KEPT_BUFFER) {
                chars = new char[MAX_SHARED_LENGTH]; // a very long string's buffer does not stay
            }
            return new String(data, 0, len);
        }
        // String.hashCode's value, spread as HashMap does, picks the slot.
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        String s = table[slot];
        if (s != null && equal(s, data, len)) {
            return s;
        }
        s = new String(data, 0, len);
        table[slot] = s;
        return s;
    }

    private static boolean equal(String s, char[] data, int len) {
        if (s.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (s.charAt(i) != data[i]) {
                return false;
            }
        }
        return true;
    }
}
