package io.modelwatch.detect;

/**
 * When a finding is CRITICAL rather than a warning: its effect is at least
 * {@link #CRITICAL_RATIO} times the threshold it is shown against. One rule for data quality
 * ({@link WindowVerdict}) and performance decay ({@link PerformanceDecay}); drift uses the PSI bands
 * ({@code psi.critical}), whose defaults 0.25 / 0.1 have the same ratio.
 */
public final class Severity {
    /** The ratio of the PSI bands' defaults (0.25 / 0.1): a finding that far past its floor is critical. */
    public static final double CRITICAL_RATIO = 2.5;

    private Severity() {}

    /**
     * How far an effect lies past its threshold, as {@code Evidence.strength()} reads it: {@code
     * value / threshold}, or the value itself when there is no positive threshold.
     */
    public static double strength(double value, double threshold) {
        return threshold > 0 ? value / threshold : value;
    }

    public static boolean critical(double value, double threshold) {
        return strength(value, threshold) >= CRITICAL_RATIO;
    }
}
