package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.CompactDoubles;
import io.modelwatch.stats.sketches.DistinctValues;
import io.modelwatch.stats.sketches.ReproducibleKll;
import io.modelwatch.stats.sketches.RunningMoments;
import io.modelwatch.stats.sketches.StateBytes;
import io.modelwatch.stats.sketches.TopKCounter;
import io.modelwatch.stats.sketches.VarLongs;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * Rolling statistics of one feature (or of the prediction) over a span of events: counts,
 * Welford moments, min/max, a KLL quantile sketch of numeric values and Space-Saving top-K of
 * categorical ones. When the span is compared with a frozen reference, {@code bins} also counts
 * values exactly per reference bin, so PSI is computed from exact counts, not from sketch ranks.
 *
 * <p>Every part is mergeable, so spans can be combined (low-traffic windows accumulate) and
 * partial profiles can be pre-aggregated before the keyed exchange.
 */
public final class FeatureProfile {
    /** KLL accuracy parameter: normalised rank error about 1.3% (99% confidence, single query). */
    public static final int SKETCH_K = 200;
    /**
     * KLL accuracy of window profiles (those counting on a reference's bins): about 2.6%. A
     * window's sketch only gives the quantiles its report shows; every drift test reads the
     * window's exact bin counts. The sketch is most of an open window's state (docs/benchmarks.md),
     * and halving k about halves it; references keep {@link #SKETCH_K}, since their quantiles
     * become the bins.
     */
    public static final int WINDOW_SKETCH_K = 100;
    /** Categories tracked per feature; exact below this many distinct values. */
    public static final int CATEGORY_CAPACITY = 64;
    /**
     * Numeric values are kept as they are until there are more than the sketch's k of them, and
     * the KLL sketch is built from them, in the same order, when the next one arrives or a
     * quantile is first read. Up to k values a KLL sketch holds every value (it only compacts
     * when its first level passes k), so every quantile is what it was; what changes is the cost.
     * A heap KLL sketch holds an array of k doubles from its first value, updates through its
     * level bookkeeping and serialises through its memory layer; a model version with a handful
     * of events per batch and per window (many models with little traffic each: a one-minute
     * window of 60 events) paid that for every feature on every update and state round trip, and
     * built a sketch per window only to read five quantiles at its close (docs/benchmarks.md).
     * State formats up to 4 kept at most {@link #FORMAT_4_FEW_VALUES} values this way.
     */
    static final int FORMAT_4_FEW_VALUES = 16;

    /**
     * Format 3: the numeric values are either a KLL sketch or the few values before one (a tag
     * byte says which). Format 4 adds the exact distinct values of a profile that is not binned
     * (a reference being learned), while there are few ({@link DistinctValues}). Format 5 is
     * format 4 with up to the sketch's k values before the sketch instead of 16
     * ({@link #FORMAT_4_FEW_VALUES}). Format 6 holds the same information in fewer bytes: the
     * counters, lengths and bin counts as varints ({@link VarLongs}), the few values and the
     * sketch's items as {@link CompactDoubles} (a flag's 0 or 1 in a byte, a 4-decimal value in
     * about three, instead of eight), the distinct values in {@link DistinctValues}' format 2.
     * Earlier formats read as they were written.
     */
    private static final byte FORMAT = 6;
    private static final byte FORMAT_5 = 5;
    private static final byte SKETCH_BYTES = 0;
    /** The k a KLL sketch accepts (DataSketches' bounds): a sanity check of state read back. */
    private static final int MIN_K = 8;
    private static final int MAX_K = 65_535;
    private static final byte FEW_VALUES_TAG = 1;
    /** Bins a profile read back may have: a sanity check (a reference has at most a few hundred). */
    private static final int MAX_BINS = 1 << 20;

    private long numeric;
    private long categorical;
    private long missing;
    private long typeMismatches;
    private long nonFinite;
    private long outOfRange;
    private long unseenCategories;
    private RunningMoments moments;
    /** Null while the values are in {@link #few}; see {@link #FORMAT_4_FEW_VALUES}. */
    private KllDoublesSketch sketch;
    /** The numeric values in arrival order until the sketch is built ({@link #sketch()}); then null. */
    private double[] few;
    private int fewCount;
    /** The k of the sketch to be built from {@link #few}. */
    private int sketchK;
    /**
     * The first {@link #fewSortedCount} of {@link #few}, sorted: a span of low-traffic windows is
     * summarised at every window while it gains a few values, and sorting all of them again for
     * its quantiles was most of the window's cost in the model monitor (docs/benchmarks.md); the
     * values since are sorted and merged in. Valid because {@link #few} only grows at its end
     * until it is dropped. Not state: rebuilt when needed.
     */
    private double[] fewSorted;
    private int fewSortedCount;
    private TopKCounter categories;
    private long[] bins;
    /**
     * Exact counts of the numeric values while there are at most {@link DistinctValues#CAPACITY}
     * of them, in a profile that is not binned (a reference being learned): a discrete feature's
     * reference is then exact. Null in binned profiles (windows), after more distinct values, and
     * in profiles restored from format 3 or earlier (their earlier values were not counted).
     */
    private DistinctValues distinct;

