package io.modelwatch.config;

import java.io.Serializable;
import java.time.Duration;

/**
 * Every setting that decides what the monitor calls drift, resolved for one model. The defaults
 * and why they are what they are (docs/detection.md, "Defaults and their reasons", has the long
 * form). None is fitted to the evaluation suite's generator; each follows from a sampling
 * argument or a published convention, so they hold on traffic nobody has seen yet.
 *
 * <p>A window <em>flags</em> a feature (or the prediction) when both hold: its two-sample test
 * survives the Benjamini-Hochberg procedure at {@code falseDiscoveryRate} across all of the
 * model's tests in that window (significance: the change is not sampling noise), and its effect
 * size reaches the floor for its type (relevance: the change is big enough to matter, which a
 * test on a huge window alone cannot tell). {@code escalationWindows} flagged windows within
 * {@code escalationWithin} make a trigger.
 *
 * <ul>
 *   <li>{@code referenceEvents = 5000}: the reference is one of the two samples of every test,
 *       so its size bounds the sensitivity: the Kolmogorov-Smirnov critical distance
 *       {@code c sqrt(1/n + 1/m)} cannot fall below {@code c sqrt(1/5000) = 0.027} at
 *       {@code c = 1.95} however large the window. A 0.3 standard deviation shift of a normal
 *       moves the CDF by 0.12, four times that. A model at 10 events/s completes its reference in
 *       under 10 minutes.
 *   <li>{@code minWindowEvents = 1000}: windows with fewer events are merged with the next until
 *       they have this many. With n = 5000 and m = 1000 the KS critical distance at the 0.001
 *       level is about 0.068 (plus the reference sketch's rank error), so a 0.3 standard
 *       deviation shift (0.12) is found in a single window with high probability, while a
 *       window of a few hundred events could not separate it from noise.
 *   <li>{@code numericBins = 10}, {@code categoryBins = 20}: deciles are the customary PSI bins
 *       (Siddiqi 2006); the KS and Wasserstein statistics use a finer grid of at least 50
 *       quantile bins (FeatureReference.MIN_GRID_BINS). Twenty categories plus OTHER cover the
 *       mass of most real categorical features; the rest is one bin, so a feature with hundreds
 *       of categories is tested with 20 degrees of freedom, not hundreds of noisy ones.
 *   <li>{@code psiWarning = 0.1}, {@code psiCritical = 0.25}: the conventional PSI bands (Siddiqi,
 *       Credit Risk Scorecards, 2006). PSI is reported for every feature because users know it;
 *       it no longer decides whether a window drifts (its sampling noise grows with the number of
 *       bins and shrinks with the window, so a fixed PSI cut-off is too strict for small windows
 *       and too lax for large ones). A flagged feature whose PSI reaches {@code psiCritical}
 *       makes the signal CRITICAL.
 *   <li>{@code falseDiscoveryRate = 0.001}: the tests of one window (every feature's
 *       distribution and missing rate, and the prediction) form one family, adjusted by
 *       Benjamini-Hochberg. On a stationary model every null hypothesis is true and the FDR
 *       equals the chance that a window flags anything at all, so at most 1 window in 1000; a
 *       trigger needs 3 flagged windows in 10. Windows share their reference, so their flags are
 *       correlated; the expected time to a false trigger is measured with that correlation by
 *       simulation (bin/false-alarms, docs/detection.md "False triggers as a run time").
 *   <li>{@code minNumericShift = minCategoryShift = minMissingRateChange = 0.05}: the three effect
 *       sizes measure the same thing, the largest change in the probability of one event: of
 *       {@code X <= x} for some threshold {@code x} (the Kolmogorov-Smirnov distance, less the
 *       reference sketch's rank error), of {@code X = c} for some category {@code c} (L-infinity
 *       distance of the shares, OTHER included), and of "X is missing". The floor asks that at
 *       least 5% of the traffic changed sides of some line. For a normal feature that is a mean
 *       shift of 0.125 standard deviations (the KS distance of a shift of {@code d} sd is
 *       {@code 2 Phi(d/2) - 1 ~ 0.4 d}) or a change of its spread by a factor 1.23 (or 0.81), between the two
 *       conventions for a negligible shift: Evidently's 0.1 sd (its normed Wasserstein
 *       threshold) and half of Cohen's (1988) "small" standardised difference (0.2 sd, KS 0.08).
 *       Being about probabilities rather than values, it means the same for heavy-tailed,
 *       discrete and categorical features, and a trivial shift stays trivial however many events
 *       show it.
 *   <li>{@code sequentialAllowance = 0.035}, {@code sequentialThreshold = 0.1}: CUSUM and
 *       Page-Hinkley detectors (SequentialMonitor) watch each numeric feature's and the
 *       prediction's window PIT shift {@code u} (mean of the reference CDF over the window, minus
 *       1/2; 0.28 d for a normal mean shift of d sd). The allowance is the PIT shift of a 0.125 sd
 *       shift, the same size as the 0.05 effect floor, so changes the floor calls trivial never
 *       accumulate; it is 3.8 standard errors of a 1000-event window ({@code 1/sqrt(12 m)} =
 *       0.009) and 9 of the reference's own ({@code 1/sqrt(12 n)} = 0.004), so neither window
 *       noise nor the reference's sampling error accumulates either (Siegmund's approximation puts
 *       the false-alarm run length at about {@code exp(2 * 0.031 * 0.1 / 0.009^2)}, astronomically
 *       many windows). With a smaller reference CUSUM's allowance rises to 4 of the reference's
 *       standard errors ({@code SequentialMonitor.cusumAllowance}). The threshold makes a shift
 *       twice the floor (a 0.25 sd mean shift) alarm in its third window, in step with the
 *       escalation. 0 turns the detectors off.
 *   <li>{@code escalationWindows = 3} within {@code 10m}: one drifted window can be a burst or a
 *       batch job; three in ten one-minute windows is a sustained change, and is still reported
 *       within minutes. It also multiplies the false-alarm protection above (a cube, not a
 *       product with one window's rate).
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
 *   <li>{@code escalationWeighted = true} (thresholds key {@code escalation.weighted}): a window
 *       whose evidence is overwhelming counts for more than one of the {@code escalationWindows}
 *       (io.modelwatch.escalation.EvidenceWeight: w times when its p-value is at most
 *       {@code alpha^w} and its effect w times its threshold, which keeps the chance of a false
 *       w-fold window at that of w false flagged windows), so a strong shift triggers on its first
 *       window. {@code false}: every window counts once, whatever its evidence.
 *   <li>{@code scoreThreshold = 0.5} (thresholds key {@code performance.threshold}): the decision
 *       threshold of a score model (positive when score >= it), at which its performance is
 *       estimated from the scores (docs/quality.md, estimated performance). 0.5 is where a
 *       calibrated score's expected accuracy is highest; a model that acts at another cut-off
 *       states it here.
 *   <li>{@code estimatedDecaySignal = false} (thresholds key {@code performance.estimatedDecay}):
 *       whether a significant fall of the accuracy estimated from the scores is an
 *       ESTIMATED_PERFORMANCE_DECAY signal to the escalation. The estimate is reported either way.
 *       Off by default because the scores that move enough to lower it also make PREDICTION_DRIFT,
 *       so every model would get two triggers for one cause; on for models whose labels come late
 *       or never, where the estimate is the only performance signal before they do.
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
        double falseDiscoveryRate,
        double minNumericShift,
        double minCategoryShift,
        double minMissingRateChange,
        double sequentialAllowance,
        double sequentialThreshold,
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
        Duration expireAfter,
        boolean escalationWeighted,
        double scoreThreshold,
        boolean estimatedDecaySignal) implements Serializable {

    /** The default of {@link #scoreThreshold}. */
    public static final double DEFAULT_SCORE_THRESHOLD = 0.5;

    /** Everything before {@code performance.threshold} and {@code performance.estimatedDecay}: their defaults. */
    public Thresholds(int referenceEvents, Duration windowSize, int minWindowEvents, int numericBins,
            int categoryBins, double psiWarning, double psiCritical, double falseDiscoveryRate, double minNumericShift,
            double minCategoryShift, double minMissingRateChange, double sequentialAllowance,
            double sequentialThreshold, int escalationWindows, Duration escalationWithin, Duration cooldown,
            double missingRateIncrease, double badValueRate, double qualityPValue, double volumeChange, double lateRate,
            Duration silenceAfter, Duration labelHorizon, int minLabels, int referenceLabels, double accuracyDrop,
            double errorIncrease, Duration expireAfter, boolean escalationWeighted) {
        this(referenceEvents, windowSize, minWindowEvents, numericBins, categoryBins, psiWarning, psiCritical,
                falseDiscoveryRate, minNumericShift, minCategoryShift, minMissingRateChange, sequentialAllowance,
                sequentialThreshold, escalationWindows, escalationWithin, cooldown, missingRateIncrease, badValueRate,
                qualityPValue, volumeChange, lateRate, silenceAfter, labelHorizon, minLabels, referenceLabels,
                accuracyDrop, errorIncrease, expireAfter, escalationWeighted, DEFAULT_SCORE_THRESHOLD, false);
    }

    /** The default of {@link #expireAfter}. */
    public static final Duration DEFAULT_EXPIRE_AFTER = Duration.ofDays(7);

    /** Drift and escalation settings: quality, performance and lifecycle take their defaults. */
    public Thresholds(int referenceEvents, Duration windowSize, int minWindowEvents, int numericBins,
            int categoryBins, double psiWarning, double psiCritical, double falseDiscoveryRate, double minNumericShift,
            double minCategoryShift, double minMissingRateChange, double sequentialAllowance,
            double sequentialThreshold, int escalationWindows, Duration escalationWithin, Duration cooldown) {
        this(referenceEvents, windowSize, minWindowEvents, numericBins, categoryBins, psiWarning, psiCritical,
                falseDiscoveryRate, minNumericShift, minCategoryShift, minMissingRateChange, sequentialAllowance,
                sequentialThreshold, escalationWindows, escalationWithin, cooldown, 0.05, 0.01, 1e-6, 10.0, 0.05,
                Duration.ofMinutes(30), Duration.ofHours(24), 200, 1000, 0.05, 0.2, DEFAULT_EXPIRE_AFTER, true);
    }

    /** The first release's settings: everything added since takes its default. */
    public Thresholds(int referenceEvents, Duration windowSize, int minWindowEvents, int numericBins,
            int categoryBins, double psiWarning, double psiCritical, int escalationWindows,
            Duration escalationWithin, Duration cooldown) {
        this(referenceEvents, windowSize, minWindowEvents, numericBins, categoryBins, psiWarning, psiCritical, 0.001,
                0.05, 0.05, 0.05, 0.035, 0.1, escalationWindows, escalationWithin, cooldown);
    }

    public static Thresholds defaults() {
        return new Thresholds(5000, Duration.ofMinutes(1), 1000, 10, 20, 0.1, 0.25, 0.001, 0.05, 0.05, 0.05, 0.035, 0.1, 3,
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
        require(falseDiscoveryRate > 0 && falseDiscoveryRate < 1, prefix + "drift.fdr", "must be in (0, 1)");
        require(minNumericShift >= 0 && minNumericShift <= 1, prefix + "drift.effect.numeric", "must be 0..1");
        require(minCategoryShift >= 0 && minCategoryShift <= 1, prefix + "drift.effect.categorical", "must be 0..1");
        require(minMissingRateChange >= 0 && minMissingRateChange <= 1, prefix + "drift.effect.missingRate",
                "must be 0..1");
        require(sequentialAllowance >= 0 && sequentialAllowance < 0.5, prefix + "drift.sequential.allowance",
                "must be 0..0.5");
        require(sequentialThreshold >= 0, prefix + "drift.sequential.threshold", "must be >= 0 (0 turns them off)");
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
        require(scoreThreshold > 0 && scoreThreshold < 1, prefix + "performance.threshold", "must be in (0, 1)");
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
