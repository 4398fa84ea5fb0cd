package io.modelwatch.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Simulated prediction traffic of several models, some of which drift: the input of
 * {@code bin/modelwatch demo} and of end-to-end tests. Every event is a PredictionEvent exactly
 * as docs/topics.md and src/schemas/ define it.
 *
 * <p>Deterministic: the events of a minute depend only on the seed, the scenario and the minute,
 * so {@code minute(17)} is the same bytes whether or not minutes 0..16 were generated first, and
 * a test can replay any stretch of traffic.
 *
 * <p>Every model sees the same population (all are "customer" models with the same five
 * features); they differ in name, traffic and the drift injected. Drift is abrupt at the start of
 * {@link ModelScenario#driftStartMinute()} and strong enough that a PSI or KS detector sees it in
 * a few minutes of 1000 events per minute, without being absurd:
 * <ul>
 *   <li>{@link DriftKind#FEATURE_SHIFT}: monthly_spend x1.6 (about one log-sd), tenure_months +8
 *       (about 0.7 sd): customers who spend more and stay longer, and predictions move with them.
 *   <li>{@link DriftKind#CATEGORY_SHIFT}: plan mix from 0.5/0.3/0.15/0.05 to 0.2/0.3/0.2/0.3.
 *   <li>{@link DriftKind#PREDICTION_SHIFT}: features unchanged, +1.5 on the score's logit, as
 *       when a bad model build is deployed.
 * </ul>
 */
public final class TrafficSimulator {

    public enum DriftKind { NONE, FEATURE_SHIFT, CATEGORY_SHIFT, PREDICTION_SHIFT }

    /**
     * One simulated model.
     *
     * @param driftStartMinute the first simulated minute with drift; ignored (by convention -1)
     *     when {@code drift} is NONE
     */
    public record ModelScenario(String modelId, String modelVersion, DriftKind drift, int driftStartMinute) {
        public ModelScenario {
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(modelVersion, "modelVersion");
            Objects.requireNonNull(drift, "drift");
            if (modelId.isEmpty() || modelId.length() > 200) {
                throw new IllegalArgumentException("modelId must have 1 to 200 characters: " + modelId);
            }
            if (drift != DriftKind.NONE && driftStartMinute < 0) {
                throw new IllegalArgumentException("driftStartMinute must be >= 0 for " + drift);
            }
        }

        /** A model that never drifts. */
        public static ModelScenario stable(String modelId, String modelVersion) {
            return new ModelScenario(modelId, modelVersion, DriftKind.NONE, -1);
        }

        /** Whether the drift is in effect during {@code simMinute}. */
        public boolean driftingAt(int simMinute) {
            return drift != DriftKind.NONE && simMinute >= driftStartMinute;
        }
    }

    /**
     * One event, ready to send: key {@code modelId}, value {@code json}.
     *
     * @param eventTimeMillis the event's {@code timestamp}, epoch milliseconds
     * @param json the PredictionEvent, UTF-8
     */
    public record SimulatedEvent(String modelId, long eventTimeMillis, byte[] json) {}

    /**
     * Name stems of {@link #defaultScenarios}. Five, not six: with every third model drifting,
     * a count prime to 3 lets every kind of model take a turn at drifting.
     */
    private static final List<String> MODEL_KINDS = List.of("churn", "fraud", "ltv", "upsell", "credit");

    /** The minute at which the drifting default scenarios drift. */
    public static final int DEFAULT_DRIFT_START_MINUTE = 12;

    static final String[] PLANS = {"basic", "pro", "team", "enterprise"};
    static final double[] PLAN_WEIGHTS = {0.50, 0.30, 0.15, 0.05};
    static final double[] PLAN_WEIGHTS_SHIFTED = {0.20, 0.30, 0.20, 0.30};

    static final String[] REGIONS = {"us-east", "us-west", "eu-west", "eu-central", "ap-south", "ap-northeast"};
    static final double[] REGION_WEIGHTS = {0.30, 0.20, 0.20, 0.10, 0.10, 0.10};
    static final double REGION_MISSING = 0.05;
    static final double PROMO_RATE = 0.30;

    /**
     * tenure_months ~ Poisson(lambda), lambda ~ Gamma(shape 4, scale 5): a negative binomial
     * count with mean 20 and sd ~11, overdispersed like real tenures (a plain Poisson(20) would
     * have sd 4.5, making a +8 shift implausibly blatant).
     */
    static final int TENURE_GAMMA_SHAPE = 4;
    static final double TENURE_GAMMA_SCALE = 5.0;
    static final double TENURE_SHIFT = 8.0;

    /** monthly_spend ~ LogNormal(mu, 0.5) with mean exp(mu + sigma^2/2) = 50. */
    static final double SPEND_SIGMA = 0.5;
    static final double SPEND_MU = Math.log(50.0) - SPEND_SIGMA * SPEND_SIGMA / 2;
    static final double SPEND_FACTOR = 1.6;

    static final double PREDICTION_LOGIT_SHIFT = 1.5;

    private static final DateTimeFormatter ISO_MILLIS_UTC =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final long seed;
    private final long startMillis;
    private final int eventsPerModelPerMinute;
    private final List<ModelScenario> scenarios;

    public TrafficSimulator(long seed, Instant start, int eventsPerModelPerMinute, List<ModelScenario> scenarios) {
        if (eventsPerModelPerMinute < 1 || eventsPerModelPerMinute > 60_000) {
            throw new IllegalArgumentException(
                    "eventsPerModelPerMinute must be in 1..60000 (at most one per millisecond): "
                            + eventsPerModelPerMinute);
        }
        if (scenarios.stream().map(ModelScenario::modelId).distinct().count() != scenarios.size()) {
            throw new IllegalArgumentException("model ids must be unique: " + scenarios);
        }
        this.seed = seed;
        this.startMillis = start.toEpochMilli();
        this.eventsPerModelPerMinute = eventsPerModelPerMinute;
        this.scenarios = List.copyOf(scenarios);
    }

    /**
     * {@code models} scenarios named churn-01, fraud-02, ltv-03, upsell-04, credit-05, churn-06,
     * ... (all version "1"). Every third model, starting with the first, drifts at minute
     * {@value #DEFAULT_DRIFT_START_MINUTE}, the kinds cycling FEATURE_SHIFT, CATEGORY_SHIFT,
     * PREDICTION_SHIFT; the others never drift. So 12 models are churn-01 (feature shift),
     * upsell-04 (category shift), fraud-07 (prediction shift), credit-10 (feature shift) and
     * eight stable ones.
     */
    public static List<ModelScenario> defaultScenarios(int models) {
        if (models < 1 || models > 99) {
            throw new IllegalArgumentException("models must be in 1..99: " + models);
        }
        DriftKind[] kinds = {DriftKind.FEATURE_SHIFT, DriftKind.CATEGORY_SHIFT, DriftKind.PREDICTION_SHIFT};
        List<ModelScenario> scenarios = new ArrayList<>(models);
        for (int i = 0; i < models; i++) {
            String id = String.format("%s-%02d", MODEL_KINDS.get(i % MODEL_KINDS.size()), i + 1);
            if (i % 3 == 0) {
                scenarios.add(new ModelScenario(id, "1", kinds[(i / 3) % kinds.length], DEFAULT_DRIFT_START_MINUTE));
            } else {
                scenarios.add(ModelScenario.stable(id, "1"));
            }
        }
        return List.copyOf(scenarios);
    }

    public List<ModelScenario> scenarios() {
        return scenarios;
    }

    public int eventsPerModelPerMinute() {
        return eventsPerModelPerMinute;
    }

    /** The event time at which {@code simMinute} begins, epoch milliseconds. */
    public long minuteStartMillis(int simMinute) {
        return startMillis + simMinute * 60_000L;
    }

    /**
     * Every event of every model in {@code simMinute} (0 is the minute starting at {@code start}),
     * in event-time order: each model's events are spread uniformly over the minute, and models
     * interleave. Ties keep the scenario order.
     */
    public List<SimulatedEvent> minute(int simMinute) {
        if (simMinute < 0) {
            throw new IllegalArgumentException("simMinute must be >= 0: " + simMinute);
        }
        List<SimulatedEvent> events = new ArrayList<>(scenarios.size() * eventsPerModelPerMinute);
        for (int m = 0; m < scenarios.size(); m++) {
            generate(m, simMinute, events);
        }
        // Stable sort: equal timestamps keep model order.
        events.sort(Comparator.comparingLong(SimulatedEvent::eventTimeMillis));
        return events;
    }

    private void generate(int modelIndex, int simMinute, List<SimulatedEvent> out) {
        ModelScenario scenario = scenarios.get(modelIndex);
        // One stream per (seed, model, minute): minutes can be generated in any order.
        SplittableRandom random = new SplittableRandom(mix(seed, modelIndex, simMinute));
        boolean drifting = scenario.driftingAt(simMinute);
        DriftKind drift = drifting ? scenario.drift() : DriftKind.NONE;
        long minuteStart = minuteStartMillis(simMinute);
        int n = eventsPerModelPerMinute;
        for (int i = 0; i < n; i++) {
            // Stratified: event i falls uniformly in the i-th of n equal slices of the minute,
            // so a model's events are in time order and cover the minute evenly.
            long offset = (long) Math.floor((i + random.nextDouble()) * 60_000.0 / n);
            long timestamp = minuteStart + Math.min(offset, 59_999);
            long sequence = (long) simMinute * n + i;
            String predictionId = predictionId(scenario.modelId(), sequence);
            out.add(new SimulatedEvent(scenario.modelId(), timestamp,
                    toJson(scenario, predictionId, timestamp, sample(random, drift))));
        }
    }

    /** {@code churn-01-000123}: the model id and a per-model sequence number, six digits or more. */
    static String predictionId(String modelId, long sequence) {
        String digits = Long.toString(sequence);
        StringBuilder id = new StringBuilder(modelId.length() + 8).append(modelId).append('-');
        for (int pad = digits.length(); pad < 6; pad++) {
            id.append('0');
        }
        return id.append(digits).toString();
    }

    /** One customer's features and the model's score. */
    record Sample(int tenureMonths, String plan, double monthlySpend, boolean promo, String region, double prediction) {}

    static Sample sample(SplittableRandom random, DriftKind drift) {
        double lambda = gamma(random, TENURE_GAMMA_SHAPE, TENURE_GAMMA_SCALE);
        if (drift == DriftKind.FEATURE_SHIFT) {
            lambda += TENURE_SHIFT;
        }
        int tenure = poisson(random, lambda);

        String plan = PLANS[pick(random, drift == DriftKind.CATEGORY_SHIFT ? PLAN_WEIGHTS_SHIFTED : PLAN_WEIGHTS)];

        double spend = Math.exp(SPEND_MU + SPEND_SIGMA * random.nextGaussian());
        if (drift == DriftKind.FEATURE_SHIFT) {
            spend *= SPEND_FACTOR;
        }
        spend = Math.round(spend * 100) / 100.0;

        boolean promo = random.nextDouble() < PROMO_RATE;
        String region = random.nextDouble() < REGION_MISSING ? null : REGIONS[pick(random, REGION_WEIGHTS)];

        double logit = score(tenure, plan, spend, promo, region);
        if (drift == DriftKind.PREDICTION_SHIFT) {
            logit += PREDICTION_LOGIT_SHIFT;
        }
        // Four decimals, kept strictly inside (0, 1).
        double prediction = Math.round(1e4 / (1 + Math.exp(-logit))) / 1e4;
        prediction = Math.min(0.9999, Math.max(0.0001, prediction));
        return new Sample(tenure, plan, spend, promo, region, prediction);
    }

    /**
     * A fixed churn-style logistic score: long tenure and bigger plans lower the risk, a promo
     * lowers it, high spend raises it a little. Centred so the stable population's mean score
     * is about 0.3.
     */
    static double score(int tenure, String plan, double spend, boolean promo, String region) {
        double z = -0.2 - 0.04 * tenure + 0.008 * (spend - 50.0) - 0.5 * (promo ? 1 : 0);
        z += switch (plan) {
            case "basic" -> 0.3;
            case "pro" -> 0.0;
            case "team" -> -0.3;
            default -> -0.6;
        };
        if (region == null) {
            z += 0.1;
        } else if (region.startsWith("ap-")) {
            z += 0.2;
        }
        return z;
    }

    /** Streams the fields straight out: about ten times cheaper than building a tree first. */
    private static byte[] toJson(ModelScenario scenario, String predictionId, long timestamp, Sample s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON_FACTORY.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("modelId", scenario.modelId());
            json.writeStringField("modelVersion", scenario.modelVersion());
            json.writeStringField("predictionId", predictionId);
            json.writeStringField("timestamp", ISO_MILLIS_UTC.format(Instant.ofEpochMilli(timestamp)));
            json.writeObjectFieldStart("features");
            json.writeNumberField("tenure_months", s.tenureMonths());
            json.writeStringField("plan", s.plan());
            json.writeNumberField("monthly_spend", s.monthlySpend());
            json.writeBooleanField("promo", s.promo());
            json.writeStringField("region", s.region()); // null is written as JSON null
            json.writeEndObject();
            json.writeNumberField("prediction", s.prediction());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise a simulated event", e);
        }
        return bytes.toByteArray();
    }

    private static int pick(SplittableRandom random, double[] weights) {
        double u = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < weights.length - 1; i++) {
            cumulative += weights[i];
            if (u < cumulative) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** Gamma with integer shape: a sum of exponentials. */
    private static double gamma(SplittableRandom random, int shape, double scale) {
        double sum = 0;
        for (int i = 0; i < shape; i++) {
            sum -= Math.log(1.0 - random.nextDouble());
        }
        return sum * scale;
    }

    /** Knuth's multiplication method; fine for the lambdas here (mean 20 to 28, rarely above 100). */
    private static int poisson(SplittableRandom random, double lambda) {
        if (lambda > 500) {
            // exp(-lambda) would underflow; a normal approximation is exact enough there.
            return (int) Math.max(0, Math.round(lambda + Math.sqrt(lambda) * random.nextGaussian()));
        }
        double limit = Math.exp(-lambda);
        double product = random.nextDouble();
        int k = 0;
        while (product > limit) {
            product *= random.nextDouble();
            k++;
        }
        return k;
    }

    /** A well-mixed seed for one (seed, model, minute) stream (SplitMix64 finaliser). */
    private static long mix(long seed, int modelIndex, int minute) {
        long z = seed;
        z = splitmix(z ^ (0x9E3779B97F4A7C15L * (modelIndex + 1)));
        z = splitmix(z ^ (0xC2B2AE3D27D4EB4FL * (minute + 1L)));
        return z;
    }

    private static long splitmix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
