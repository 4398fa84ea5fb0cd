package io.modelwatch.evaluation;

import java.util.SplittableRandom;

/**
 * The simulated models of the evaluation. {@link Customer} is an ordinary model (a score from
 * a handful of mixed features) on which every change is injected; the other populations are
 * stationary shapes chosen to be awkward for drift statistics: no moments, atoms, modes,
 * hundreds of categories, much missing data. Parameters are round numbers picked to look like
 * real features, not fitted to the detector.
 */
public final class Populations {
    private Populations() {}

    /** What changes in {@link Customer} at full drift. */
    public enum Change {
        NONE,
        /** age's mean moves by {@code size} standard deviations (12 years per sd). */
        AGE_SHIFT,
        /** age's spread is multiplied by {@code size}. */
        AGE_SPREAD,
        /** plan mix from basic 50% / enterprise 5% to basic 40% / enterprise 15%. */
        PLAN_MIX,
        /** a new plan, "premium", takes {@code size} of the traffic from the others. */
        NEW_PLAN,
        /** channel's missing rate goes from 10% to 10% + {@code size}. */
        CHANNEL_MISSING,
        /** features unchanged, the score's logit moves by {@code size} (a bad model build). */
        SCORE_SHIFT,
        /** visits, never missing before, arrives null in a share {@code size} of the events. */
        VISITS_NULL,
        /**
         * real but negligible: age's mean moves by {@code size} sd and 3 points of plan mix move
         * from basic to pro.
         */
        NEGLIGIBLE,
        /** plan mix from basic 50% / team 15% to basic 30% / team 35%: two shares move 20 points. */
        PLAN_SWAP,
        /** features unchanged, every score is {@code size}: a model stuck on one output. */
        SCORE_STUCK
    }

    static final String[] PLANS = {"basic", "pro", "team", "enterprise", "premium"};
    static final double[] PLAN_MIX = {0.50, 0.30, 0.15, 0.05, 0};
    static final double[] PLAN_MIX_SHIFTED = {0.40, 0.30, 0.15, 0.15, 0};
    static final double[] PLAN_MIX_NUDGED = {0.47, 0.33, 0.15, 0.05, 0};
    static final double[] PLAN_MIX_SWAPPED = {0.30, 0.30, 0.35, 0.05, 0};
    static final double[] PLAN_EFFECT = {0.3, 0, -0.3, -0.6, -0.9};
    static final String[] CHANNELS = {"web", "app", "partner"};
    static final double[] CHANNEL_MIX = {0.5, 0.4, 0.1};
    static final double CHANNEL_MISSING = 0.10;
    static final double AGE_MEAN = 40;
    static final double AGE_SD = 12;

