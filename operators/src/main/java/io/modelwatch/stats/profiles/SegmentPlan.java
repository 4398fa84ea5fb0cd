package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.CategoryBins;
import io.modelwatch.stats.sketches.QuantileBins;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The segments of a model version's prediction (docs/detection.md, "Segments of a prediction
 * drift"): which values of which features a window counts the prediction of, derived from the
 * frozen reference alone, so every build and restore chooses the same and no segment name is
 * stored per window.
 *
 * <p>A segment is one counting bin of a feature, so a window finds an event's segment from the bin
 * its value was already counted in ({@link ModelProfile#add(io.modelwatch.model.PredictionEvent,
 * ReferenceProfile)}): no string is hashed for it. Which:
 * <ul>
 *   <li>the first {@link #MAX_CATEGORICAL_FEATURES} categorical features of the reference (in its
 *       order, the order of their first appearance), each with its {@link #VALUES_PER_FEATURE}
 *       most frequent reference categories (its first category bins; OTHER is not a segment). The
 *       same caps as the performance segments (first four categorical features, eight values);
 *   <li>the first {@link #MAX_NUMERIC_FEATURES} numeric features, each with its PSI bins (the
 *       reference deciles; a discrete feature's values) that hold reference mass, at most
 *       {@link #BINS_PER_NUMERIC_FEATURE}. The window counts on the finer grid; each grid bin lies
 *       in one PSI bin, so the grid bin maps to its decile.
 * </ul>
 * What a window adds per segment is the prediction's quantity ({@link #classPrediction}): a
 * numeric prediction's value; for a class prediction, 1 when the predicted class is not the
 * reference's most frequent one (for a binary classifier, the share of its rarer class).
 */
public final class SegmentPlan {
    /** Categorical features with segments: as many as a prediction's segment code carries for performance. */
    public static final int MAX_CATEGORICAL_FEATURES = 4;
    /** Values per categorical feature: as the performance segments' dictionary keeps. */
    public static final int VALUES_PER_FEATURE = 8;
    /** Numeric features with segments. */
    public static final int MAX_NUMERIC_FEATURES = 4;
    /** Bins per numeric feature: the reference deciles (a discrete feature's first ten values). */
    public static final int BINS_PER_NUMERIC_FEATURE = 10;

    private static final SegmentPlan NONE = new SegmentPlan(new HashMap<>(), new int[0][], new String[0],
            new String[0], false);

    /** Slot of each feature with segments, by name. */
    private final Map<String, Integer> slots;
    /** Per slot, per counting bin of the feature, its segment's cell, or -1. */
    private final int[][] binToCell;
    private final String[] cellFeature;
    private final String[] cellValue;
    private final boolean classPrediction;

    private SegmentPlan(Map<String, Integer> slots, int[][] binToCell, String[] cellFeature, String[] cellValue,
            boolean classPrediction) {
        this.slots = slots;
        this.binToCell = binToCell;
        this.cellFeature = cellFeature;
        this.cellValue = cellValue;
        this.classPrediction = classPrediction;
    }

    /** The plan of a reference's features and prediction. */
    static SegmentPlan of(Map<String, FeatureReference> features, FeatureReference prediction) {
        boolean classes = prediction != null && !prediction.numeric() && prediction.categoryBins() != null;
        boolean numericPrediction = prediction != null && prediction.numeric() && prediction.present() > 0;
        if (!classes && !numericPrediction) {
            return NONE;
        }
        Map<String, Integer> slots = new HashMap<>();
        List<int[]> maps = new ArrayList<>();
        List<String> cellFeatures = new ArrayList<>();
        List<String> cellValues = new ArrayList<>();
        int categorical = 0;
        int numeric = 0;
        for (FeatureReference f : features.values()) {
            if (f.present() == 0) {
                continue;
            }
            int[] map = null;
            if (!f.numeric() && f.categoryBins() != null && categorical < MAX_CATEGORICAL_FEATURES) {
                CategoryBins bins = f.categoryBins();
                String[] cats = bins.categories();
                map = new int[bins.binCount()];
                Arrays.fill(map, -1);
                for (int b = 0; b < Math.min(cats.length, VALUES_PER_FEATURE); b++) {
                    map[b] = cellFeatures.size();
                    cellFeatures.add(f.name());
                    cellValues.add(cats[b]);
                }
                categorical++;
            } else if (f.numeric() && f.numericBins() != null && f.binCount() > 0 && numeric < MAX_NUMERIC_FEATURES) {
                map = numericMap(f, cellFeatures, cellValues);
                numeric++;
            }
            if (map != null) {
                slots.put(f.name(), maps.size());
                maps.add(map);
            }
        }
        if (cellFeatures.isEmpty()) {
            return NONE;
        }
        return new SegmentPlan(slots, maps.toArray(int[][]::new), cellFeatures.toArray(String[]::new),
                cellValues.toArray(String[]::new), classes);
    }

    /**
     * A numeric feature's counting bins mapped to its PSI bins that hold reference mass (at most
     * {@link #BINS_PER_NUMERIC_FEATURE}); adds their cells' names.
     */
    private static int[] numericMap(FeatureReference f, List<String> features, List<String> values) {
        QuantileBins psi = f.numericBins();
        double[] shares = psi.referenceProportions();
        double[] edges = psi.edges();
        int[] psiCell = new int[psi.binCount()];
        Arrays.fill(psiCell, -1);
        int cells = 0;
        for (int b = 0; b < psi.binCount() && cells < BINS_PER_NUMERIC_FEATURE; b++) {
            if (shares[b] > 0) {
                psiCell[b] = features.size();
                features.add(f.name());
                values.add(binName(edges, b));
                cells++;
            }
        }
        QuantileBins grid = f.grid();
        if (grid == null || grid == psi) {
            return psiCell;
        }
        // Each grid bin [fine[j-1], fine[j]) lies in the PSI bin its lower edge falls in
        // (every PSI edge is a grid edge), as FeatureReference#psiCounts sums them.
        double[] fine = grid.edges();
        int[] map = new int[grid.binCount()];
        for (int j = 0; j < map.length; j++) {
            map[j] = psiCell[j == 0 ? 0 : psi.binOf(fine[j - 1])];
        }
        return map;
    }

    /** A PSI bin's name: its value for a discrete one ({@code [v, nextUp(v))}), else {@code [lo, hi)}. */
    static String binName(double[] edges, int b) {
        if (b > 0 && b < edges.length && edges[b] == Math.nextUp(edges[b - 1])) {
            return number(edges[b - 1]);
        }
        String lo = b == 0 ? "-inf" : number(edges[b - 1]);
        String hi = b == edges.length ? "inf" : number(edges[b]);
        return "[" + lo + ", " + hi + ")";
    }

    private static String number(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e15) {
            return Long.toString((long) x);
        }
        return new BigDecimal(x).round(new MathContext(4)).stripTrailingZeros().toString();
    }

    /** The slot of a feature with segments, or -1. */
    public int slot(String feature) {
        Integer s = slots.get(feature);
        return s == null ? -1 : s;
    }

    /** The cell of counting bin {@code bin} of the feature in slot {@code slot}, or -1 (not a segment). */
    public int cell(int slot, int bin) {
        int[] map = binToCell[slot];
        return bin >= 0 && bin < map.length ? map[bin] : -1;
    }

    /** The number of segments (cells). */
    public int cellCount() {
        return cellFeature.length;
    }

    /** The feature of segment {@code cell}. */
    public String feature(int cell) {
        return cellFeature[cell];
    }

    /** The value (category, or bin) of segment {@code cell}. */
    public String value(int cell) {
        return cellValue[cell];
    }

    /**
     * Whether the prediction is a class: each event then adds 1 when the predicted class is not
     * the reference's most frequent one (its first category bin), else 0.
     */
    public boolean classPrediction() {
        return classPrediction;
    }

    /** What a segment's mean is of, for the report: {@code mean}, or {@code share_other_than:<class>}. */
    public String quantity(FeatureReference prediction) {
        if (!classPrediction) {
            return "mean";
        }
        String[] cats = prediction.categoryBins().categories();
        return "share_other_than:" + (cats.length > 0 ? cats[0] : "");
    }
}
