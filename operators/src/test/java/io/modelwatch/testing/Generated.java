package io.modelwatch.testing;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Test fixture: events of one model whose features are drawn by the given functions (a
 * {@code Double} is numeric, a {@code String} categorical, {@code null} missing); the prediction
 * is a fixed score. For statistical tests that need shapes {@link Events} does not have.
 */
public final class Generated {
    private final LinkedHashMap<String, Function<SplittableRandom, Object>> features = new LinkedHashMap<>();

    public Generated feature(String name, Function<SplittableRandom, Object> draw) {
        features.put(name, draw);
        return this;
    }

    public List<PredictionEvent> events(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PredictionEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int k = features.size();
            String[] names = new String[k];
            byte[] kinds = new byte[k];
            double[] nums = new double[k];
            String[] cats = new String[k];
            int j = 0;
            for (Map.Entry<String, Function<SplittableRandom, Object>> f : features.entrySet()) {
                names[j] = f.getKey();
                Object v = f.getValue().apply(r);
                if (v instanceof Number x) {
                    kinds[j] = ValueKind.NUMERIC;
                    nums[j] = x.doubleValue();
                } else if (v != null) {
                    kinds[j] = ValueKind.CATEGORICAL;
                    cats[j] = v.toString();
                } else {
                    kinds[j] = ValueKind.MISSING;
                }
                j++;
            }
            out.add(new PredictionEvent("m", "1", null, i, names, kinds, nums, cats, ValueKind.NUMERIC, 0.5, null));
        }
        return out;
    }

    /** Zipf(1) over {@code n} categories named c0..c{n-1}. */
    public static Function<SplittableRandom, Object> zipf(int n) {
        double[] cumulative = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1.0 / (i + 1);
            cumulative[i] = sum;
        }
        double total = sum;
        return r -> {
            double u = r.nextDouble() * total;
            int lo = 0;
            int hi = n - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return "c" + lo;
        };
    }

    /** Poisson by inversion, for small means. */
    public static int poisson(SplittableRandom r, double mean) {
        double p = Math.exp(-mean);
        double f = p;
        double u = r.nextDouble();
        int k = 0;
        while (u > f && k < 1000) {
            k++;
            p *= mean / k;
            f += p;
        }
        return k;
    }
}