    /**
     * A churn-style model: age (normal), amount (log-normal spend), visits (Poisson counts),
     * discount (zero-inflated), plan (4 categories), city (300 categories, Zipf), channel (3
     * categories, 10% missing); the score is a logistic function of age, amount and plan with
     * noise. Only the scenario's {@link Change} differs between drifted and reference traffic.
     */
    public record Customer(Change change, double size) implements Population {
        static final String[] FEATURES = {"age", "amount", "visits", "discount", "plan", "city", "channel"};
        private static final double[] CITY = Draws.zipfCumulative(300, 1.0);

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            double z = r.nextGaussian();
            double age = AGE_MEAN + AGE_SD * z;
            if (change == Change.AGE_SHIFT || change == Change.NEGLIGIBLE) {
                age += AGE_SD * size * drift;
            } else if (change == Change.AGE_SPREAD) {
                age = AGE_MEAN + AGE_SD * z * (1 + (size - 1) * drift);
            }
            age = Math.round(age * 10) / 10.0;
            double amount = Math.round(Draws.logNormal(r, 3, 0.8) * 100) / 100.0;
            int visits = Draws.poisson(r, 3);
            double discount = r.nextDouble() < 0.7 ? 0 : Math.round(Draws.exponential(r, 10) * 100) / 100.0;
            double[] mix = PLAN_MIX;
            if (change == Change.PLAN_MIX) {
                mix = blend(PLAN_MIX, PLAN_MIX_SHIFTED, drift);
            } else if (change == Change.NEGLIGIBLE) {
                mix = blend(PLAN_MIX, PLAN_MIX_NUDGED, drift);
            } else if (change == Change.PLAN_SWAP) {
                mix = blend(PLAN_MIX, PLAN_MIX_SWAPPED, drift);
            } else if (change == Change.NEW_PLAN) {
                mix = PLAN_MIX.clone();
                for (int i = 0; i < mix.length - 1; i++) {
                    mix[i] *= 1 - size * drift;
                }
                mix[mix.length - 1] = size * drift;
            }
            int plan = Draws.pick(r, mix);
            String city = "city-" + Draws.fromCumulative(r, CITY);
            double missing = CHANNEL_MISSING + (change == Change.CHANNEL_MISSING ? size * drift : 0);
            String channel = r.nextDouble() < missing ? null : CHANNELS[Draws.pick(r, CHANNEL_MIX)];
            v[0] = age;
            v[1] = amount;
            v[2] = change == Change.VISITS_NULL && r.nextDouble() < size * drift ? null : (Object) (double) visits;
            v[3] = discount;
            v[4] = PLANS[plan];
            v[5] = city;
            v[6] = channel;
            double logit = -1.0 + 0.05 * (age - AGE_MEAN) + 0.4 * (Math.log(amount) - 3) + PLAN_EFFECT[plan]
                    + Draws.normal(r, 0, 0.7);
            if (change == Change.SCORE_SHIFT) {
                logit += size * drift;
            }
            double score = Draws.score(logit);
            return change == Change.SCORE_STUCK && drift > 0 ? (1 - drift) * score + drift * size : score;
        }

