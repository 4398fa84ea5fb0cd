package io.modelwatch.config;

import java.io.Serializable;
import java.time.Duration;

/**
 * Every setting that decides what the monitor calls drift, resolved for one model. The defaults
 * and why they are what they are: docs/detection.md ("Defaults and their reasons"); in short:
 *
 * <ul>
 *   <li>{@code referenceEvents = 5000}: with 10 decile bins the reference proportion of a bin has
 *       a standard error of sqrt(0.1*0.9/5000) = 0.4 percentage points, small against the 10 point
 *       bins, and a model at 10 events/s completes its reference in under 10 minutes.
 *   <li>{@code minWindowEvents = 1000}: under no change PSI is approximately
 *       (1/N + 1/M) * chi-square(B-1) (N reference, M window events, B bins). With N=5000, M=1000
 *       and up to 21 bins the chance that PSI reaches 0.1 by sampling noise alone is below 1e-8
 *       per feature and window, so false drift comes from real change, not small samples.
 *   <li>{@code psiWarning = 0.1}, {@code psiCritical = 0.25}: the conventional PSI bands (Siddiqi,
 *       Credit Risk Scorecards, 2006): below 0.1 no meaningful shift, 0.1-0.25 a moderate shift
 *       worth action, above 0.25 a major shift.
 *   <li>{@code escalationWindows = 3} within {@code 10m}: one drifted window can be a burst or a
 *       batch job; three in ten one-minute windows is a sustained change, and is still reported
 *       within minutes.
 *   <li>{@code cooldown = 24h}: one drift gives one trigger. A retraining pipeline takes hours; a
 *       retrained model arrives as a new version (a new key, with its own escalation). Within the
 *       cooldown only an escalation from WARNING to CRITICAL fires again.
 *   <li>Data quality (docs/quality.md): a finding needs both an effect floor and a p-value below
 *       {@code qualityPValue = 1e-6} against the rate the reference explains, so with ~100 checks
 *       per window a stable model sees a false finding about once in 10,000 windows, and the
 *       escalation's 3-of-10 requirement makes a false trigger practically impossible.
 *       {@code missingRateIncrease = 0.05}: five more values in a hundred missing is worth a look
 *       at the pipeline. {@code badValueRate = 0.01}: one value in a hundred of the wrong type,
 *       NaN/Infinity, outside the reference range or a never-seen category.
 *       {@code volumeChange = 10}: only an order-of-magnitude change of the event rate counts,
 *       because traffic has daily and weekly cycles that a short reference cannot know.
 *       {@code lateRate = 0.05}: one event in twenty behind the watermark means producers lag
 *       more than the 30 s the watermark allows. {@code silenceAfter = 30m}: long enough for
 *       quiet hours of a busy model, short enough to notice a broken producer the same hour.
 *   <li>Performance (docs/quality.md): {@code labelHorizon = 24h}: ground truth that takes longer
 *       than a day (fraud chargebacks) needs a longer horizon, at the cost of state per pending
 *       prediction. {@code referenceLabels = 1000} labelled predictions set the baseline
 *       (accuracy to within about 1.5 points at 90%); windows are judged from
 *       {@code minLabels = 200} labels; {@code accuracyDrop = 0.05} (5 points more errors) or
 *       {@code errorIncrease = 0.2} (MAE 20% up) with p below {@code quality.pValue} is decay.
 *   <li>{@code expireAfter = 7d} (thresholds key {@code lifecycle.expireAfter}): a model version
 *       that has sent nothing for this long (event time) is forgotten: its reference, windows
 *       and escalation state are deleted, so state does not grow without bound as versions roll
 *       over. A week outlasts weekends, holidays of weekly batch scorers and most outages of a
 *       producer; a version that comes back after that starts a new reference, as a new version
 *       would. Must be at least {@code escalation.within}, so a pause never cuts an escalation.
 * </ul>
 */
