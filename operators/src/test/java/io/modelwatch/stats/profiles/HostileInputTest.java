package io.modelwatch.stats.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.ingest.PredictionEventParser;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * One careless or hostile producer must not grow a model's state without bound. The bounds are
 * those of docs/operations.md: at most {@link ModelProfile#MAX_FEATURES} features, at most
 * {@link FeatureProfile#CATEGORY_CAPACITY} categories per feature, strings of at most
 * {@link PredictionEventParser#MAX_STRING_LENGTH} characters (longer ones are dead letters).
 */
class HostileInputTest {
    static final String LONGEST = "x".repeat(PredictionEventParser.MAX_STRING_LENGTH - 10);

    static PredictionEvent event(int i, String[] names, byte kind, String category) {
        byte[] kinds = new byte[names.length];
        Arrays.fill(kinds, kind);
        double[] nums = new double[names.length];
        Arrays.fill(nums, i);
        String[] cats = new String[names.length];
        Arrays.fill(cats, category);
        return new PredictionEvent("m", "1", null, i, names, kinds, nums, cats, ValueKind.NUMERIC, 0.5, null);
    }

    @Test
    void aMillionDistinctFeatureNamesAreCountedNotKept() {
        ModelProfile learned = new ModelProfile();
        for (int e = 0; e < 1000; e++) {
            String[] names = new String[1000];
            for (int f = 0; f < names.length; f++) {
                names[f] = LONGEST + (e * 1000 + f);
            }
            learned.add(event(e, names, ValueKind.NUMERIC, null));
        }
        assertThat(learned.features()).hasSize(ModelProfile.MAX_FEATURES);
        assertThat(learned.featuresOverCap()).isEqualTo(1_000_000 - ModelProfile.MAX_FEATURES);
        // 200 numeric features that each saw a single value: names plus tiny sketches.
        assertThat(learned.toBytes().length).isLessThan(200 * 1024);
    }

    @Test
    void aMillionDistinctCategoryValuesKeepAtMost64PerFeatureEvenAt200Features() {
        String[] names = new String[ModelProfile.MAX_FEATURES];
        for (int f = 0; f < names.length; f++) {
            names[f] = "f" + f;
        }
        ModelProfile window = new ModelProfile();
        for (int e = 0; e < 1_000_000; e += 200) {
            // Each event a fresh, maximally long category value for every feature.
            window.add(event(e, names, ValueKind.CATEGORICAL, LONGEST + e));
        }
        FeatureProfile one = window.features().get("f0");
        assertThat(one.categories().size()).isEqualTo(FeatureProfile.CATEGORY_CAPACITY);
        int bytes = window.toBytes().length;
        // Documented worst case: 200 features x 64 categories x (200 chars + counters) ~ 2.9 MB.
        assertThat(bytes).isLessThan(3 * 1024 * 1024);
        // And it does not grow with more hostile traffic.
        for (int e = 0; e < 100_000; e += 200) {
            window.add(event(e, names, ValueKind.CATEGORICAL, LONGEST.substring(4) + "more" + e));
        }
        assertThat(window.toBytes().length).isLessThanOrEqualTo(bytes + 1024);
    }

    @Test
    void aNumericFeatureStaysSmallHoweverManyValues() {
        ModelProfile window = new ModelProfile();
        String[] names = {"x"};
        for (int e = 0; e < 1_000_000; e++) {
            window.add(event(e, names, ValueKind.NUMERIC, null));
        }
        // KLL (k=200) grows with log(n) only: a million values fit in a few KB.
        assertThat(window.features().get("x").sketch().toByteArray().length).isLessThan(8 * 1024);
    }
}
