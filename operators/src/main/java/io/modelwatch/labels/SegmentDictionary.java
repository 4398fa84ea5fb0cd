package io.modelwatch.labels;

import io.modelwatch.detect.SegmentDecay.Segment;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.stats.sketches.StateBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
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
 * <p>Format 1: format byte, entry count (int), then per entry the hash (unsigned short), the
 * feature and the value (modified UTF-8) and the window start it counts from (long); entries in
 * hash order.
 */
public final class SegmentDictionary {
    /** Top-K values per categorical feature (see the class comment for the default). */
    public static final int VALUES_PER_FEATURE = 8;
    /** Features named at most: report features are capped by the job, this caps the dictionary too. */
    static final int MAX_FEATURES = 64;
    private static final byte FORMAT = 1;

    private final TreeMap<Integer, Segment> segments = new TreeMap<>();
    /** Per hash, the start of the window whose report listed it first. */
    private final Map<Integer, Long> since = new HashMap<>();
    private final Map<String, Integer> valuesPerFeature = new HashMap<>();

    /** Adds the top categories of {@code r}'s categorical features; true when something was added. */
    public boolean learn(HealthReport r) {
        if (r.features() == null) {
            return false;
        }
        boolean changed = false;
        long windowStart = java.time.Instant.parse(r.windowStart()).toEpochMilli();
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
                if (!segments.containsKey(hash)) {
                    segments.put(hash, new Segment(f.name(), c.value()));
                    since.put(hash, windowStart);
                    valuesPerFeature.merge(f.name(), 1, Integer::sum);
                    changed = true;
                }
            }
        }
        return changed;
    }

    /** Whether segment {@code hash} is counted for a prediction of the window starting at {@code windowStart}. */
    public boolean counts(int hash, long windowStart) {
        Long from = since.get(hash);
        return from != null && from <= windowStart;
    }

    public Map<Integer, Segment> names() {
        return segments;
    }

    public boolean isEmpty() {
        return segments.isEmpty();
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
        });
    }

    public static SegmentDictionary fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, SegmentDictionary::readFrom);
    }

    private static SegmentDictionary readFrom(DataInput in) throws IOException {
        int format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown segment dictionary format " + format);
        }
        SegmentDictionary d = new SegmentDictionary();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            int hash = in.readUnsignedShort();
            Segment s = new Segment(in.readUTF(), in.readUTF());
            d.segments.put(hash, s);
            d.since.put(hash, in.readLong());
            d.valuesPerFeature.merge(s.feature(), 1, Integer::sum);
        }
        return d;
    }
}