public record Thresholds(
        int referenceEvents,
        Duration windowSize,
        int minWindowEvents,
        int numericBins,
        int categoryBins,
        double psiWarning,
        double psiCritical,
        int escalationWindows,
        Duration escalationWithin,
        Duration cooldown,
        double missingRateIncrease,
        double badValueRate,
        double qualityPValue,
        double volumeChange,
        double lateRate,
        Duration silenceAfter,
        Duration labelHorizon,
        int minLabels,
        int referenceLabels,
        double accuracyDrop,
        double errorIncrease,
        Duration expireAfter) implements Serializable {

    /** The default of {@link #expireAfter}. */
    public static final Duration DEFAULT_EXPIRE_AFTER = Duration.ofDays(7);

    /** Drift settings only: quality, performance and lifecycle take their defaults. */
    public Thresholds(int referenceEvents, Duration windowSize, int minWindowEvents, int numericBins,
            int categoryBins, double psiWarning, double psiCritical, int escalationWindows,
            Duration escalationWithin, Duration cooldown) {
        this(referenceEvents, windowSize, minWindowEvents, numericBins, categoryBins, psiWarning, psiCritical,
                escalationWindows, escalationWithin, cooldown, 0.05, 0.01, 1e-6, 10.0, 0.05, Duration.ofMinutes(30),
                Duration.ofHours(24), 200, 1000, 0.05, 0.2, DEFAULT_EXPIRE_AFTER);
    }

    public static Thresholds defaults() {
        return new Thresholds(5000, Duration.ofMinutes(1), 1000, 10, 20, 0.1, 0.25, 3,
                Duration.ofMinutes(10), Duration.ofHours(24));
    }

    /** Checks ranges; the message names the key as it is written in the thresholds file. */
    public Thresholds validate(String prefix) {
        require(referenceEvents >= 100, prefix + "reference.events", "must be at least 100");
        require(!windowSize.isNegative() && windowSize.toMillis() >= 1000, prefix + "window.size",
                "must be at least 1s");
        require(minWindowEvents >= 1, prefix + "window.minEvents", "must be at least 1");
        require(numericBins >= 2 && numericBins <= 100, prefix + "drift.numericBins", "must be 2..100");
        require(categoryBins >= 1 && categoryBins <= 200, prefix + "drift.categoryBins", "must be 1..200");
        require(psiWarning > 0, prefix + "drift.psi.warning", "must be > 0");
        require(psiCritical >= psiWarning, prefix + "drift.psi.critical", "must be >= drift.psi.warning");
        require(escalationWindows >= 1, prefix + "escalation.windows", "must be at least 1");
        require(escalationWithin.toMillis() >= windowSize.toMillis(), prefix + "escalation.within",
                "must be at least window.size");
        require(!cooldown.isNegative(), prefix + "escalation.cooldown", "must not be negative");
        require(missingRateIncrease > 0 && missingRateIncrease <= 1, prefix + "quality.missingRateIncrease", "must be in (0, 1]");
        require(badValueRate > 0 && badValueRate <= 1, prefix + "quality.badValueRate", "must be in (0, 1]");
        require(qualityPValue > 0 && qualityPValue < 1, prefix + "quality.pValue", "must be in (0, 1)");
        require(volumeChange > 1, prefix + "quality.volumeChange", "must be > 1");
        require(lateRate > 0 && lateRate <= 1, prefix + "quality.lateRate", "must be in (0, 1]");
        require(silenceAfter.toMillis() >= windowSize.toMillis(), prefix + "quality.silenceAfter",
                "must be at least window.size");
        require(labelHorizon.toMillis() >= windowSize.toMillis(), prefix + "performance.labelHorizon",
                "must be at least window.size");
        require(minLabels >= 10, prefix + "performance.minLabels", "must be at least 10");
        require(referenceLabels >= minLabels, prefix + "performance.referenceLabels", "must be at least minLabels");
        require(accuracyDrop > 0 && accuracyDrop < 1, prefix + "performance.accuracyDrop", "must be in (0, 1)");
        require(errorIncrease > 0, prefix + "performance.errorIncrease", "must be > 0");
        require(expireAfter.compareTo(escalationWithin) >= 0, prefix + "lifecycle.expireAfter",
                "must be at least escalation.within");
        require(expireAfter.compareTo(Duration.ofDays(3650)) <= 0, prefix + "lifecycle.expireAfter",
                "must be at most 3650d");
        return this;
    }

    private static void require(boolean ok, String key, String message) {
        if (!ok) {
            throw new ConfigException(key + ": " + message);
        }
    }
}
