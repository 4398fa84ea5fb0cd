package io.modelwatch.bench;

import java.time.Instant;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The reference workload's event (docs/benchmarks.md): 20 numeric features (normal, log-normal,
 * integer counts) and 5 categorical ones (10 values each), a score prediction.
 */
public final class Workload {
    public static final int NUMERIC = 20;
    public static final int CATEGORICAL = 5;
    private static final String[] VALUES = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};

    private Workload() {}

    public static String json(SplittableRandom r, String modelId, long millis) {
        StringBuilder sb = new StringBuilder(900);
        sb.append("{\"modelId\":\"").append(modelId).append("\",\"modelVersion\":\"1\",\"predictionId\":\"")
                .append(modelId).append('-').append(millis).append("\",\"timestamp\":\"")
                .append(Instant.ofEpochMilli(1_764_144_000_000L + millis)).append("\",\"features\":{");
        for (int f = 0; f < NUMERIC; f++) {
            double v = switch (f % 3) {
                case 0 -> gaussian(r);
                case 1 -> Math.exp(gaussian(r));
                default -> Math.floor(-Math.log(1 - r.nextDouble()) * 5);
            };
            sb.append(f == 0 ? "" : ",").append("\"n").append(f).append("\":")
                    .append(String.format(Locale.ROOT, "%.4f", v));
        }
        for (int f = 0; f < CATEGORICAL; f++) {
            int k = (int) Math.min(9, Math.floor(-Math.log(1 - r.nextDouble()) * 2.5));
            sb.append(",\"c").append(f).append("\":\"").append(VALUES[k]).append('"');
        }
        sb.append("},\"prediction\":").append(String.format(Locale.ROOT, "%.4f", r.nextDouble())).append('}');
        return sb.toString();
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