        static double[] blend(double[] a, double[] b, double t) {
            double[] out = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = (1 - t) * a[i] + t * b[i];
            }
            return out;
        }
    }

    /** No finite variance anywhere: Cauchy, Pareto(1.5), log-normal(0, 2), 10 * t(3). */
    public record HeavyTails() implements Population {
        static final String[] FEATURES = {"cauchy", "pareto", "lognormal", "student_t"};

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            double c = 5 + 2 * Draws.cauchy(r);
            double p = Draws.pareto(r, 1, 1.5);
            double l = Draws.logNormal(r, 0, 2);
            double t = 10 * Draws.studentT(r, 3);
            v[0] = c;
            v[1] = p;
            v[2] = l;
            v[3] = t;
            return Draws.score(0.5 * Math.tanh((c - 5) / 4) + 0.3 * Math.log(p) - 0.5 + Draws.normal(r, 0, 1));
        }
    }

    /** Integer counts with few values: Poisson(0.3), Poisson(4), negative binomial (mean 10), a 0/1 flag, a 1-5 rating. */
    public record IntegerCounts() implements Population {
        static final String[] FEATURES = {"rare_events", "logins", "orders", "is_member", "rating"};
        private static final double[] RATING = {0.05, 0.1, 0.2, 0.35, 0.3};

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            int rare = Draws.poisson(r, 0.3);
            int logins = Draws.poisson(r, 4);
            int orders = Draws.negativeBinomial(r, 2, 10);
            int member = r.nextDouble() < 0.2 ? 1 : 0;
            int rating = 1 + Draws.pick(r, RATING);
            v[0] = (double) rare;
            v[1] = (double) logins;
            v[2] = (double) orders;
            v[3] = (double) member;
            v[4] = (double) rating;
            return Draws.score(-1 + 0.3 * rare - 0.1 * logins + 0.05 * orders + 0.5 * member + Draws.normal(r, 0, 1));
        }
    }

    /** Mostly zeros: 95% zero else log-normal, 70% zero else exponential, 50% zero else 1 + Poisson(3). */
    public record ZeroInflated() implements Population {
        static final String[] FEATURES = {"refunds", "discount", "support_calls"};

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            double refunds = r.nextDouble() < 0.95 ? 0 : Math.round(Draws.logNormal(r, 3, 1) * 100) / 100.0;
            double discount = r.nextDouble() < 0.7 ? 0 : Math.round(Draws.exponential(r, 20) * 100) / 100.0;
            double calls = r.nextDouble() < 0.5 ? 0 : 1 + Draws.poisson(r, 3);
            v[0] = refunds;
            v[1] = discount;
            v[2] = calls;
            return Draws.score(-1.5 + 0.01 * refunds + 0.2 * calls + Draws.normal(r, 0, 1));
        }
    }

    /** Two modes: a symmetric mixture, a lopsided one, and a score that is itself bimodal. */
    public record Bimodal() implements Population {
        static final String[] FEATURES = {"symmetric", "lopsided", "session_minutes"};

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            boolean first = r.nextBoolean();
            double symmetric = first ? Draws.normal(r, -3, 1) : Draws.normal(r, 3, 1);
            double lopsided = r.nextDouble() < 0.8 ? Draws.normal(r, 0, 1) : Draws.normal(r, 10, 2);
            double session = r.nextDouble() < 0.6 ? Draws.logNormal(r, 0.5, 0.3) : Draws.logNormal(r, 3.5, 0.4);
            v[0] = symmetric;
            v[1] = lopsided;
            v[2] = Math.round(session * 10) / 10.0;
            return Draws.score(1.2 * symmetric + Draws.normal(r, 0, 0.5));
        }
    }

    /** Many categories: 300 (Zipf 1), 5000 (Zipf 0.8, far more than are tracked), 1000 equally likely. */
    public record HighCardinality() implements Population {
        static final String[] FEATURES = {"city", "product", "device_id"};
        private static final double[] CITY = Draws.zipfCumulative(300, 1.0);
        private static final double[] PRODUCT = Draws.zipfCumulative(5000, 0.8);

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            int city = Draws.fromCumulative(r, CITY);
            v[0] = "city-" + city;
            v[1] = "sku-" + Draws.fromCumulative(r, PRODUCT);
            v[2] = "device-" + r.nextInt(1000);
            return Draws.score(-1 + (city < 10 ? 0.5 : 0) + Draws.normal(r, 0, 1));
        }
    }

    /** Missing at constant rates: 5% and 40% of a numeric, 90% of a categorical, 20% of a flag. */
    public record ConstantMissing() implements Population {
        static final String[] FEATURES = {"income", "tenure", "referrer", "opted_in"};
        private static final String[] REFERRERS = {"search", "social", "email", "partner"};
        private static final double[] REFERRER_MIX = {0.4, 0.3, 0.2, 0.1};

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            double income = Draws.logNormal(r, 10.5, 0.6);
            double tenure = Draws.exponential(r, 24);
            v[0] = r.nextDouble() < 0.05 ? null : Math.round(income);
            v[1] = r.nextDouble() < 0.40 ? null : Math.round(tenure * 10) / 10.0;
            v[2] = r.nextDouble() < 0.90 ? null : REFERRERS[Draws.pick(r, REFERRER_MIX)];
            v[3] = r.nextDouble() < 0.20 ? null : r.nextBoolean() ? "true" : "false";
            return Draws.score(-1 + 0.3 * (Math.log(income) - 10.5) - 0.01 * tenure + Draws.normal(r, 0, 1));
        }
    }

    /** What changes in {@link Discrete} at full drift (issue 17). */
    public enum DiscreteChange {
        NONE,
        /** fraud_flag's share of ones 1% -> 30%. */
        RARE_FLAG,
        /** the hard 0/1 prediction's share of positives 10% -> 40%. */
        HARD_LABEL,
        /** refund_count's zeros 99% -> 85%. */
        ZERO_COUNT,
        /** phone's missing rate 60% -> 90%. */
        HIGH_MISSING,
        /** income's nulls (20%) arrive as the default 0 instead. */
        NULLS_DEFAULTED,
        /** is_member's share of ones 30% -> 40%. */
        BINARY,
        /** tier (0, 1, 2) re-weighted from 50/30/20% to 30/30/40%. */
        TIER
    }

    /**
     * A model whose inputs are the shapes that discrete-blind statistics miss: a rare 0/1 flag
     * (1% ones), a count that is 99% zero, a binary feature (30% ones), a 3-valued integer, a
     * numeric feature missing 60% of the time and one missing 20%; and its prediction is a hard
     * 0/1 class (10% positives), as a classifier that sends decisions does. The features are
     * independent of each other and of the prediction, so a change names one signal.
     */
    public record Discrete(DiscreteChange change) implements Population {
        static final String[] FEATURES = {"fraud_flag", "refund_count", "is_member", "tier", "phone", "income"};
        private static final double[] TIER = {0.5, 0.3, 0.2};
        private static final double[] TIER_SHIFTED = {0.3, 0.3, 0.4};

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            double flag = 0.01 + (change == DiscreteChange.RARE_FLAG ? 0.29 * drift : 0);
            double zeros = 0.99 - (change == DiscreteChange.ZERO_COUNT ? 0.14 * drift : 0);
            double member = 0.3 + (change == DiscreteChange.BINARY ? 0.1 * drift : 0);
            double[] tier = change == DiscreteChange.TIER ? Customer.blend(TIER, TIER_SHIFTED, drift) : TIER;
            double phoneMissing = 0.6 + (change == DiscreteChange.HIGH_MISSING ? 0.3 * drift : 0);
            double positives = 0.1 + (change == DiscreteChange.HARD_LABEL ? 0.3 * drift : 0);
            v[0] = r.nextDouble() < flag ? 1.0 : 0.0;
            v[1] = r.nextDouble() < zeros ? 0.0 : (double) (1 + Draws.poisson(r, 1));
            v[2] = r.nextDouble() < member ? 1.0 : 0.0;
            v[3] = (double) Draws.pick(r, tier);
            v[4] = r.nextDouble() < phoneMissing ? null : (Object) (double) Math.round(Draws.logNormal(r, 4, 1));
            double income = Math.round(Draws.logNormal(r, 10.5, 0.6));
            boolean missing = r.nextDouble() < 0.2;
            v[5] = !missing ? (Object) income
                    : change == DiscreteChange.NULLS_DEFAULTED && r.nextDouble() < drift ? (Object) 0.0 : null;
            return r.nextDouble() < positives ? 1 : 0;
        }
    }

    /**
     * Correlated inputs (issue 19): income (log-normal) and spend (log-normal) tied by a Gaussian
     * copula of correlation 0.8; tenure (log-normal) tied to income at 0.5; sessions (10 * t(3),
     * heavy-tailed) tied to spend at 0.3 and missing 30% of the time. With {@code flip}, the
     * copula correlation of income and spend goes from +0.8 to -0.8 at the change: every marginal
     * stays exactly as it was (the copula only pairs the same values differently), as when an
     * upstream join pairs the wrong rows. The score reads income and tenure only, so it does not
     * move either: only the joint structure changes.
     */
    public record Correlated(boolean flip) implements Population {
        static final String[] FEATURES = {"income", "spend", "tenure", "sessions"};
        static final double RHO = 0.8;

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            double rho = flip ? RHO - 2 * RHO * drift : RHO;
            double z1 = r.nextGaussian();
            double z2 = rho * z1 + Math.sqrt(1 - rho * rho) * r.nextGaussian();
            double z3 = 0.5 * z1 + Math.sqrt(1 - 0.25) * r.nextGaussian();
            double z4 = 0.3 * z2 + Math.sqrt(1 - 0.09) * r.nextGaussian();
            double income = Math.round(Math.exp(10.5 + 0.6 * z1));
            double spend = Math.round(Math.exp(4 + 0.8 * z2) * 100) / 100.0;
            double tenure = Math.round(24 * Math.exp(0.8 * z3) * 10) / 10.0;
            // 10 * t(3): the copula variable over an independent chi-square(3) root.
            double g1 = r.nextGaussian();
            double g2 = r.nextGaussian();
            double g3 = r.nextGaussian();
            double sessions = 10 * z4 / Math.sqrt((g1 * g1 + g2 * g2 + g3 * g3) / 3);
            v[0] = income;
            v[1] = spend;
            v[2] = tenure;
            v[3] = r.nextDouble() < 0.3 ? null : (Object) sessions;
            return Draws.score(-1 + 0.5 * z1 - 0.02 * (tenure - 24) + Draws.normal(r, 0, 1));
        }
    }

    /**
     * A calibrated classifier, {@code score = sigmoid(x)} with labels drawn with probability
     * {@code score} (Scenario.Labels with nothing flipped): {@code x ~ N(0, 3.4^2)}, expected
     * accuracy {@code E max(s, 1 - s)} = 0.85. With {@code shift} the inputs move toward the
     * uncertain region, {@code x ~ N(0, 1.2^2)} at full change (accuracy 0.70); P(y | x) is
     * unchanged, the covariate shift under which the scores carry their own accuracy. A second
     * feature, {@code noise}, never changes.
     */
    public record Uncertain(boolean shift) implements Population {
        static final String[] FEATURES = {"x", "noise"};
        static final double SD_BEFORE = 3.4;
        static final double SD_AFTER = 1.2;

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            double sd = shift ? SD_BEFORE + (SD_AFTER - SD_BEFORE) * drift : SD_BEFORE;
            double x = sd * r.nextGaussian();
            v[0] = x;
            v[1] = r.nextGaussian();
            return Draws.sigmoid(x);
        }
    }

    /**
     * A calibrated classifier with the segments of issue 19's example: region (north_america 20%,
     * europe 30%, asia 25%, latam 15%, africa 10%), device (mobile 60%, desktop 30%, tablet 10%),
     * age ~ N(40, 12) and income ~ N(50, 15) (thousands), both rounded to 0.1; the score is
     * {@code sigmoid(2 z_age + 2 z_income + region effect)}, so labels drawn with probability
     * {@code score} agree with {@code score >= 0.5} about 80% of the time. Its inputs never
     * change; the decay scenarios change the labels only, and with {@code northAmericaShift} the
     * score's logit of region = north_america moves by that much at full change (+4: its mean
     * score from about 0.54 to 0.90, the rest unchanged), a shift of the predictions confined to
     * one segment. The shift draws nothing, so the same seed gives the same inputs either way.
     */
    public record Regional(double northAmericaShift) implements Population {
        static final String[] FEATURES = {"region", "device", "age", "income"};
        static final String[] REGIONS = {"north_america", "europe", "asia", "latam", "africa"};
        static final double[] REGION_MIX = {0.20, 0.30, 0.25, 0.15, 0.10};
        static final double[] REGION_EFFECT = {0.3, 0, -0.2, 0.2, -0.3};
        static final String[] DEVICES = {"mobile", "desktop", "tablet"};
        static final double[] DEVICE_MIX = {0.6, 0.3, 0.1};
        /** income's 75th percentile: 50 + 0.6745 x 15. */
        static final double INCOME_P75 = 60.1;

        /** The unchanged model (the scores never move). */
        public Regional() {
            this(0);
        }

        @Override
        public String[] features() {
            return FEATURES;
        }

        @Override
        public double draw(SplittableRandom r, double drift, Object[] v) {
            int region = Draws.pick(r, REGION_MIX);
            double zAge = r.nextGaussian();
            double zIncome = r.nextGaussian();
            v[0] = REGIONS[region];
            v[1] = DEVICES[Draws.pick(r, DEVICE_MIX)];
            v[2] = Math.round((40 + 12 * zAge) * 10) / 10.0;
            v[3] = Math.round((50 + 15 * zIncome) * 10) / 10.0;
            double shift = region == 0 ? northAmericaShift * drift : 0;
            return Draws.sigmoid(2 * zAge + 2 * zIncome + REGION_EFFECT[region] + shift);
        }
    }
}
