package io.modelwatch.bench;

import java.time.Instant;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The benchmark's event (docs/benchmarks.md): numeric features (normal, log-normal, integer
 * counts in turn) and categorical ones (10 values each, skewed), a score prediction. The reference
 * workload has 20 numeric and 5 categorical features.
 */
public record Workload(int numeric, int categorical) {
    public static final int NUMERIC = 20;
    public static final int CATEGORICAL = 5;
    private static final String[] VALUES = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};

    public static Workload reference() {
        return new Workload(NUMERIC, CATEGORICAL);
    }

    /** Features plus the prediction: what per-feature state is divided by. */
    public int monitoredValues() {
        return numeric + categorical + 1;
    }

    public String json(SplittableRandom r, String modelId, long epochMillis) {
        return json(r, modelId, epochMillis, 0);
    }

    /**
     * One event at {@code epochMillis}; {@code shift} moves the normal features' mean by that many
     * standard deviations (a drifting model in the latency run).
     */
    public String json(SplittableRandom r, String modelId, long epochMillis, double shift) {
        StringBuilder sb = new StringBuilder(40 * (numeric + categorical) + 150);
        sb.append("{\"modelId\":\"").append(modelId).append("\",\"modelVersion\":\"1\",\"predictionId\":\"")
                .append(modelId).append('-').append(epochMillis).append("\",\"timestamp\":\"")
                .append(Instant.ofEpochMilli(epochMillis)).append("\",\"features\":{");
        for (int f = 0; f < numeric; f++) {
            double v = switch (f % 3) {
                case 0 -> gaussian(r) + shift;
                case 1 -> Math.exp(gaussian(r));
                default -> Math.floor(-Math.log(1 - r.nextDouble()) * 5);
            };
            sb.append(f == 0 ? "" : ",").append("\"n").append(f).append("\":")
                    .append(String.format(Locale.ROOT, "%.4f", v));
        }
        for (int f = 0; f < categorical; f++) {
            int k = (int) Math.min(9, Math.floor(-Math.log(1 - r.nextDouble()) * 2.5));
            sb.append(numeric == 0 && f == 0 ? "" : ",").append("\"c").append(f).append("\":\"").append(VALUES[k])
                    .append('"');
        }
        sb.append("},\"prediction\":").append(String.format(Locale.ROOT, "%.4f", r.nextDouble())).append('}');
        return sb.toString();
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
