package io.modelwatch.evaluation;

import io.modelwatch.evaluation.Populations.Change;
import io.modelwatch.evaluation.Populations.Customer;
import io.modelwatch.model.RetrainTrigger;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * One labelled scenario: a population, its traffic, and either no change (stationary: every
 * trigger is false) or a change at a known event time (drift: the first trigger of the expected
 * reason after it is the detection, anything else is false).
 *
 * @param eventsPerMinute traffic of the model; windows are one minute (the default)
 * @param outOfOrder events arrive up to 20 s out of order, and 1% more than 45 s late (behind
 *     the watermark: counted as late, not profiled)
 * @param culprit the signal that changed, which a detection's evidence must name first
 * @param reason the trigger reason that counts as detection
 * @param alsoExpected further reasons that are true, not false, triggers (a feature change that
 *     moves the model's scores is also prediction drift)
 * @param rampMinutes 0 for an abrupt change, else the minutes over which it grows to full size
 * @param goal what docs/detection.md promises for this scenario
 * @param profiledReference events of unchanged traffic to build the model's reference from, as
 *     {@code modelwatch profile} does from training data, handed to the job like
 *     {@code run --references}; 0 to let the job learn it from the first events
 * @param changeFromStart the scenario's change is in effect from the first event (with a
 *     profiled reference, every window then differs from the reference)
 * @param labels delayed ground truth sent on the job's labels input, or null for a model
 *     without labels (its events then carry no predictionId)
 * @param estimatedDecay the model's {@code performance.estimatedDecay} is on (a per-model
 *     override; off by default): a significant fall of its accuracy estimated from the scores
 *     is an {@code ESTIMATED_PERFORMANCE_DECAY} signal
 * @param segment for a decay or a prediction shift confined to one segment: the name of the
 *     first segment the detection's evidence must name (after {@code segment:}), where {@code *}
 *     stands for any number (a bin edge estimated by the job: {@code income=[*, +inf)}); null for
 *     other scenarios
 */