    public FeatureProfile() {}

    /** A profile that also counts values per bin of a reference with {@code binCount} bins. */
    public static FeatureProfile binned(int binCount) {
        FeatureProfile p = new FeatureProfile();
        p.bins = new long[binCount];
        return p;
    }

    public void addNumeric(double x, int bin) {
        numeric++;
        if (moments == null) {
            moments = new RunningMoments();
            startValues(bins != null ? WINDOW_SKETCH_K : SKETCH_K);
            if (bins == null) {
                distinct = new DistinctValues();
            }
        }
        moments.add(x);
        addValue(x);
        if (distinct != null && !distinct.add(x)) {
            distinct = null;
        }
        if (bins != null && bin >= 0) {
            bins[bin]++;
        }
    }

    private void startValues(int k) {
        sketchK = k;
        few = new double[4];
        fewCount = 0;
        fewSorted = null;
        fewSortedCount = 0;
    }

    /** Into the few values while they fit, into the sketch (built from them first) after. */
    private void addValue(double x) {
        if (few != null) {
            if (fewCount < sketchK) {
                if (fewCount == few.length) {
                    few = Arrays.copyOf(few, Math.min(sketchK, few.length * 2));
                }
                few[fewCount++] = x;
                return;
            }
            buildSketch();
        }
        ReproducibleKll.update(sketch, x);
    }

    private void buildSketch() {
        sketch = KllDoublesSketch.newHeapInstance(sketchK);
        for (int i = 0; i < fewCount; i++) {
            ReproducibleKll.update(sketch, few[i]);
        }
        few = null;
        fewCount = 0;
        fewSorted = null;
        fewSortedCount = 0;
    }

    public void addCategorical(String value, int bin) {
        categorical++;
        if (categories == null) {
            categories = new TopKCounter(CATEGORY_CAPACITY);
        }
        categories.add(value);
        if (bins != null && bin >= 0) {
            bins[bin]++;
        }
    }

    public void addMissing() {
        missing++;
    }

    /** A value whose type differs from the reference's type for this feature: counted, not profiled. */
    public void addTypeMismatch() {
        typeMismatches++;
    }

    /** NaN or infinite: counted, not profiled. */
    public void addNonFinite() {
        nonFinite++;
    }

    /** A numeric value outside the reference's [min, max] (it is profiled as well). */
    public void addOutOfRange() {
        outOfRange++;
    }

    /** A category the reference never had (it is profiled as well). */
    public void addUnseenCategory() {
        unseenCategories++;
    }

    public long nonFinite() {
        return nonFinite;
    }

    public long outOfRange() {
        return outOfRange;
    }

    public long unseenCategories() {
        return unseenCategories;
    }

    public void merge(FeatureProfile other) {
        nonFinite += other.nonFinite;
        outOfRange += other.outOfRange;
        unseenCategories += other.unseenCategories;
        numeric += other.numeric;
        categorical += other.categorical;
        missing += other.missing;
        typeMismatches += other.typeMismatches;
        if (other.moments != null) {
            if (moments == null) {
                moments = new RunningMoments();
                // The accuracy of what is merged in: a window merged into an empty span stays small.
                startValues(other.sketch != null ? other.sketch.getK() : other.sketchK);
                distinct = other.distinct == null ? null : other.distinct.copy();
            } else if (distinct != null && (other.distinct == null || !distinct.merge(other.distinct))) {
                distinct = null;
            }
            moments.merge(other.moments);
            if (other.few != null) {
                for (int i = 0; i < other.fewCount; i++) {
                    addValue(other.few[i]);
                }
            } else {
                if (few != null) {
                    buildSketch();
                }
                ReproducibleKll.merge(sketch, other.sketch);
            }
        }
        if (other.categories != null) {
            if (categories == null) {
                categories = new TopKCounter(CATEGORY_CAPACITY);
            }
            categories.merge(other.categories);
        }
        if (other.bins != null) {
            if (bins == null) {
                bins = other.bins.clone();
            } else if (bins.length == other.bins.length) {
                for (int i = 0; i < bins.length; i++) {
                    bins[i] += other.bins[i];
                }
            } else {
                throw new IllegalArgumentException("cannot merge profiles binned on different references");
            }
        }
    }

