package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.CategoryBins;
import io.modelwatch.stats.sketches.CompactDoubles;
import io.modelwatch.stats.sketches.DistinctValues;
import io.modelwatch.stats.sketches.ItemCount;
import io.modelwatch.stats.sketches.QuantileBins;
import io.modelwatch.stats.sketches.RunningMoments;
import io.modelwatch.stats.sketches.TopKCounter;
import io.modelwatch.stats.sketches.VarLongs;
import io.modelwatch.stats.tests.Wasserstein;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * What a feature looked like in the reference, frozen: its learned type, summary statistics and
 * the bins that windows are compared on. A feature that never had a value in the reference has
 * neither numeric nor category bins and is only watched for missing values.
 *
 * <p>A numeric feature has two sets of quantile bins from the same reference sketch: the coarse
 * {@code numericBins} of the population stability index (deciles by default: the customary PSI
 * bins, see {@link QuantileBins}), and a finer {@code grid} of at least {@link #MIN_GRID_BINS}
 * equal-mass bins on which windows actually count their values and on which the
 * Kolmogorov-Smirnov distance is taken. The grid has a multiple of {@code numericBins} bins, so
 * every PSI edge is also a grid edge and PSI counts are sums of grid counts. {@code quantiles}
 * are the reference quantiles at the grid's ranks {@code j/G}, for the Wasserstein distance, and
 * {@code rankError} is how far the reference's cumulative proportions may be off (the KLL
 * sketch's normalised rank error, or 0 when they were counted exactly).
 *
 * <p>Windows count values on the <em>counting bins</em>: the grid when there is one, the PSI bins
 * for references frozen before the grid existed (format 1), the category bins for categorical
 * features.
 *
 * <p>For data quality it also keeps: {@code knownCategories}, every category of the reference
 * when it had fewer distinct values than the counter's capacity (so the list is exact; null when
 * it had more, or for numeric features); {@code singletons}, categories seen exactly once (n1 of
 * the Good-Turing estimate n1/N of how often a new category appears without anything having
 * changed); {@code nonFinite}, NaN/Infinity values; {@code otherType}, values of the minority
 * type (categorical values of a numeric feature, or the reverse).
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
        QuantileBins grid,
        double[] quantiles,
        double rankError,
        String[] knownCategories,
        long singletons,
        long nonFinite,
        long otherType) {

    /**
     * At least this many grid bins: the Kolmogorov-Smirnov distance on a grid of {@code G}
     * equal-mass bins can fall short of the exact one by at most {@code 1/G}, 0.02 here, small
     * against the distances that matter (a 0.3 standard deviation shift of a normal is 0.12); a
     * window then counts in about 50 longs (400 bytes) and the reference keeps about 1.2 KB per
     * numeric feature.
     */
    public static final int MIN_GRID_BINS = 50;

    private static final byte FORMAT_1 = 1;
    /** Format 2 adds the grid, its quantiles and the rank error, and the data-quality fields. */
    private static final byte FORMAT_2 = 2;
    /**
     * Format 3 is format 2 in fewer bytes: counts as varints ({@link VarLongs}), the minimum,
     * maximum and quantiles (values of the data) as {@link CompactDoubles}, the bins in
     * {@link QuantileBins}' format 2.
     */
    private static final byte FORMAT = 3;

    public static FeatureReference freeze(String name, FeatureProfile p, long events, int numericBins, int categoryBins) {
        long missing = Math.max(0, events - p.present() - p.typeMismatches() - p.nonFinite());
        boolean numeric = p.numericCount() >= p.categoricalCount();
        if (p.present() == 0) {
            return new FeatureReference(name, true, 0, missing, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null,
                    null, null, null, 0, null, 0, p.nonFinite(), 0);
        }
        if (numeric) {
            RunningMoments m = p.moments();
            KllDoublesSketch sketch = p.sketch();
            int gridBins = gridBins(numericBins);
            double[] quantiles = sketch.getQuantiles(Wasserstein.gridRanks(gridBins), QuantileSearchCriteria.INCLUSIVE);
            double rankError = sketch.isEstimationMode() ? sketch.getNormalizedRankError(false) : 0;
            DistinctValues distinct = p.distinctValues();
            if (distinct != null && distinct.size() > 0) {
                // A discrete feature (a flag, a class label, a small count): every value is a bin
                // of its own with its exact share, for the PSI bins and the grid alike.
                QuantileBins values = QuantileBins.ofValues(distinct.values(), distinct.counts());
                return new FeatureReference(name, true, p.numericCount(), missing, m.mean(), m.stddev(), m.min(),
                        m.max(), values, null, values, quantiles, 0, null, 0, p.nonFinite(), p.categoricalCount());
            }
            return new FeatureReference(name, true, p.numericCount(), missing, m.mean(), m.stddev(), m.min(), m.max(),
                    QuantileBins.fromSketch(sketch, numericBins), null, QuantileBins.fromSketch(sketch, gridBins),
                    quantiles, rankError, null, 0, p.nonFinite(), p.categoricalCount());
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
                Double.NaN, null, CategoryBins.fromCounter(c, categoryBins), null, null, 0, known, singletons,
                p.nonFinite(), p.numericCount());
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

    /** The smallest multiple of {@code numericBins} that is at least {@link #MIN_GRID_BINS}. */
    public static int gridBins(int numericBins) {
        return numericBins * (int) Math.ceil((double) MIN_GRID_BINS / numericBins);
    }

    /**
     * This reference with its bin proportions replaced by exact ones, counted in a second pass
     * over the reference data into {@code exact} (a profile binned against this reference): what
     * {@code modelwatch profile} does, so a reference from a training file has no rank error.
     */
    public FeatureReference withExactProportions(FeatureProfile exact) {
        long[] counts = exact == null ? null : exact.bins();
        if (counts == null || counts.length != binCount()) {
            return this;
        }
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return this;
        }
        if (categoryBins != null) {
            double[] props = new double[counts.length];
            for (int i = 0; i < counts.length; i++) {
                props[i] = (double) counts[i] / total;
            }
            return new FeatureReference(name, numeric, present, missing, mean, stddev, min, max, numericBins,
                    new CategoryBins(categoryBins.categories(), props), grid, quantiles, 0, knownCategories, singletons, nonFinite,
                    otherType);
        }
        if (grid != null) {
            double[] gridProps = new double[counts.length];
            for (int i = 0; i < counts.length; i++) {
                gridProps[i] = (double) counts[i] / total;
            }
            double[] coarse = psiCounts(counts);
            for (int i = 0; i < coarse.length; i++) {
                coarse[i] /= total;
            }
            return new FeatureReference(name, numeric, present, missing, mean, stddev, min, max,
                    new QuantileBins(numericBins.edges(), coarse, total), null,
                    new QuantileBins(grid.edges(), gridProps, total), quantiles, 0, knownCategories, singletons,
                    nonFinite, otherType);
        }
        if (numericBins != null) {
            double[] props = new double[counts.length];
            for (int i = 0; i < counts.length; i++) {
                props[i] = (double) counts[i] / total;
            }
            return new FeatureReference(name, numeric, present, missing, mean, stddev, min, max,
                    new QuantileBins(numericBins.edges(), props, total), null, null, quantiles, 0, knownCategories,
                    singletons, nonFinite, otherType);
        }
        return this;
    }

    /**
     * Whether this numeric feature is discrete with exactly known shares: every bin with reference
     * mass holds one value ({@link QuantileBins#singleValued()}) and the shares were counted, not
     * read from a sketch. Such a feature is tested like a categorical one, on its values.
     */
    public boolean discrete() {
        QuantileBins counting = grid != null ? grid : numericBins;
        if (!numeric || counting == null || rankError != 0 || !counting.singleValued()) {
            return false;
        }
        int values = 0;
        for (double share : counting.referenceProportions()) {
            values += share > 0 ? 1 : 0;
        }
        return values <= DistinctValues.CAPACITY;
    }

    public boolean hasBins() {
        return numericBins != null || categoryBins != null;
    }

    /** Number of counting bins (see the class comment); 0 without bins. */
    public int binCount() {
        if (grid != null) {
            return grid.binCount();
        }
        return numericBins != null ? numericBins.binCount() : categoryBins != null ? categoryBins.binCount() : 0;
    }

    /** Counting bin of a numeric value, or -1 when the feature has no numeric bins. */
    public int binOf(double x) {
        if (grid != null) {
            return grid.binOf(x);
        }
        return numericBins != null ? numericBins.binOf(x) : -1;
    }

    /** Counting bin of a categorical value, or -1 when the feature has no category bins. */
    public int binOf(String value) {
        return categoryBins != null ? categoryBins.binOf(value) : -1;
    }

    /** Reference proportions per counting bin; a copy. */
    public double[] countingProportions() {
        if (grid != null) {
            return grid.referenceProportions();
        }
        return numericBins != null ? numericBins.referenceProportions() : categoryBins.referenceProportions();
    }

    /** Reference proportions per PSI bin (the category bins for a categorical feature); a copy. */
    public double[] psiProportions() {
        return numericBins != null ? numericBins.referenceProportions() : categoryBins.referenceProportions();
    }

    /** Window counts per counting bin summed into the PSI bins. */
    public double[] psiCounts(long[] countingCounts) {
        double[] out = new double[numericBins != null ? numericBins.binCount() : countingCounts.length];
        if (grid == null || numericBins == null) {
            for (int i = 0; i < countingCounts.length; i++) {
                out[i] = countingCounts[i];
            }
            return out;
        }
        double[] fine = grid.edges();
        for (int j = 0; j < countingCounts.length; j++) {
            // Grid bin j is [fine[j-1], fine[j]); every PSI edge is a grid edge, so the bin lies in
            // exactly one PSI bin, the one its lower edge falls in.
            int coarse = j == 0 ? 0 : numericBins.binOf(fine[j - 1]);
            out[coarse] += countingCounts[j];
        }
        return out;
    }

    /**
     * The reference's standard deviation, the unit of the reported Wasserstein distance (as
     * Evidently normalises it); for a constant feature the magnitude of the constant, or 1.
     */
    public double scale() {
        if (stddev > 0 && Double.isFinite(stddev)) {
            return stddev;
        }
        return Double.isFinite(mean) && mean != 0 ? Math.abs(mean) : 1;
    }

    public double missingRate() {
        long total = present + missing;
        return total == 0 ? 0 : (double) missing / total;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeUTF(name);
        out.writeBoolean(numeric);
        VarLongs.writeUnsigned(out, present);
        VarLongs.writeUnsigned(out, missing);
        out.writeLong(Double.doubleToRawLongBits(mean));
        out.writeLong(Double.doubleToRawLongBits(stddev));
        CompactDoubles.write(out, min);
        CompactDoubles.write(out, max);
        out.writeBoolean(numericBins != null);
        if (numericBins != null) {
            numericBins.writeTo(out);
        }
        out.writeBoolean(categoryBins != null);
        if (categoryBins != null) {
            categoryBins.writeTo(out);
        }
        out.writeBoolean(grid != null);
        if (grid != null) {
            grid.writeTo(out);
        }
        VarLongs.writeUnsigned(out, quantiles == null ? 0 : quantiles.length + 1L);
        if (quantiles != null) {
            CompactDoubles.writeAll(out, quantiles, 0, quantiles.length);
        }
        out.writeLong(Double.doubleToRawLongBits(rankError));
        VarLongs.writeUnsigned(out, knownCategories == null ? 0 : knownCategories.length + 1L);
        if (knownCategories != null) {
            for (String k : knownCategories) {
                out.writeUTF(k);
            }
        }
        VarLongs.writeUnsigned(out, singletons);
        VarLongs.writeUnsigned(out, nonFinite);
        VarLongs.writeUnsigned(out, otherType);
    }

    private static FeatureReference readFormat3(DataInput in) throws IOException {
        String name = in.readUTF();
        boolean numeric = in.readBoolean();
        long present = readCount(in);
        long missing = readCount(in);
        double mean = Double.longBitsToDouble(in.readLong());
        double stddev = Double.longBitsToDouble(in.readLong());
        double min = CompactDoubles.read(in);
        double max = CompactDoubles.read(in);
        QuantileBins nb = in.readBoolean() ? QuantileBins.readFrom(in) : null;
        CategoryBins cb = in.readBoolean() ? CategoryBins.readFrom(in) : null;
        QuantileBins grid = in.readBoolean() ? QuantileBins.readFrom(in) : null;
        int nq = readLength(in, "quantile");
        double[] quantiles = null;
        if (nq >= 0) {
            quantiles = new double[nq];
            CompactDoubles.readAll(in, quantiles, quantiles.length);
        }
        double rankError = Double.longBitsToDouble(in.readLong());
        int nk = readLength(in, "category");
        String[] known = null;
        if (nk >= 0) {
            known = new String[nk];
            for (int i = 0; i < nk; i++) {
                known[i] = in.readUTF();
            }
        }
        long singletons = readCount(in);
        long nonFinite = readCount(in);
        long otherType = readCount(in);
        return new FeatureReference(name, numeric, present, missing, mean, stddev, min, max, nb, cb, grid, quantiles,
                rankError, known, singletons, nonFinite, otherType);
    }

    /** An array's length written as {@code length + 1} (0 for none): -1 for none. */
    private static int readLength(DataInput in, String what) throws IOException {
        long n = readCount(in) - 1;
        if (n > 1 << 20) {
            throw new IOException("FeatureReference: corrupt " + what + " count " + n);
        }
        return (int) n;
    }

    private static long readCount(DataInput in) throws IOException {
        long v = VarLongs.readUnsigned(in, "FeatureReference");
        if (v < 0) {
            throw new IOException("FeatureReference: corrupt count " + v);
        }
        return v;
    }

    /** Reads format 3, format 2, and format 1 (no grid: windows count on the PSI bins). */
    public static FeatureReference readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format == FORMAT) {
            return readFormat3(in);
        }
        if (format != FORMAT_2 && format != FORMAT_1) {
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
        if (format == FORMAT_1) {
            return new FeatureReference(name, numeric, present, missing, mean, stddev, min, max, nb, cb, null, null, 0,
                    null, 0, 0, 0);
        }
        QuantileBins grid = in.readBoolean() ? QuantileBins.readFrom(in) : null;
        int nq = in.readInt();
        double[] quantiles = null;
        if (nq >= 0) {
            quantiles = new double[nq];
            for (int i = 0; i < nq; i++) {
                quantiles[i] = in.readDouble();
            }
        }
        double rankError = in.readDouble();
        String[] known = null;
        int nk = in.readInt();
        if (nk >= 0) {
            known = new String[nk];
            for (int i = 0; i < nk; i++) {
                known[i] = in.readUTF();
            }
        }
        long singletons = in.readLong();
        long nonFinite = in.readLong();
        long otherType = in.readLong();
        return new FeatureReference(name, numeric, present, missing, mean, stddev, min, max, nb, cb, grid, quantiles,
                rankError, known, singletons, nonFinite, otherType);
    }
}