public record Scenario(
        String name,
        String description,
        Population population,
        int eventsPerMinute,
        boolean outOfOrder,
        String culprit,
        String reason,
        Set<String> alsoExpected,
        int rampMinutes,
        Goal goal,
        int profiledReference,
        boolean changeFromStart,
        Labels labels,
        boolean estimatedDecay,
        String segment) implements Serializable {

    /** A scenario without a true segment. */
    public Scenario(String name, String description, Population population, int eventsPerMinute, boolean outOfOrder,
            String culprit, String reason, Set<String> alsoExpected, int rampMinutes, Goal goal, int profiledReference,
            boolean changeFromStart, Labels labels, boolean estimatedDecay) {
        this(name, description, population, eventsPerMinute, outOfOrder, culprit, reason, alsoExpected, rampMinutes,
                goal, profiledReference, changeFromStart, labels, estimatedDecay, null);
    }

    /** A scenario with the default thresholds ({@code performance.estimatedDecay} off). */
    public Scenario(String name, String description, Population population, int eventsPerMinute, boolean outOfOrder,
            String culprit, String reason, Set<String> alsoExpected, int rampMinutes, Goal goal, int profiledReference,
            boolean changeFromStart, Labels labels) {
        this(name, description, population, eventsPerMinute, outOfOrder, culprit, reason, alsoExpected, rampMinutes,
                goal, profiledReference, changeFromStart, labels, false);
    }

    /** Promises, checked by the suite. */
    public enum Goal {
        /** No trigger at all. */
        NO_TRIGGER,
        /** Every replica detected, median delay at most 3 windows. */
        DETECT_WITHIN_3,
        /** Every replica detected within 10 windows. */
        DETECT_WITHIN_10,
        /**
         * Every replica detected within 7 windows: issue 17's weak changes at 10 events/s (0.3 sd,
         * variance x2) within 7 minutes of their start.
         */
        DETECT_WITHIN_7,
        /** Every replica detected (no delay promised). */
        DETECT,
        /**
         * Most replicas detected (no delay promised): a change near the detection limit of its
         * windows, which a replica may miss within the run by chance. No scenario uses it today.
         */
        DETECT_MOST,
        /**
         * Not a trigger: the model stops sending at the change, and every replica is reported
         * SILENT within {@code quality.silenceAfter} plus one window after its last window.
         */
        SILENCE_REPORTED
    }

    /**
     * Ground truth for a share of the predictions, known some minutes after them: a binary
     * outcome drawn with the probability the score states, until the change; after it, a
     * share {@code flipped} of the outcomes goes the other way (the label is drawn with
     * probability {@code (1 - flipped) score + flipped (1 - score)}): the score still ranks, but
     * explains less, while the inputs stay exactly as they were.
     *
     * @param share of the predictions that get a label
     * @param delayMillis least time from a prediction to its label (event time)
     * @param jitterMillis plus a uniform extra delay up to this
     * @param flipped share of outcomes against the score's relation at full change (0: the
     *     relation never changes)
     * @param only the segment whose outcomes flip; null: every prediction's
     */
    public record Labels(double share, long delayMillis, long jitterMillis, double flipped, LabelSegment only)
            implements Serializable {
        /** Labels whose flip, if any, is everywhere. */
        public Labels(double share, long delayMillis, long jitterMillis, double flipped) {
            this(share, delayMillis, jitterMillis, flipped, null);
        }

        /** Probability of label 1 for a prediction with this score, {@code drift} into the change. */
        double probability(double score, double drift) {
            double q = flipped * drift;
            return (1 - q) * score + q * (1 - score);
        }

        /** As {@link #probability(double, double)}, for {@code p}: unchanged outside {@link #only}. */
        double probability(io.modelwatch.model.PredictionEvent p, double drift) {
            return only == null || only.contains(p) ? probability(p.numericPrediction(), drift)
                    : probability(p.numericPrediction(), 0);
        }
    }

    /**
     * Where labels flip: the predictions whose {@code feature} is {@code category}, or, with a null
     * category, whose numeric {@code feature} is at least {@code above}.
     */
    public record LabelSegment(String feature, String category, double above) implements Serializable {
        boolean contains(io.modelwatch.model.PredictionEvent p) {
            String[] names = p.featureNames();
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(feature)) {
                    return category != null ? category.equals(p.categoricalValues()[i])
                            : p.featureKinds()[i] == io.modelwatch.model.ValueKind.NUMERIC
                                    && p.numericValues()[i] >= above;
                }
            }
            return false;
        }
    }

    /**
     * Half the predictions labelled, 3 to 5 minutes after them: late enough that every label
     * arrives windows after its prediction's window closed, so performance is judged on
     * revisions, as in production.
     */
    static Labels delayedLabels(double flipped) {
        return new Labels(0.5, 3 * 60_000, 2 * 60_000, flipped);
    }

    /** Default traffic: 1200 events per one-minute window, just above window.minEvents. */
    public static final int EVENTS_PER_MINUTE = 1200;

    public boolean stationary() {
        return culprit == null;
    }

    /** Scored by SILENT health reports, not by triggers (silence is not a reason to retrain). */
    public boolean silence() {
        return goal == Goal.SILENCE_REPORTED;
    }

    static Scenario stationary(String name, String description, Population population, int eventsPerMinute,
            boolean outOfOrder) {
        return new Scenario(name, description, population, eventsPerMinute, outOfOrder, null, null, Set.of(), 0,
                Goal.NO_TRIGGER, 0, false, null);
    }

    static Scenario drift(String name, String description, Change change, double size, String culprit, String reason,
            boolean movesScore, int rampMinutes, Goal goal) {
        Set<String> also = new java.util.HashSet<>();
        if (movesScore && !reason.equals(RetrainTrigger.PREDICTION_DRIFT)) {
            also.add(RetrainTrigger.PREDICTION_DRIFT);
        }
        if (movesScore) {
            // Scores that move can move toward the model's uncertain region: its accuracy estimated
            // from them then falls, truly, and a model with performance.estimatedDecay on says so
            // (docs/quality.md, estimated performance).
            also.add(RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY);
        }
        if (change == Change.NEW_PLAN) {
            // A category the reference never had is also a data-quality finding (unseen category).
            also.add(RetrainTrigger.DATA_QUALITY);
        }
        return new Scenario(name, description, new Customer(change, size), EVENTS_PER_MINUTE, false, culprit, reason,
                Set.copyOf(also), rampMinutes, goal, 0, false, null);
    }

    /** The stationary shapes, and a negligible change: each must run 1M events without a trigger. */
    public static List<Scenario> stationaryScenarios() {
        return List.of(
                stationary("stationary/customer", "the customer model as is: normal, log-normal, counts, "
                        + "zero-inflated, 4 and 300 categories, 10% missing", new Customer(Change.NONE, 0),
                        EVENTS_PER_MINUTE, false),
                stationary("stationary/heavy-tails", "Cauchy, Pareto(1.5), log-normal(0, 2), t(3): no finite variance",
                        new Populations.HeavyTails(), EVENTS_PER_MINUTE, false),
                stationary("stationary/integer-counts", "Poisson(0.3), Poisson(4), negative binomial, 0/1, 1-5 rating",
                        new Populations.IntegerCounts(), EVENTS_PER_MINUTE, false),
                stationary("stationary/zero-inflated", "95%, 70% and 50% zeros", new Populations.ZeroInflated(),
                        EVENTS_PER_MINUTE, false),
                stationary("stationary/bimodal", "symmetric and lopsided mixtures, bimodal score",
                        new Populations.Bimodal(), EVENTS_PER_MINUTE, false),
                stationary("stationary/high-cardinality", "300 (Zipf), 5000 (Zipf) and 1000 (uniform) categories",
                        new Populations.HighCardinality(), EVENTS_PER_MINUTE, false),
                stationary("stationary/constant-missing", "5%, 40%, 90% and 20% missing, constant",
                        new Populations.ConstantMissing(), EVENTS_PER_MINUTE, false),
                stationary("stationary/out-of-order", "customer model, events up to 20 s out of order, 1% too late",
                        new Customer(Change.NONE, 0), EVENTS_PER_MINUTE, true),
                stationary("stationary/high-traffic", "customer model at 12000 events per window",
                        new Customer(Change.NONE, 0), 10 * EVENTS_PER_MINUTE, false),
                // Not stationary, but no trigger is right: the change is real and negligible.
                new Scenario("negligible/large-samples", "age +0.08 sd and 3 points of plan mix, 12000 events per "
                        + "window, against a reference profiled from 200k events: significant, not relevant",
                        new Customer(Change.NEGLIGIBLE, 0.08), 10 * EVENTS_PER_MINUTE, false, null, null, Set.of(), 0,
                        Goal.NO_TRIGGER, 200_000, true, null));
    }

    /** The changes, each replicated with different seeds. */
    public static List<Scenario> driftScenarios() {
        String feature = RetrainTrigger.FEATURE_DRIFT;
        return List.of(
                drift("drift/mean-1.0sd", "age mean +1 sd, abrupt", Change.AGE_SHIFT, 1.0, "feature:age", feature,
                        true, 0, Goal.DETECT_WITHIN_3),
                drift("drift/mean-0.5sd", "age mean +0.5 sd, abrupt", Change.AGE_SHIFT, 0.5, "feature:age", feature,
                        true, 0, Goal.DETECT_WITHIN_3),
                drift("drift/mean-0.3sd", "age mean +0.3 sd, abrupt", Change.AGE_SHIFT, 0.3, "feature:age", feature,
                        true, 0, Goal.DETECT_WITHIN_10),
                drift("drift/variance-1.5x", "age spread x1.5, same mean", Change.AGE_SPREAD, 1.5, "feature:age",
                        feature, true, 0, Goal.DETECT),
                drift("drift/ramp-1sd-30m", "age mean +1 sd, growing linearly over 30 windows", Change.AGE_SHIFT,
                        1.0, "feature:age", feature, true, 30, Goal.DETECT),
                drift("drift/category-mix", "plan basic 50->40%, enterprise 5->15%", Change.PLAN_MIX, 1.0,
                        "feature:plan", feature, true, 0, Goal.DETECT_WITHIN_3),
                drift("drift/new-category", "new plan 'premium' takes 10% of traffic", Change.NEW_PLAN, 0.10,
                        "feature:plan", feature, true, 0, Goal.DETECT_WITHIN_3),
                drift("drift/missing-rate", "channel missing 10% -> 30%", Change.CHANNEL_MISSING, 0.20,
                        "quality:channel", RetrainTrigger.DATA_QUALITY, false, 0, Goal.DETECT_WITHIN_3),
                drift("drift/prediction-only", "features unchanged, score logit +0.5 (a bad build)",
                        Change.SCORE_SHIFT, 0.5, "prediction", RetrainTrigger.PREDICTION_DRIFT, true, 0,
                        Goal.DETECT));
    }

    /**
     * Data quality, delayed-label performance and silence (issue 4), on the customer model with
     * its inputs unchanged unless stated. Planned after the others, so their seeds stay the same.
     */
    public static List<Scenario> qualityAndPerformanceScenarios() {
        Customer unchanged = new Customer(Change.NONE, 0);
        return List.of(
                new Scenario("stationary/labelled", "customer model with delayed labels (half of the predictions, "
                        + "3-5 min late) that follow the score throughout", unchanged, EVENTS_PER_MINUTE, false, null,
                        null, Set.of(), 0, Goal.NO_TRIGGER, 0, false, delayedLabels(0)),
                new Scenario("performance/decay", "inputs unchanged; labels (half, 3-5 min late) follow the score, "
                        + "then 30% go against it", unchanged, EVENTS_PER_MINUTE, false, "performance",
                        RetrainTrigger.PERFORMANCE_DECAY, Set.of(), 0, Goal.DETECT_WITHIN_10, 0, false,
                        delayedLabels(0.3)),
                drift("quality/nulls", "visits null 0% -> 35%", Change.VISITS_NULL, 0.35, "quality:visits",
                        RetrainTrigger.DATA_QUALITY, false, 0, Goal.DETECT_WITHIN_3),
                new Scenario("quality/silence", "customer model that stops sending at the change while the others "
                        + "go on", unchanged, EVENTS_PER_MINUTE, false, "silence", null, Set.of(), 0,
                        Goal.SILENCE_REPORTED, 0, false, null));
    }

    /** Traffic of the time-to-trigger scenarios: 10 events per second, 600 per one-minute window. */
    public static final int TEN_PER_SECOND = 600;

    /**
     * Time to trigger at 10 events/s per model (issue 17): windows accumulate to 1,200 events (two
     * minutes), so 3 unweighted escalated windows take 5 to 6 minutes. Strong shifts should
     * trigger with a median of at most 2 minutes after their start, weak ones within 7; the
     * stationary model at the same rate must stay quiet. {@code Goals} checks the strong ones'
     * median against 3 windows and detection of the weak ones; docs/detection.md reports the
     * measured times. Planned after every other scenario, so theirs keep their seeds.
     */
    public static List<Scenario> speedScenarios() {
        String feature = RetrainTrigger.FEATURE_DRIFT;
        return List.of(
                stationary("speed/stationary", "customer model at 10 events/s", new Customer(Change.NONE, 0),
                        TEN_PER_SECOND, false),
                atTenPerSecond(drift("speed/mean-1.0sd", "strong: age mean +1 sd at 10 events/s", Change.AGE_SHIFT,
                        1.0, "feature:age", feature, true, 0, Goal.DETECT_WITHIN_3)),
                atTenPerSecond(drift("speed/category-share-20pt", "strong: plan basic 50->30%, team 15->35% at 10 "
                        + "events/s", Change.PLAN_SWAP, 1.0, "feature:plan", feature, true, 0, Goal.DETECT_WITHIN_3)),
                atTenPerSecond(drift("speed/new-category-20pct", "strong: new plan 'premium' at 20% at 10 events/s",
                        Change.NEW_PLAN, 0.20, "feature:plan", feature, true, 0, Goal.DETECT_WITHIN_3)),
                atTenPerSecond(drift("speed/stuck-score", "strong: every score 0.5 at 10 events/s",
                        Change.SCORE_STUCK, 0.5, "prediction", RetrainTrigger.PREDICTION_DRIFT, true, 0,
                        Goal.DETECT_WITHIN_3)),
                atTenPerSecond(drift("speed/missing-rate-30pt", "strong: channel missing 10% -> 40% at 10 events/s",
                        Change.CHANNEL_MISSING, 0.30, "quality:channel", RetrainTrigger.DATA_QUALITY, false, 0,
                        Goal.DETECT_WITHIN_3)),
                atTenPerSecond(drift("speed/mean-0.3sd", "weak: age mean +0.3 sd at 10 events/s", Change.AGE_SHIFT,
                        0.3, "feature:age", feature, true, 0, Goal.DETECT_WITHIN_7)),
                atTenPerSecond(drift("speed/variance-2x", "weak: age variance x2 (spread x1.41) at 10 events/s",
                        Change.AGE_SPREAD, Math.sqrt(2), "feature:age", feature, true, 0, Goal.DETECT_WITHIN_7)));
    }

    private static Scenario atTenPerSecond(Scenario s) {
        return new Scenario(s.name(), s.description(), s.population(), TEN_PER_SECOND, s.outOfOrder(), s.culprit(),
                s.reason(), s.alsoExpected(), s.rampMinutes(), s.goal(), s.profiledReference(), s.changeFromStart(),
                s.labels(), s.estimatedDecay(), s.segment());
    }

    /** A change of the {@link Populations.Discrete} model, or of the customer model's scores. */
    static Scenario discrete(String name, String description, Population population, String culprit, String reason,
            Set<String> alsoExpected, Goal goal) {
        return new Scenario(name, description, population, EVENTS_PER_MINUTE, false, culprit, reason, alsoExpected, 0,
                goal, 0, false, null);
    }

    /**
     * Discrete and dominant values, hard-label predictions, missingness both ways and stuck
     * scores (issue 17), and the same model unchanged. Planned after all the others, so their
     * seeds stay the same.
     */
    public static List<Scenario> discreteScenarios() {
        String feature = RetrainTrigger.FEATURE_DRIFT;
        String quality = RetrainTrigger.DATA_QUALITY;
        return List.of(
                stationary("stationary/discrete", "1% flag, 99%-zero count, 30% binary, 3-valued integer, 60% and "
                        + "20% missing, hard 0/1 prediction (10% positives)",
                        new Populations.Discrete(Populations.DiscreteChange.NONE), EVENTS_PER_MINUTE, false),
                discrete("discrete/rare-flag", "fraud_flag 1% -> 30% ones",
                        new Populations.Discrete(Populations.DiscreteChange.RARE_FLAG), "feature:fraud_flag", feature,
                        Set.of(), Goal.DETECT_WITHIN_3),
                discrete("discrete/hard-label", "hard 0/1 prediction, positives 10% -> 40%",
                        new Populations.Discrete(Populations.DiscreteChange.HARD_LABEL), "prediction",
                        RetrainTrigger.PREDICTION_DRIFT, Set.of(), Goal.DETECT_WITHIN_3),
                discrete("discrete/zero-count", "refund_count zeros 99% -> 85%",
                        new Populations.Discrete(Populations.DiscreteChange.ZERO_COUNT), "feature:refund_count",
                        feature, Set.of(), Goal.DETECT_WITHIN_3),
                discrete("discrete/high-missing", "phone missing 60% -> 90%",
                        new Populations.Discrete(Populations.DiscreteChange.HIGH_MISSING), "quality:phone", quality,
                        Set.of(), Goal.DETECT_WITHIN_3),
                // The defaults are also a new atom at 0 in income's distribution: feature drift is true too.
                discrete("discrete/nulls-defaulted", "income's 20% nulls arrive as 0",
                        new Populations.Discrete(Populations.DiscreteChange.NULLS_DEFAULTED), "quality:income", quality,
                        Set.of(feature), Goal.DETECT_WITHIN_3),
                discrete("discrete/binary", "is_member 30% -> 40% ones",
                        new Populations.Discrete(Populations.DiscreteChange.BINARY), "feature:is_member", feature,
                        Set.of(), Goal.DETECT_WITHIN_10),
                discrete("discrete/tier", "3-valued tier 50/30/20% -> 30/30/40%",
                        new Populations.Discrete(Populations.DiscreteChange.TIER), "feature:tier", feature, Set.of(),
                        Goal.DETECT_WITHIN_3),
                discrete("discrete/stuck-score", "customer model whose score is stuck at 0.42",
                        new Populations.Customer(Populations.Change.SCORE_STUCK, 0.42), "prediction",
                        RetrainTrigger.PREDICTION_DRIFT, Set.of(RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY),
                        Goal.DETECT_WITHIN_3));
    }

    /**
     * Multivariate drift (issue 19): a correlation that flips with unchanged marginals, which
     * every per-feature test is blind to, and the same correlated model unchanged. Planned after
     * all the others, so their seeds stay the same.
     */
    public static List<Scenario> jointScenarios() {
        return List.of(
                stationary("stationary/correlated", "income-spend rank correlation 0.8, tenure-income 0.5, "
                        + "heavy-tailed sessions 30% missing tied to spend", new Populations.Correlated(false),
                        EVENTS_PER_MINUTE, false),
                new Scenario("joint/correlation-flip", "income-spend copula correlation +0.8 -> -0.8, every marginal "
                        + "and the score unchanged", new Populations.Correlated(true), EVENTS_PER_MINUTE, false,
                        "feature:income*spend", RetrainTrigger.FEATURE_DRIFT, Set.of(), 0, Goal.DETECT_WITHIN_3, 0,
                        false, null));
    }

    /**
     * Performance estimated before labels (issue 19): a calibrated classifier whose inputs move
     * toward its uncertain region, accuracy 0.85 -> 0.70 ({@link Populations.Uncertain}), with
     * labels {@link #LATE_LABELS} late, so the estimate from the scores is all there is for the
     * first windows after the change; and the same model unchanged, labels as late. Both with
     * {@code performance.estimatedDecay} on, as for a model whose labels come late. Planned after
     * every other scenario, so theirs keep their seeds.
     */
    public static List<Scenario> estimatedPerformanceScenarios() {
        return List.of(
                new Scenario("stationary/uncertain-late-labels", "calibrated classifier, accuracy 0.85, every "
                        + "prediction labelled 10-12 min late, performance.estimatedDecay on",
                        new Populations.Uncertain(false), EVENTS_PER_MINUTE, false, null, null, Set.of(), 0,
                        Goal.NO_TRIGGER, 0, false, LATE_LABELS, true),
                new Scenario("estimated/uncertain-region", "inputs move toward the uncertain region, accuracy 0.85 "
                        + "-> 0.70, labels 10-12 min late, performance.estimatedDecay on",
                        new Populations.Uncertain(true), EVENTS_PER_MINUTE, false, "performance:estimated",
                        RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY,
                        // The inputs and scores move too, and the labels, once in, confirm the decay.
                        Set.of(RetrainTrigger.FEATURE_DRIFT, RetrainTrigger.PREDICTION_DRIFT,
                                RetrainTrigger.PERFORMANCE_DECAY),
                        0, Goal.DETECT_WITHIN_3, 0, false, LATE_LABELS, true));
    }

    /**
     * Where a decay is (issue 19): labels that flip in one segment only, a category of a fifth of
     * the traffic or a numeric feature's top quarter, of {@link Populations.Regional}; and the same
     * model with the same segments and labels that never change. The evidence of each detection
     * must name the true segment first ({@link #segment}). Labels as {@link #delayedLabels}; every
     * outcome of the segment flips, so the segment's error rate goes from about 0.2 to about 0.8
     * and the model's accuracy falls by about 0.12. Planned after every other scenario.
     */
    public static List<Scenario> segmentScenarios() {
        Populations.Regional regional = new Populations.Regional();
        return List.of(
                new Scenario("segments/stationary", "region (north_america 20%), device, age, income; labels (half, "
                        + "3-5 min late) follow the score throughout", regional, EVENTS_PER_MINUTE, false, null, null,
                        Set.of(), 0, Goal.NO_TRIGGER, 0, false, delayedLabels(0), false, null),
                new Scenario("segments/region-decay", "labels flip for region=north_america (20% of traffic), "
                        + "inputs unchanged", regional, EVENTS_PER_MINUTE, false, "performance",
                        RetrainTrigger.PERFORMANCE_DECAY, Set.of(), 0, Goal.DETECT_WITHIN_10, 0, false,
                        segmentLabels(new LabelSegment("region", "north_america", 0)), false,
                        "region=north_america"),
                new Scenario("segments/numeric-bin-decay", "labels flip where income is above its p75 ("
                        + Populations.Regional.INCOME_P75 + "), inputs unchanged", regional, EVENTS_PER_MINUTE, false,
                        "performance", RetrainTrigger.PERFORMANCE_DECAY, Set.of(), 0, Goal.DETECT_WITHIN_10, 0, false,
                        segmentLabels(new LabelSegment("income", null, Populations.Regional.INCOME_P75)), false,
                        "income=[*, +inf)"));
    }

    /**
     * Where a prediction drift is (issue 19, docs/detection.md "Segments of a prediction drift"):
     * the score of {@link Populations.Regional} shifts for region = north_america (20% of the
     * traffic) only, its logit +4 (mean score about 0.54 -> 0.90; all scores' mean about 0.50 ->
     * 0.57, KS distance about 0.10), the inputs unchanged; and the same model unchanged. No labels:
     * the segments of a prediction drift come from the predictions alone, and labels that
     * followed the old score would make the shift a performance decay too. The evidence of each
     * detection must name the true segment first, after the prediction's own entries. A KS
     * distance of 0.10 against the threshold of 0.063 flags every window without weighing more
     * than once: found in the escalation's 3 windows. Planned after every other scenario,
     * {@link #segmentScenarios} included.
     */
    public static List<Scenario> predictionSegmentScenarios() {
        return List.of(
                stationary("segments/prediction-stationary", "region (north_america 20%), device, age, income; "
                        + "scores unchanged, no labels", new Populations.Regional(), EVENTS_PER_MINUTE, false),
                new Scenario("segments/prediction-shift", "score logit +4 for region=north_america (20% of "
                        + "traffic; its mean score 0.54 -> 0.90), inputs unchanged, no labels",
                        new Populations.Regional(4), EVENTS_PER_MINUTE, false, "prediction",
                        RetrainTrigger.PREDICTION_DRIFT, Set.of(), 0, Goal.DETECT_WITHIN_3, 0, false, null, false,
                        "region=north_america"));
    }

    /** Whether {@code named} is {@link #segment}, a {@code *} in it standing for any number. */
    public boolean isTrueSegment(String named) {
        if (segment == null || named == null) {
            return false;
        }
        StringBuilder regex = new StringBuilder();
        String[] parts = segment.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            regex.append(i > 0 ? "-?[0-9.]+(E[+-]?[0-9]+)?" : "").append(java.util.regex.Pattern.quote(parts[i]));
        }
        return named.matches(regex.toString());
    }

    /** {@link #delayedLabels}, every outcome of {@code only} flipped after the change. */
    static Labels segmentLabels(LabelSegment only) {
        Labels d = delayedLabels(1);
        return new Labels(d.share(), d.delayMillis(), d.jitterMillis(), 1, only);
    }

    /**
     * Every prediction labelled, 10 to 12 minutes after it: ten windows with no label at all
     * after the change, so detection within 3 windows can only come from the estimate.
     */
    static final Labels LATE_LABELS = new Labels(1.0, 10 * 60_000, 2 * 60_000, 0);
}