    /** Events that carried the feature with a usable value. */
    public long present() {
        return numeric + categorical;
    }

    public long numericCount() {
        return numeric;
    }

    public long categoricalCount() {
        return categorical;
    }

    public long missing() {
        return missing;
    }

    public long typeMismatches() {
        return typeMismatches;
    }

    /** Null until a numeric value arrived. */
    public RunningMoments moments() {
        return moments;
    }

    /**
     * Null until a numeric value arrived. Builds the sketch from the few values kept before one
     * ({@link #FORMAT_4_FEW_VALUES}), so it is for reading quantiles, when a window is evaluated or a
     * reference frozen, not for every event.
     */
    public KllDoublesSketch sketch() {
        if (few != null) {
            buildSketch();
        }
        return sketch;
    }

    /**
     * The numeric values as a weighted sample, without changing the profile (unlike
     * {@link #sketch}, which builds the sketch from the few values): while they are few, each with
     * weight 1; after, the sketch's retained items with their weights. {@code [values, weights]};
     * empty arrays when no numeric value arrived.
     */
    public double[][] weightedValues() {
        if (few != null) {
            double[] values = Arrays.copyOf(few, fewCount);
            double[] weights = new double[fewCount];
            Arrays.fill(weights, 1.0);
            return new double[][] {values, weights};
        }
        if (sketch == null || sketch.isEmpty()) {
            return new double[][] {new double[0], new double[0]};
        }
        int m = sketch.getNumRetained();
        double[] values = new double[m];
        double[] weights = new double[m];
        org.apache.datasketches.quantilescommon.QuantilesDoublesSketchIterator it = sketch.iterator();
        int i = 0;
        while (it.next() && i < m) {
            values[i] = it.getQuantile();
            weights[i] = it.getWeight();
            i++;
        }
        return new double[][] {Arrays.copyOf(values, i), Arrays.copyOf(weights, i)};
    }

    /** Whether a numeric value arrived: {@link #quantiles} can be read. */
    public boolean hasNumericValues() {
        return moments != null && (few != null ? fewCount > 0 : !sketch.isEmpty());
    }

    /**
     * The values at the given normalised ranks, inclusive, exactly as the KLL sketch gives them
     * ({@code getQuantiles(ranks, INCLUSIVE)}). While the values are few the sketch would hold
     * each of them with weight one, so the answer is read from a sorted copy of them with the
     * sketch's own rank rule (DataSketches' {@code QuantilesUtil.getNaturalRank}, then the first
     * value whose cumulative weight reaches it), and no sketch is built: a window closes with five
     * quantiles per feature read this way. {@code FeatureProfileTest} compares the two.
     */
    public double[] quantiles(double[] ranks) {
        if (few == null) {
            return sketch.getQuantiles(ranks, QuantileSearchCriteria.INCLUSIVE);
        }
        if (fewCount == 0) {
            throw new IllegalStateException("no numeric values");
        }
        double[] sorted = sortedFew();
        double[] out = new double[ranks.length];
        for (int i = 0; i < ranks.length; i++) {
            double rank = ranks[i];
            if (!(rank >= 0 && rank <= 1)) {
                throw new IllegalArgumentException("rank must be in [0, 1], was " + rank);
            }
            double natural = rank * fewCount;
            // DataSketches rounds the natural rank to 7 decimals for streams up to 1e7 values,
            // so that 0.05 * 60 is 3, not 3.0000000000000004, before taking its ceiling.
            natural = Math.round(natural * 1e7) / 1e7;
            long atLeast = (long) Math.ceil(natural);
            int index = (int) Math.max(0, atLeast - 1);
            out[i] = sorted[Math.min(index, fewCount - 1)];
        }
        return out;
    }

    /** {@link #few}'s values sorted (the first {@link #fewCount} of the array returned). */
    private double[] sortedFew() {
        if (fewSorted == null || fewSortedCount > fewCount) {
            fewSorted = Arrays.copyOf(few, fewCount);
            Arrays.sort(fewSorted);
        } else if (fewSortedCount < fewCount) {
            double[] added = Arrays.copyOfRange(few, fewSortedCount, fewCount);
            Arrays.sort(added);
            double[] merged = new double[fewCount];
            int i = 0;
            int j = 0;
            int k = 0;
            while (i < fewSortedCount && j < added.length) {
                // Double.compare, as Arrays.sort orders: -0.0 before 0.0, NaN last.
                merged[k++] = Double.compare(fewSorted[i], added[j]) <= 0 ? fewSorted[i++] : added[j++];
            }
            while (i < fewSortedCount) {
                merged[k++] = fewSorted[i++];
            }
            while (j < added.length) {
                merged[k++] = added[j++];
            }
            fewSorted = merged;
        }
        fewSortedCount = fewCount;
        return fewSorted;
    }

