package io.modelwatch.testing;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Test fixture: seeded streams of events of one model with a numeric feature {@code x} (normal),
 * a categorical {@code plan} and a score prediction; {@code shift} moves x by that many standard
 * deviations, {@code planSkew} moves mass from "basic" to "enterprise".
 */
public final class Events {
    private static final String[] PLANS = {"basic", "pro", "team", "enterprise"};
    private static final double[] PLAN_P = {0.5, 0.3, 0.15, 0.05};

    private Events() {}

    public static List<PredictionEvent> stream(String modelId, long seed, int n, long startMs, long stepMs, double shift,
            double planSkew) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PredictionEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double x = 10 + 2 * (gaussian(r) + shift);
            double u = r.nextDouble();
            String plan = PLANS[PLANS.length - 1];
            double acc = 0;
            for (int k = 0; k < PLANS.length; k++) {
                double p = PLAN_P[k] + (k == 0 ? -planSkew : k == PLANS.length - 1 ? planSkew : 0);
                acc += p;
                if (u < acc) {
                    plan = PLANS[k];
                    break;
                }
            }
            double score = 1 / (1 + Math.exp(-(x - 10) / 2));
            out.add(new PredictionEvent(modelId, "1", modelId + "-" + i, startMs + i * stepMs,
                    new String[] {"x", "plan"}, new byte[] {ValueKind.NUMERIC, ValueKind.CATEGORICAL},
                    new double[] {x, 0}, new String[] {null, plan}, ValueKind.NUMERIC, score, null));
        }
        return out;
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
