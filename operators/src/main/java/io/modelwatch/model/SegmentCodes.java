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
 *
 * <p>Numeric features are coded apart, in two more longs (16 bytes): for each of the first
 * {@link #MAX_NUMERIC_FEATURES} numeric features of the event with a finite value, in the event's
 * order, the 16-bit hash of its name ({@link #ofName}, never 0) in {@link #numericNames} and its
 * value as a bfloat16 ({@link #toBfloat16}: a float's sign, 8-bit exponent and top 7 mantissa
 * bits, rounded to nearest even, so every float's range and a relative precision of 2^-8) in the
 * same slot of {@link #numericValues}. The code carries the value, not its bin: which bin a value
 * falls in is decided where the label is applied, against bin edges the performance monitor fixed
 * once per model version ({@code io.modelwatch.labels.SegmentDictionary}), so no edge is needed
 * where the prediction is read and none can move under a prediction already coded. A value within
 * 0.4% of an edge may be counted in the bin beside it.
 */
public final class SegmentCodes {
    /** Slots in a code: four 16-bit hashes fill the long. */
    public static final int MAX_FEATURES = 4;
    public static final long NONE = 0L;
    /** Numeric slots: four 32-bit (name hash, bfloat16 value) pairs in two longs. */
    public static final int MAX_NUMERIC_FEATURES = 4;

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

    /**
     * The names half of {@code e}'s numeric code: the {@link #ofName} hash of each of its first
     * {@link #MAX_NUMERIC_FEATURES} numeric features with a finite value, one per 16-bit slot.
     */
    public static long numericNames(PredictionEvent e) {
        long code = NONE;
        int slot = 0;
        String[] names = e.featureNames();
        byte[] kinds = e.featureKinds();
        double[] values = e.numericValues();
        for (int i = 0; i < names.length && slot < MAX_NUMERIC_FEATURES; i++) {
            if (kinds[i] == ValueKind.NUMERIC && Double.isFinite(values[i])) {
                code |= (long) ofName(names[i]) << (16 * slot);
                slot++;
            }
        }
        return code;
    }

    /** The values half of {@code e}'s numeric code: the bfloat16 of each value {@link #numericNames} names. */
    public static long numericValues(PredictionEvent e) {
        long code = NONE;
        int slot = 0;
        byte[] kinds = e.featureKinds();
        double[] values = e.numericValues();
        for (int i = 0; i < kinds.length && slot < MAX_NUMERIC_FEATURES; i++) {
            if (kinds[i] == ValueKind.NUMERIC && Double.isFinite(values[i])) {
                code |= (long) toBfloat16(values[i]) << (16 * slot);
                slot++;
            }
        }
        return code;
    }

    /** The 16-bit hash of a numeric feature's name, in 1..65535 ({@link #of(String, String)} of {@code name=}). */
    public static int ofName(String name) {
        return of(name, "");
    }

    /**
     * {@code v} as a bfloat16: the top 16 bits of its float, rounded to nearest even (a finite
     * value beyond the largest bfloat16 rounds to infinity, which still orders it right).
     */
    public static int toBfloat16(double v) {
        int bits = Float.floatToIntBits((float) v);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    /** The float a bfloat16 stands for. */
    public static float fromBfloat16(int b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** The hash in slot {@code slot} of {@code code}, 0 when the slot is empty. */
    public static int slot(long code, int slot) {
        return (int) ((code >>> (16 * slot)) & 0xFFFF);
    }
}