    /** Null until a categorical value arrived. */
    public TopKCounter categories() {
        return categories;
    }

    /**
     * The exact distinct numeric values and their counts, when the profile is not binned and has
     * had at most {@link DistinctValues#CAPACITY} distinct values since its first; otherwise null.
     */
    public DistinctValues distinctValues() {
        return distinct;
    }

    /** Exact counts per reference bin, or null when the profile is not binned. */
    public long[] bins() {
        return bins;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        writeCounters(out);
        out.writeBoolean(moments != null);
        if (moments != null) {
            moments.writeTo(out);
            writeValues(out);
            writeDistinct(out);
        }
        writeCategories(out);
        writeBins(out);
    }

    /**
     * The bytes of each part of {@link #writeTo}'s form, for measuring where state goes
     * ({@code StateBytesPerFeature} in the benchmarks); the format byte and presence flags are in
     * {@code counters}.
     */
    public record PartSizes(int counters, int moments, int values, int distinct, int categories, int bins) {
        public int total() {
            return counters + moments + values + distinct + categories + bins;
        }

        public PartSizes plus(PartSizes o) {
            return new PartSizes(counters + o.counters, moments + o.moments, values + o.values,
                    distinct + o.distinct, categories + o.categories, bins + o.bins);
        }
    }

    public PartSizes partSizes() {
        int all = StateBytes.of(this::writeTo).length;
        int momentBytes = moments == null ? 0 : StateBytes.of(moments::writeTo).length;
        int values = moments == null ? 0 : StateBytes.of(this::writeValues).length;
        int distinctBytes = moments == null ? 0 : StateBytes.of(this::writeDistinct).length;
        int categoryBytes = StateBytes.of(this::writeCategories).length;
        int binBytes = StateBytes.of(this::writeBins).length;
        return new PartSizes(all - momentBytes - values - distinctBytes - categoryBytes - binBytes, momentBytes,
                values, distinctBytes, categoryBytes, binBytes);
    }

    private void writeCounters(DataOutput out) throws IOException {
        VarLongs.writeUnsigned(out, numeric);
        VarLongs.writeUnsigned(out, categorical);
        VarLongs.writeUnsigned(out, missing);
        VarLongs.writeUnsigned(out, typeMismatches);
        VarLongs.writeUnsigned(out, nonFinite);
        VarLongs.writeUnsigned(out, outOfRange);
        VarLongs.writeUnsigned(out, unseenCategories);
    }

    private void writeValues(DataOutput out) throws IOException {
        if (few != null) {
            out.writeByte(FEW_VALUES_TAG);
            VarLongs.writeUnsigned(out, sketchK);
            VarLongs.writeUnsigned(out, fewCount);
            CompactDoubles.writeAll(out, few, 0, fewCount);
        } else {
            out.writeByte(SKETCH_BYTES);
            CompactDoubles.writeKll(out, sketch);
        }
    }

    private void writeDistinct(DataOutput out) throws IOException {
        // While the values are few, they are the distinct counts too (rebuilt on reading).
        out.writeBoolean(distinct != null && few == null);
        if (distinct != null && few == null) {
            distinct.writeTo(out);
        }
    }

    private void writeCategories(DataOutput out) throws IOException {
        out.writeBoolean(categories != null);
        if (categories != null) {
            categories.writeTo(out);
        }
    }

    private void writeBins(DataOutput out) throws IOException {
        // The number of bins plus one, 0 for none.
        VarLongs.writeUnsigned(out, bins == null ? 0 : bins.length + 1L);
        if (bins != null) {
            for (long b : bins) {
                VarLongs.writeUnsigned(out, b);
            }
        }
    }

