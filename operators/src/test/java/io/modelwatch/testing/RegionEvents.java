package io.modelwatch.testing;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Test fixture for the prediction's segments: seeded events of model {@code m} version 1 with a
 * numeric {@code x ~ N(0, 1)}, a {@code region} (europe 40%, asia 25%, north_america 20%, latam
 * 15%) and a {@code device} (mobile 60%, desktop 40%), and a numeric prediction
 * {@code 0.5 + 0.1 x + region effect + N(0, 0.1)} plus {@code shift(event)}.
 */
public final class RegionEvents {
    public static final String[] REGIONS = {"europe", "asia", "north_america", "latam"};
    static final double[] REGION_P = {0.40, 0.25, 0.20, 0.15};
    static final double[] REGION_EFFECT = {0.0, 0.1, -0.1, 0.05};
    static final String[] DEVICES = {"mobile", "desktop"};
    static final String[] NAMES = {"x", "region", "device"};

    private RegionEvents() {}

    /** No shift. */
    public static final ToDoubleFunction<PredictionEvent> NONE = e -> 0;

    /** {@code by} where region = north_america, nothing elsewhere. */
    public static ToDoubleFunction<PredictionEvent> northAmerica(double by) {
        return e -> region(e).equals("north_america") ? by : 0;
    }

    public static String region(PredictionEvent e) {
        return e.categoricalValues()[1];
    }

    /** {@code n} events from {@code startMs}, {@code stepMs} apart. */
    public static List<PredictionEvent> events(long seed, int n, long startMs, long stepMs,
            ToDoubleFunction<PredictionEvent> shift) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PredictionEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double x = gaussian(r);
            double u = r.nextDouble();
            int region = REGIONS.length - 1;
            double acc = 0;
            for (int k = 0; k < REGIONS.length; k++) {
                acc += REGION_P[k];
                if (u < acc) {
                    region = k;
                    break;
                }
            }
            String device = r.nextDouble() < 0.6 ? DEVICES[0] : DEVICES[1];
            double prediction = 0.5 + 0.1 * x + REGION_EFFECT[region] + 0.1 * gaussian(r);
            long ts = startMs + i * stepMs;
            PredictionEvent e = new PredictionEvent("m", "1", "m-" + seed + "-" + i, ts, NAMES,
                    new byte[] {ValueKind.NUMERIC, ValueKind.CATEGORICAL, ValueKind.CATEGORICAL},
                    new double[] {x, 0, 0}, new String[] {null, REGIONS[region], device}, ValueKind.NUMERIC,
                    prediction, null);
            double s = shift.applyAsDouble(e);
            out.add(s == 0 ? e : new PredictionEvent("m", "1", e.predictionId(), ts, NAMES, e.featureKinds(),
                    e.numericValues(), e.categoricalValues(), ValueKind.NUMERIC, prediction + s, null));
        }
        return out;
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
