package io.modelwatch.model;

/**
 * The segment code of a prediction: which segments ({@code feature=value}) it belongs to, packed
 * in one {@code long} so that it costs 8 bytes per prediction waiting for its label.
 *
 * <p>The code holds up to {@link #MAX_FEATURES} 16-bit slots, one for each of the first four
 * categorical features of the event (in the event's order) that have a value; a slot is a hash of
 * {@code name=value} ({@link #of(String, String)}), never 0 (0 is an empty slot, and a code of 0 is
 * "no segments": every prediction kept before segments existed). The code is computed where the
 * prediction is read, without any per-model state; the performance monitor names a slot's hash
 * by hashing the top categories its reports list (the dictionary,
 * {@code io.modelwatch.labels.SegmentDictionary}). Two values of the coded features that share a
 * hash count as one segment: with 65,535 hashes a named segment takes in another value's
 * predictions with a chance of about (other values of the four features) / 65,535, negligible for
 * the low-cardinality features that segments are about (region, device, plan), not for an id.
 */
public final class SegmentCodes {
    /** Slots in a code: four 16-bit hashes fill the long. */
    public static final int MAX_FEATURES = 4;
    public static final long NONE = 0L;

    private SegmentCodes() {}

    /** The code of {@code e}: its first {@link #MAX_FEATURES} categorical features with a value. */
    public static long of(PredictionEvent e) {
        long code = NONE;
        int slot = 0;
        String[] names = e.featureNames();
        byte[] kinds = e.featureKinds();
        String[] values = e.categoricalValues();
        for (int i = 0; i < names.length && slot < MAX_FEATURES; i++) {
            if (kinds[i] == ValueKind.CATEGORICAL && values[i] != null) {
                code |= (long) of(names[i], values[i]) << (16 * slot);
                slot++;
            }
        }
        return code;
    }

    /**
     * The 16-bit hash of the segment {@code name=value}, in 1..65535: Java's specified
     * {@link String#hashCode()} (the same in every JVM, so in every run and restore), mixed by
     * MurmurHash3's 32-bit finaliser so that its low bits depend on every character.
     */
    public static int of(String name, String value) {
        // (name + "=" + value).hashCode() without building the string: the polynomial hash of a
        // concatenation is the first part's times 31^(length of the rest) plus the rest's, and
        // both parts' hashes are cached in their strings.
        int h = name.hashCode() * 31 + '=';
        int power = 1;
        for (int i = 0; i < value.length(); i++) {
            power *= 31;
        }
        h = h * power + value.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        int folded = (h ^ (h >>> 16)) & 0xFFFF;
        return folded == 0 ? 1 : folded;
    }

    /** The hash in slot {@code slot} of {@code code}, 0 when the slot is empty. */
    public static int slot(long code, int slot) {
        return (int) ((code >>> (16 * slot)) & 0xFFFF);
    }
}
