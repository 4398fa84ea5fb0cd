package io.modelwatch.stats;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * What a feature looked like in the reference, frozen: its learned type, summary statistics and
 * the bins that windows are compared on. A feature that never had a value in the reference has
 * neither numeric nor category bins and is only watched for missing values.
 *
 * @param knownCategories every category of the reference, when it had fewer distinct values than
 *     the counter's capacity (so the list is exact); null when it had more, or for numeric features
 * @param singletons categories seen exactly once in the reference: n1 of the Good-Turing estimate
 *     n1/N of how often a new category appears without anything having changed
 * @param nonFinite NaN/Infinity values in the reference
 * @param otherType values of the minority type (categorical values of a numeric feature, or the
 *     reverse) in the reference
 */
public record FeatureReference(
        String name,
        boolean numeric,
        long present,
        long missing,
        double mean,
        double stddev,
        double min,
        double max,
        QuantileBins numericBins,
        CategoryBins categoryBins,
        String[] knownCategories,
        long singletons,
        long nonFinite,
        long otherType) {

    private static final byte FORMAT = 2;

    public static FeatureReference freeze(String name, FeatureProfile p, long events, int numericBins, int categoryBins) {
        long missing = Math.max(0, events - p.present() - p.typeMismatches() - p.nonFinite());
        boolean numeric = p.numericCount() >= p.categoricalCount();
        if (p.present() == 0) {
            return new FeatureReference(name, true, 0, missing, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null,
                    null, 0, p.nonFinite(), 0);
        }
        if (numeric) {
            RunningMoments m = p.moments();
            return new FeatureReference(name, true, p.numericCount(), missing, m.mean(), m.stddev(), m.min(), m.max(),
                    QuantileBins.fromSketch(p.sketch(), numericBins), null, null, 0, p.nonFinite(), p.categoricalCount());
        }
        TopKCounter c = p.categories();
        String[] known = null;
        long singletons = 0;
        if (c.size() < c.capacity()) {
            // Never full, so never evicted: the counts are exact and the list is complete.
            var all = c.top(c.size());
            known = all.stream().map(ItemCount::item).sorted().toArray(String[]::new);
            singletons = all.stream().filter(i -> i.count() == 1).count();
        }
        return new FeatureReference(name, false, p.categoricalCount(), missing, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, null, CategoryBins.fromCounter(c, categoryBins), known, singletons, p.nonFinite(),
                p.numericCount());
    }

    /**
     * Margin beyond the reference's [min, max], as a share of its range, before a value counts
     * as out of range. A shifted mean pushes values just past the old extremes: that is drift,
     * which the drift statistics report. A unit change (cents for euros) or a sentinel such as
     * -999 lands far outside: that is a data-quality finding. Half the range separates the two.
     */
    public static final double RANGE_MARGIN = 0.5;

    /** A numeric value far outside what the reference saw (see {@link #RANGE_MARGIN}). */
    public boolean outsideRange(double x) {
        if (present == 0 || !numeric) {
            return false;
        }
        double margin = RANGE_MARGIN * (max - min);
        return x < min - margin || x > max + margin;
    }

    /** Whether {@code value} was among the reference's categories; false when that is not known. */
    public boolean knowsCategory(String value) {
        return knownCategories != null && java.util.Arrays.binarySearch(knownCategories, value) >= 0;
    }

    /** Whether a category outside the reference can be told apart from a rare one. */
    public boolean hasCompleteCategories() {
        return knownCategories != null;
    }

    public boolean hasBins() {
        return numericBins != null || categoryBins != null;
    }

    public int binCount() {
        return numericBins != null ? numericBins.binCount() : categoryBins != null ? categoryBins.binCount() : 0;
    }

    public double[] referenceProportions() {
        return numericBins != null ? numericBins.referenceProportions() : categoryBins.referenceProportions();
    }

    public double missingRate() {
        long total = present + missing;
        return total == 0 ? 0 : (double) missing / total;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeUTF(name);
        out.writeBoolean(numeric);
        out.writeLong(present);
        out.writeLong(missing);
        out.writeDouble(mean);
        out.writeDouble(stddev);
        out.writeDouble(min);
        out.writeDouble(max);
        out.writeBoolean(numericBins != null);
        if (numericBins != null) {
            numericBins.writeTo(out);
        }
        out.writeBoolean(categoryBins != null);
        if (categoryBins != null) {
            categoryBins.writeTo(out);
        }
        out.writeInt(knownCategories == null ? -1 : knownCategories.length);
        if (knownCategories != null) {
            for (String k : knownCategories) {
                out.writeUTF(k);
            }
        }
        out.writeLong(singletons);
        out.writeLong(nonFinite);
        out.writeLong(otherType);
    }

    public static FeatureReference readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != 1 && format != FORMAT) {
            throw new IOException("FeatureReference: unknown format " + format);
        }
        String name = in.readUTF();
        boolean numeric = in.readBoolean();
        long present = in.readLong();
        long missing = in.readLong();
        double mean = in.readDouble();
        double stddev = in.readDouble();
        double min = in.readDouble();
        double max = in.readDouble();
        QuantileBins nb = in.readBoolean() ? QuantileBins.readFrom(in) : null;
        CategoryBins cb = in.readBoolean() ? CategoryBins.readFrom(in) : null;
        String[] known = null;
        long singletons = 0;
        long nonFinite = 0;
        long otherType = 0;
        if (format >= 2) {
            int n = in.readInt();
            if (n >= 0) {
                known = new String[n];
                for (int i = 0; i < n; i++) {
                    known[i] = in.readUTF();
                }
            }
            singletons = in.readLong();
            nonFinite = in.readLong();
            otherType = in.readLong();
        }
        return new FeatureReference(name, numeric, present, missing, mean, stddev, min, max, nb, cb, known, singletons,
                nonFinite, otherType);
    }
}
