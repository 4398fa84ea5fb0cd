package io.modelwatch.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * One statistic that crossed its threshold in one window; a trigger carries these.
 *
 * <p>Most entries are an <em>effect</em> (how much changed, against its floor). A
 * <em>significance</em> entry ({@link #SIGNIFICANCE_STATISTICS}: the Anderson-Darling statistic
 * of a continuous numeric feature against its critical value) accompanies the effect entry of the
 * same signal and window and says which test made the change significant. It neither orders
 * nor weighs: its value/threshold is not an effect, so "strongest first" places it right after its
 * signal's strongest effect entry, and {@code EvidenceWeight} ignores it. A segment that explains
 * a performance decay ({@code segment:<feature>=<value>}, effect {@code segment_contribution})
 * is accompanied the same way by its metric after against before ({@code segment_error_rate} or
 * {@code segment_mae}), its share of the labels ({@code segment_share}, threshold 0) and its
 * adjusted p-value against the false discovery rate ({@code segment_p_value}). A segment that
 * explains a prediction drift has the effect {@code segment_shift_contribution} (its part of the
 * shift of the mean prediction against the whole shift, so its strength is the share it explains),
 * accompanied by its mean after against before ({@code segment_mean}), its share and its p-value.
 */
public record Evidence(String signal, String statistic, double value, double threshold, String windowEnd) {
    /** Statistics whose entries accompany an effect entry of the same signal (see the class comment). */
    public static final List<String> SIGNIFICANCE_STATISTICS = List.of("anderson_darling", "segment_error_rate",
            "segment_mae", "segment_share", "segment_p_value", "segment_mean");

    /** How far past its threshold: the order "strongest first" uses. */
    public double strength() {
        return threshold > 0 ? value / threshold : value;
    }

    /** Signals of this prefix name a segment that explains another entry (a performance decay's). */
    public static final String SEGMENT_PREFIX = "segment:";

    /**
     * The order of effect entries: entries that are not segments first (a segment explains the
     * entry of its trigger's reason, so it follows it, even when its contribution, measured
     * against its own baseline, comes out larger), then strongest first, then by signal and
     * statistic.
     */
    public static final Comparator<Evidence> EFFECT_ORDER = Comparator
            .comparing((Evidence e) -> e.signal().startsWith(SEGMENT_PREFIX))
            .thenComparing(Comparator.comparingDouble(Evidence::strength).reversed())
            .thenComparing(Evidence::signal).thenComparing(Evidence::statistic);

    /** Whether this entry is a test's significance accompanying an effect entry, not an effect itself. */
    public boolean significance() {
        return SIGNIFICANCE_STATISTICS.contains(statistic);
    }

    /**
     * Effect entries sorted strongest first ({@link #EFFECT_ORDER}: segments after the rest),
     * each signal's significance entries placed right after its strongest effect entry; a significance
     * entry whose signal has no effect entry goes to the end.
     */
    public static List<Evidence> strongestFirst(Collection<Evidence> entries) {
        Comparator<Evidence> strongest = Comparator.comparingDouble(Evidence::strength).reversed()
                .thenComparing(Evidence::signal).thenComparing(Evidence::statistic);
        List<Evidence> effects = new ArrayList<>();
        List<Evidence> significance = new ArrayList<>();
        for (Evidence e : entries) {
            (e.significance() ? significance : effects).add(e);
        }
        effects.sort(EFFECT_ORDER);
        significance.sort(strongest);
        List<Evidence> out = new ArrayList<>(entries.size());
        for (Evidence e : effects) {
            boolean firstOfSignal = out.stream().noneMatch(x -> x.signal().equals(e.signal()));
            out.add(e);
            if (firstOfSignal) {
                for (Evidence s : significance) {
                    if (s.signal().equals(e.signal())) {
                        out.add(s);
                    }
                }
            }
        }
        for (Evidence s : significance) {
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }
}