    public static FeatureProfile readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format < 1 || format > FORMAT) {
            throw new IOException("FeatureProfile: unknown format " + format);
        }
        if (format == FORMAT) {
            return readFormat6(in);
        }
        FeatureProfile p = new FeatureProfile();
        p.numeric = in.readLong();
        p.categorical = in.readLong();
        p.missing = in.readLong();
        p.typeMismatches = in.readLong();
        if (format >= 2) {
            p.nonFinite = in.readLong();
            p.outOfRange = in.readLong();
            p.unseenCategories = in.readLong();
        }
        if (in.readBoolean()) {
            p.moments = RunningMoments.readFrom(in);
            byte tag = format >= 3 ? in.readByte() : SKETCH_BYTES;
            if (tag == FEW_VALUES_TAG) {
                p.sketchK = in.readInt();
                if (p.sketchK < MIN_K || p.sketchK > MAX_K) {
                    throw new IOException("FeatureProfile: sketch k " + p.sketchK + " outside [" + MIN_K + ", " + MAX_K + "]");
                }
                int n = in.readInt();
                int most = format >= FORMAT_5 ? p.sketchK : FORMAT_4_FEW_VALUES;
                if (n < 0 || n > most) {
                    throw new IOException("FeatureProfile: " + n + " values before the sketch, at most " + most);
                }
                p.few = new double[Math.max(4, n)];
                p.fewCount = n;
                for (int i = 0; i < n; i++) {
                    p.few[i] = in.readDouble();
                }
            } else if (tag == SKETCH_BYTES) {
                byte[] sk = new byte[in.readInt()];
                in.readFully(sk);
                p.sketch = KllDoublesSketch.heapify(Memory.wrap(sk));
            } else {
                throw new IOException("FeatureProfile: unknown numeric values tag " + tag);
            }
            if (format >= 4 && in.readBoolean()) {
                p.distinct = DistinctValues.readFrom(in);
            }
        }
        if (in.readBoolean()) {
            p.categories = TopKCounter.readFrom(in);
        }
        int nb = in.readInt();
        if (nb >= 0) {
            p.bins = new long[nb];
            for (int i = 0; i < nb; i++) {
                p.bins[i] = in.readLong();
            }
        }
        p.countFewAsDistinct();
        return p;
    }

    private static FeatureProfile readFormat6(DataInput in) throws IOException {
        FeatureProfile p = new FeatureProfile();
        p.numeric = readCount(in);
        p.categorical = readCount(in);
        p.missing = readCount(in);
        p.typeMismatches = readCount(in);
        p.nonFinite = readCount(in);
        p.outOfRange = readCount(in);
        p.unseenCategories = readCount(in);
        if (in.readBoolean()) {
            p.moments = RunningMoments.readFrom(in);
            byte tag = in.readByte();
            if (tag == FEW_VALUES_TAG) {
                long k = readCount(in);
                if (k < MIN_K || k > MAX_K) {
                    throw new IOException("FeatureProfile: sketch k " + k + " outside [" + MIN_K + ", " + MAX_K + "]");
                }
                p.sketchK = (int) k;
                long n = readCount(in);
                if (n > p.sketchK) {
                    throw new IOException("FeatureProfile: " + n + " values before the sketch, at most " + p.sketchK);
                }
                p.few = new double[(int) Math.max(4, n)];
                p.fewCount = (int) n;
                CompactDoubles.readAll(in, p.few, p.fewCount);
            } else if (tag == SKETCH_BYTES) {
                p.sketch = CompactDoubles.readKll(in);
            } else {
                throw new IOException("FeatureProfile: unknown numeric values tag " + tag);
            }
            if (in.readBoolean()) {
                p.distinct = DistinctValues.readFrom(in);
            }
        }
        if (in.readBoolean()) {
            p.categories = TopKCounter.readFrom(in);
        }
        long nb = readCount(in) - 1;
        if (nb > MAX_BINS) {
            throw new IOException("FeatureProfile: " + nb + " bins, at most " + MAX_BINS);
        }
        if (nb >= 0) {
            p.bins = new long[(int) nb];
            for (int i = 0; i < nb; i++) {
                p.bins[i] = readCount(in);
            }
        }
        p.countFewAsDistinct();
        return p;
    }

    private static long readCount(DataInput in) throws IOException {
        long v = VarLongs.readUnsigned(in, "FeatureProfile");
        if (v < 0) {
            throw new IOException("FeatureProfile: corrupt count " + v);
        }
        return v;
    }

    private void countFewAsDistinct() {
        FeatureProfile p = this;
        if (p.bins == null && p.few != null && p.distinct == null) {
            // All values so far are the few kept as they are (also in formats before 4): count them.
            p.distinct = new DistinctValues();
            for (int i = 0; i < p.fewCount; i++) {
                if (!p.distinct.add(p.few[i])) {
                    // As when the values arrived: more distinct values than it counts end it.
                    p.distinct = null;
                    break;
                }
            }
        }
    }
}
