package io.modelwatch.model;

/** How a feature value or prediction arrived. Kept as bytes so events stay compact on the wire. */
public final class ValueKind {
    /** {@code null} or absent. */
    public static final byte MISSING = 0;
    /** A JSON number. */
    public static final byte NUMERIC = 1;
    /** A JSON string or boolean (booleans are carried as "true"/"false"). */
    public static final byte CATEGORICAL = 2;
    /** NaN or +/-Infinity (as Python's json module writes them): a data-quality finding, not a value. */
    public static final byte NON_FINITE = 3;

    private ValueKind() {}

    public static String name(byte kind) {
        return switch (kind) {
            case MISSING -> "MISSING";
            case NUMERIC -> "NUMERIC";
            case CATEGORICAL -> "CATEGORICAL";
            case NON_FINITE -> "NON_FINITE";
            default -> "UNKNOWN(" + kind + ")";
        };
    }
}
