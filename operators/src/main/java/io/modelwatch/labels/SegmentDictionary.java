package io.modelwatch.labels;

import io.modelwatch.ingest.Timestamps;

import io.modelwatch.detect.SegmentDecay.Segment;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.HealthReport.Quantiles;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.stats.sketches.StateBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The segments of one model version that the performance monitor counts, by hash
 * ({@link SegmentCodes}): the values its health reports list among the top categories of each
 * categorical feature (a report lists a window's {@code 5} most frequent), the first
 * {@link #VALUES_PER_FEATURE} of each feature, kept for the version's life.
 *
 * <p>Why 8: the top five of one window plus room for values that take turns at the top in later
 * windows, while bounding what is counted per window (8 values x the four coded features = 32
 * segments, a few hundred bytes) and the Benjamini-Hochberg family a decay is explained from (the
 * more segments tested, the larger a real one's effect must be to be named). A value that first
 * becomes frequent after its feature has 8 is not a segment of this version. Two names with the
 * same hash: the first is kept.
 *
 * <p>Each value is counted for predictions from the window of the report that listed it first
 * on ({@link #counts}). The reports of a version reach the performance monitor in window order,
 * and a window's report before the watermark passes its end, so when a label is applied the
 * report of its prediction's window, and every one before it, has been learnt: whether a label
 * counts in a segment does not depend on how far ahead the reports were read (a replay and its
 * recovery from a checkpoint count the same).
 *
 * <p>Numeric features: their quartile bins. The first report of the version that lists a numeric
 * feature with at least {@link #MIN_VALUES_FOR_EDGES} values fixes that feature's bin edges for the
 * version's life: the distinct of its p25, p50 and p75, each rounded to 4 significant digits (so
 * the name states the edge exactly), giving up to {@link #BINS_PER_FEATURE} bins named
 * {@code (-inf, a)}, {@code [a, b)}, ..., {@code [c, +inf)} ({@code x3=[1.2, +inf)}). That report
 * is of the version's first windows, which are its reference's; a value is binned where its
 * label is applied, from the bfloat16 its prediction's numeric code carries
 * ({@link SegmentCodes#numericValues}), so edges that never move are all the join needs. A bin is
 * a segment like a category (by the hash of its name), counted for predictions from the window
 * of the report that fixed its edges on. A feature whose bin names share a hash with a segment
 * already named is not binned by that report (as two categories with one hash: the first is
 * kept), but by the first later one whose bins collide with nothing. Two numeric features whose
 * names share a 16-bit hash cannot be told apart in a code: the first binned keeps the hash, and
 * the other's values count in its bins (for four coded features a chance of about 1 in 10,000).
 *
 * <p>Why quartiles: a bin then holds a quarter of the reference's traffic, so at the 200 labels a
 * window needs each bin has about 50, over the 30 a segment needs to be tested; deciles would
 * leave 20 per window and a bin could be tested only over spans of several windows. Four bins of
 * the four coded numeric features add 16 segments to the 32 categorical ones at most, and the
 * upper and lower quarters are where a decay confined to extreme values shows. 200 values: the
 * share of the reference below an estimated quartile then has a standard error of
 * sqrt(0.25 x 0.75 / 200) = 0.03, so a bin holds 25% +- 6 points of its traffic.
 *
 * <p>Format 2 (written): format byte, categorical entry count (int), then per entry the hash
 * (unsigned short), the feature and the value (modified UTF-8) and the window start it counts
 * from (long), entries in hash order; then the numeric feature count (int) and per feature its
 * name (modified UTF-8), the window start its bins count from (long), the edge count (byte) and
 * the edges (doubles), features in name-hash order. Format 1 (read): the categorical part alone.
 */
public final class SegmentDictionary {
    /** Top-K values per categorical feature (see the class comment for the default). */
    public static final int VALUES_PER_FEATURE = 8;
    /** Features named at most: report features are capped by the job, this caps the dictionary too. */
    static final int MAX_FEATURES = 64;
    /** Bins of a numeric feature: its quartiles' (see the class comment for why). */
    public static final int BINS_PER_FEATURE = 4;
    /** Least values of a numeric feature in the report whose quartiles become its bin edges. */
    public static final long MIN_VALUES_FOR_EDGES = 200;
    private static final byte FORMAT = 2;
    private static final byte FORMAT_CATEGORICAL_ONLY = 1;
    private static final MathContext EDGE_DIGITS = new MathContext(4);

    /** One numeric feature's bins: its edges, ascending, and the hash of each bin's name. */
    private record NumericBins(String feature, double[] edges, int[] hashes, long since) {
        /** The hash of the bin {@code value} falls in. */
        int binOf(double value) {
            int i = 0;
            while (i < edges.length && value >= edges[i]) {
                i++;
            }
            return hashes[i];
        }
    }

    /** Categorical segments by hash. */
    private final TreeMap<Integer, Segment> segments = new TreeMap<>();
    /** Numeric features with bins, by the hash of their name ({@link SegmentCodes#ofName}). */
    private final TreeMap<Integer, NumericBins> numeric = new TreeMap<>();
    /** Every segment by hash: the categorical ones and the bins. */
    private final TreeMap<Integer, Segment> names = new TreeMap<>();
    /** Per hash, the start of the window whose report listed it first. */
    private final Map<Integer, Long> since = new HashMap<>();
    private final Map<String, Integer> valuesPerFeature = new HashMap<>();

    /**
     * Adds the top categories of {@code r}'s categorical features, and the bins of its numeric
     * features that have none yet; true when something was added.
     */
    public boolean learn(HealthReport r) {
        if (r.features() == null) {
            return false;
        }
        boolean changed = false;
        // Parsed when a segment is added, not for every report (most add none).
        long windowStart = Long.MIN_VALUE;
        for (FeatureHealth f : r.features()) {
            if (f != null && "NUMERIC".equals(f.type()) && f.name() != null && f.quantiles() != null
                    && f.count() >= MIN_VALUES_FOR_EDGES && numeric.size() < MAX_FEATURES
                    && !numeric.containsKey(SegmentCodes.ofName(f.name()))) {
                windowStart = windowStart != Long.MIN_VALUE ? windowStart : Timestamps.parse(r.windowStart());
                changed |= addBins(f.name(), edges(f.quantiles()), windowStart);
            }
        }
        for (FeatureHealth f : r.features()) {
            if (f == null || !"CATEGORICAL".equals(f.type()) || f.topCategories() == null || f.name() == null) {
                continue;
            }
            for (CategoryCount c : f.topCategories()) {
                if (c == null || c.value() == null) {
                    continue;
                }
                int n = valuesPerFeature.getOrDefault(f.name(), 0);
                if (n >= VALUES_PER_FEATURE || (n == 0 && valuesPerFeature.size() >= MAX_FEATURES)) {
                    break;
                }
                int hash = SegmentCodes.of(f.name(), c.value());
                if (!names.containsKey(hash)) {
                    windowStart = windowStart != Long.MIN_VALUE ? windowStart : Timestamps.parse(r.windowStart());
                    segments.put(hash, new Segment(f.name(), c.value()));
                    names.put(hash, new Segment(f.name(), c.value()));
                    since.put(hash, windowStart);
                    valuesPerFeature.merge(f.name(), 1, Integer::sum);
                    changed = true;
                }
            }
        }
        return changed;
    }

    /** The distinct quartiles of {@code q}, rounded to 4 significant digits, ascending. */
    static double[] edges(Quantiles q) {
        return Arrays.stream(new double[] {q.p25(), q.p50(), q.p75()}).filter(Double::isFinite)
                .map(e -> new BigDecimal(e).round(EDGE_DIGITS).doubleValue()).map(e -> e == 0 ? 0.0 : e)
                .distinct().sorted().toArray();
    }

    /** Bins {@code feature} at {@code edges} from the window starting at {@code since}; false when a name collides. */
    private boolean addBins(String feature, double[] edges, long windowStart) {
        if (edges.length == 0 || edges.length >= BINS_PER_FEATURE) {
            return false;
        }
        int[] hashes = new int[edges.length + 1];
        Segment[] bins = new Segment[edges.length + 1];
        for (int i = 0; i <= edges.length; i++) {
            String lower = i == 0 ? "(-inf" : "[" + edgeText(edges[i - 1]);
            String upper = i == edges.length ? "+inf)" : edgeText(edges[i]) + ")";
            bins[i] = new Segment(feature, lower + ", " + upper);
            hashes[i] = SegmentCodes.of(feature, bins[i].value());
            if (names.containsKey(hashes[i])) {
                return false;
            }
        }
        if (Arrays.stream(hashes).distinct().count() != hashes.length) {
            return false;
        }
        numeric.put(SegmentCodes.ofName(feature), new NumericBins(feature, edges, hashes, windowStart));
        for (int i = 0; i < hashes.length; i++) {
            names.put(hashes[i], bins[i]);
            since.put(hashes[i], windowStart);
        }
        return true;
    }

    /** An edge as a bin's name shows it: its 4 significant digits, plainly written between 1e-4 and 1e7. */
    static String edgeText(double edge) {
        BigDecimal d = new BigDecimal(edge).round(EDGE_DIGITS).stripTrailingZeros();
        double a = Math.abs(edge);
        return edge == 0 ? "0" : a >= 1e-4 && a < 1e7 ? d.toPlainString() : d.toString();
    }

    /** Whether segment {@code hash} is counted for a prediction of the window starting at {@code windowStart}. */
    public boolean counts(int hash, long windowStart) {
        Long from = since.get(hash);
        return from != null && from <= windowStart;
    }

    /**
     * The segments {@code o} counts in, for its prediction's window starting at {@code windowStart}:
     * the categorical ones its code names that this dictionary counts, then the bin of each numeric
     * value its code carries whose feature has bins; 0 for a slot that counts nowhere.
     */
    public int[] segmentsOf(LabelOutcome o, long windowStart) {
        int[] hashes = new int[SegmentCodes.MAX_FEATURES + SegmentCodes.MAX_NUMERIC_FEATURES];
        for (int s = 0; s < SegmentCodes.MAX_FEATURES; s++) {
            int hash = SegmentCodes.slot(o.segments(), s);
            if (hash != 0 && segments.containsKey(hash) && counts(hash, windowStart)) {
                hashes[s] = hash;
            }
        }
        if (numeric.isEmpty()) {
            return hashes;
        }
        for (int s = 0; s < SegmentCodes.MAX_NUMERIC_FEATURES; s++) {
            int name = SegmentCodes.slot(o.numericNames(), s);
            NumericBins bins = name == 0 ? null : numeric.get(name);
            if (bins != null && bins.since() <= windowStart) {
                hashes[SegmentCodes.MAX_FEATURES + s] =
                        bins.binOf(SegmentCodes.fromBfloat16(SegmentCodes.slot(o.numericValues(), s)));
            }
        }
        return hashes;
    }

    /** Every segment by hash: categories and numeric bins. */
    public Map<Integer, Segment> names() {
        return names;
    }

    /** The bin edges of numeric {@code feature}, or null when it has none. */
    public double[] edgesOf(String feature) {
        NumericBins b = numeric.get(SegmentCodes.ofName(feature));
        return b == null || !b.feature().equals(feature) ? null : b.edges().clone();
    }

    public boolean isEmpty() {
        return names.isEmpty();
    }

    public byte[] toBytes() {
        return StateBytes.of(out -> {
            out.writeByte(FORMAT);
            out.writeInt(segments.size());
            for (Map.Entry<Integer, Segment> e : segments.entrySet()) {
                out.writeShort(e.getKey());
                out.writeUTF(e.getValue().feature());
                out.writeUTF(e.getValue().value());
                out.writeLong(since.get(e.getKey()));
            }
            out.writeInt(numeric.size());
            for (NumericBins b : numeric.values()) {
                out.writeUTF(b.feature());
                out.writeLong(b.since());
                out.writeByte(b.edges().length);
                for (double e : b.edges()) {
                    out.writeDouble(e);
                }
            }
        });
    }

    public static SegmentDictionary fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, SegmentDictionary::readFrom);
    }

    private static SegmentDictionary readFrom(DataInput in) throws IOException {
        int format = in.readByte();
        if (format != FORMAT && format != FORMAT_CATEGORICAL_ONLY) {
            throw new IOException("unknown segment dictionary format " + format);
        }
        SegmentDictionary d = new SegmentDictionary();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            int hash = in.readUnsignedShort();
            Segment s = new Segment(in.readUTF(), in.readUTF());
            d.segments.put(hash, s);
            d.names.put(hash, s);
            d.since.put(hash, in.readLong());
            d.valuesPerFeature.merge(s.feature(), 1, Integer::sum);
        }
        if (format == FORMAT) {
            int features = in.readInt();
            for (int i = 0; i < features; i++) {
                String feature = in.readUTF();
                long since = in.readLong();
                double[] edges = new double[in.readUnsignedByte()];
                for (int k = 0; k < edges.length; k++) {
                    edges[k] = in.readDouble();
                }
                if (!d.addBins(feature, edges, since)) {
                    throw new IOException("segment dictionary: the bins of " + feature + " do not fit");
                }
            }
        }
        return d;
    }
}
