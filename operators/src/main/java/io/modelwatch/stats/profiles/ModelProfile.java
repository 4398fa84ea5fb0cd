package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.RankCorrelations;
import io.modelwatch.stats.sketches.StateBytes;
import io.modelwatch.stats.sketches.TopKCounter;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The profile of one model version over a span of events: a {@link FeatureProfile} per feature
 * and one for the prediction. Used both to learn a reference (unbinned) and to summarise an
 * evaluation window against a frozen reference (binned, so PSI uses exact bin counts).
 *
 * <p>A feature absent from an event counts as missing for that event: missing counts are derived
 * as {@code events - present - typeMismatches}, so no per-event bookkeeping of absent names is
 * needed. At most {@link #MAX_FEATURES} features are tracked per model so a producer that invents
 * feature names cannot grow state without bound; values of further features are counted in
 * {@link #featuresOverCap()}.
 *
 * <p>A window compared with a reference that has a joint summary also keeps one
 * ({@link #joint()}): the pairwise rank correlations of the reference's joint features, each
 * value transformed with the reference's CDF at its counting bin ({@link ReferenceProfile#pit}).
 */
public final class ModelProfile {
    public static final int MAX_FEATURES = 200;
    /** Names of features the reference did not have, tracked to name them in reports. */
    static final int UNKNOWN_FEATURE_CAPACITY = 16;
    /** Format 3 adds the joint summary; format 4 the prediction per segment. */
    private static final byte FORMAT = 4;

    private long events;
    private long firstTimestamp = Long.MAX_VALUE;
    private long lastTimestamp = Long.MIN_VALUE;
    private final LinkedHashMap<String, FeatureProfile> features = new LinkedHashMap<>();
    private FeatureProfile prediction = new FeatureProfile();
    private long unknownFeatureValues;
    private long featuresOverCap;
    private long lateEvents;
    private boolean binned;
    private TopKCounter unknownFeatures;
    /** The window's pairwise rank correlations; null unbinned or without joint features. */
    private RankCorrelations joint;
    /** Not state: one event's PIT per joint feature, reused. */
    private transient double[] pit;
    /**
     * The window's prediction per segment of its reference's {@link SegmentPlan}; null unbinned or
     * without segments.
     */
    private PredictionSegments segments;
    /** Not state: one event's segment cells, reused. */
    private transient int[] eventCells;

    /** An empty unbinned profile, for learning a reference or summarising a warm-up window. */
    public ModelProfile() {}

    /** An empty window profile compared with {@code ref}: its values are counted per reference bin. */
    public static ModelProfile against(ReferenceProfile ref) {
        ModelProfile p = new ModelProfile();
        p.binned = true;
        if (ref.prediction().hasBins()) {
            p.prediction = FeatureProfile.binned(ref.prediction().binCount());
        }
        if (ref.joint() != null) {
            p.joint = ref.joint().emptyCopy();
        }
        if (ref.segments() != null) {
            p.segments = new PredictionSegments(ref.segmentPlan().cellCount());
        }
        return p;
    }

    /** Whether values were counted on a reference's bins (false while the reference is learned). */
    public boolean binned() {
        return binned;
    }

    /** Adds an event to an unbinned profile (reference learning). */
    public void add(PredictionEvent e) {
        addSpan(e.timestamp());
        FeatureProfile[] profiles = lookup(e.featureNames(), null).profiles();
        for (int i = 0; i < e.featureCount(); i++) {
            FeatureProfile p = profiles[i];
            if (p == null) {
                featuresOverCap++;
                continue;
            }
            switch (e.featureKinds()[i]) {
                case ValueKind.NUMERIC -> p.addNumeric(e.numericValues()[i], -1);
                case ValueKind.CATEGORICAL -> p.addCategorical(e.categoricalValues()[i], -1);
                case ValueKind.NON_FINITE -> p.addNonFinite();
                default -> p.addMissing();
            }
        }
        if (e.predictionKind() == ValueKind.NUMERIC) {
            prediction.addNumeric(e.numericPrediction(), -1);
        } else {
            prediction.addCategorical(e.categoricalPrediction(), -1);
        }
    }

    /** Adds an event to a window compared with {@code ref}: values are binned on the reference's bins. */
    public void add(PredictionEvent e, ReferenceProfile ref) {
        addSpan(e.timestamp());
        Lookup names = lookup(e.featureNames(), ref);
        FeatureProfile[] profiles = names.profiles();
        FeatureReference[] refs = names.refs();
        int[] slots = names.jointSlots();
        int[] segmentSlots = names.segmentSlots();
        SegmentPlan plan = ref.segmentPlan();
        int cellsOfEvent = 0;
        if (segments != null && (eventCells == null || eventCells.length < e.featureCount())) {
            eventCells = new int[Math.max(8, e.featureCount())];
        }
        double[] pit = null;
        if (joint != null) {
            if (this.pit == null || this.pit.length != joint.featureCount()) {
                this.pit = new double[joint.featureCount()];
            }
            pit = this.pit;
            Arrays.fill(pit, Double.NaN);
        }
        for (int i = 0; i < e.featureCount(); i++) {
            FeatureReference fr = refs[i];
            if (fr == null) {
                unknownFeatureValues++;
                if (unknownFeatures == null) {
                    unknownFeatures = new TopKCounter(UNKNOWN_FEATURE_CAPACITY);
                }
                unknownFeatures.add(e.featureNames()[i]);
                continue;
            }
            FeatureProfile p = profiles[i];
            if (p == null) {
                featuresOverCap++;
                continue;
            }
            int bin = addValue(p, fr, e.featureKinds()[i], e.numericValues()[i], e.categoricalValues()[i]);
            if (pit != null && slots[i] >= 0 && bin >= 0) {
                pit[slots[i]] = ref.pit(slots[i], bin);
            }
            // The segment is the bin the value was just counted in: no lookup of the value itself.
            if (segments != null && segmentSlots[i] >= 0) {
                int cell = plan.cell(segmentSlots[i], bin);
                if (cell >= 0) {
                    eventCells[cellsOfEvent++] = cell;
                }
            }
        }
        if (pit != null) {
            joint.add(pit);
        }
        if (!binned) {
            throw new IllegalStateException("profile was not created against a reference");
        }
        int predictionBin = addValue(prediction, ref.prediction(), e.predictionKind(), e.numericPrediction(),
                e.categoricalPrediction());
        if (segments != null) {
            addSegments(plan, e, predictionBin, cellsOfEvent);
        }
    }

    /**
     * The event's prediction quantity into all events and its segments: a numeric prediction's
     * value, or for a class 1 when it is not the reference's most frequent (bin 0). A prediction
     * of the other type than the reference's counts in no segment.
     */
    private void addSegments(SegmentPlan plan, PredictionEvent e, int predictionBin, int cellsOfEvent) {
        double y;
        if (plan.classPrediction()) {
            if (e.predictionKind() != ValueKind.CATEGORICAL || predictionBin < 0) {
                return;
            }
            y = predictionBin == 0 ? 0 : 1;
        } else {
            if (e.predictionKind() != ValueKind.NUMERIC || predictionBin < 0) {
                return;
            }
            y = e.numericPrediction();
        }
        segments.addTotal(y);
        for (int k = 0; k < cellsOfEvent; k++) {
            segments.add(eventCells[k], y);
        }
    }

    /**
     * Counts a value; returns its counting bin (numeric or category), or -1 for a value not counted
     * in a bin (missing, non-finite, of the other type).
     */
    private static int addValue(FeatureProfile p, FeatureReference fr, byte kind, double x, String s) {
        switch (kind) {
            case ValueKind.NUMERIC -> {
                if (!fr.numeric() && fr.present() > 0) {
                    p.addTypeMismatch();
                } else {
                    int bin = fr.binOf(x);
                    p.addNumeric(x, bin);
                    if (fr.outsideRange(x)) {
                        p.addOutOfRange();
                    }
                    return bin;
                }
            }
            case ValueKind.CATEGORICAL -> {
                if (fr.numeric() && fr.present() > 0) {
                    p.addTypeMismatch();
                } else {
                    int bin = fr.binOf(s);
                    p.addCategorical(s, bin);
                    if (fr.hasCompleteCategories() && !fr.knowsCategory(s)) {
                        p.addUnseenCategory();
                    }
                    return bin;
                }
            }
            case ValueKind.NON_FINITE -> p.addNonFinite();
            default -> p.addMissing();
        }
        return -1;
    }

    private void addSpan(long ts) {
        events++;
        firstTimestamp = Math.min(firstTimestamp, ts);
        lastTimestamp = Math.max(lastTimestamp, ts);
    }

    /**
     * Each name's profile (null where {@link #MAX_FEATURES} was reached: the cap never frees up)
     * and, with a reference, each name's reference (null where unknown to it).
     */
    private record Lookup(String[] names, ReferenceProfile ref, FeatureProfile[] profiles, FeatureReference[] refs,
            int[] jointSlots, int[] segmentSlots) {}

    /*
     * The lookup of the last names array: events of a batch share one names array
     * (PredictionBatchSerializer), so the hash lookups of every feature in the profile and in the
     * reference are done once per batch instead of once per event. Not state: rebuilt after a
     * restore. Entries stay valid because a feature's profile, once created, is never replaced.
     */
    private transient Lookup lookup;

    private Lookup lookup(String[] names, ReferenceProfile ref) {
        if (lookup != null && lookup.ref() == ref) {
            if (lookup.names() == names) {
                return lookup;
            }
            // The next batch's names array: the same names in the same order (a producer's fixed
            // schema) keep the lookup; comparing them is cheaper than a hash lookup per name.
            if (Arrays.equals(lookup.names(), names)) {
                lookup = new Lookup(names, ref, lookup.profiles(), lookup.refs(), lookup.jointSlots(),
                        lookup.segmentSlots());
                return lookup;
            }
        }
        FeatureProfile[] profiles = new FeatureProfile[names.length];
        FeatureReference[] refs = new FeatureReference[names.length];
        int[] slots = new int[names.length];
        int[] segmentSlots = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            slots[i] = ref == null ? -1 : ref.jointSlot(names[i]);
            segmentSlots[i] = ref == null ? -1 : ref.segmentPlan().slot(names[i]);
            if (ref != null) {
                refs[i] = ref.feature(names[i]);
                if (refs[i] == null) {
                    continue;
                }
            }
            profiles[i] = featureOrNull(names[i], ref == null ? -1 : refs[i].binCount());
        }
        lookup = new Lookup(names, ref, profiles, refs, slots, segmentSlots);
        return lookup;
    }

    private FeatureProfile featureOrNull(String name, int binCount) {
        FeatureProfile p = features.get(name);
        if (p == null) {
            if (features.size() >= MAX_FEATURES) {
                return null;
            }
            p = binCount > 0 ? FeatureProfile.binned(binCount) : new FeatureProfile();
            features.put(name, p);
        }
        return p;
    }

    /** An event that arrived after its window was evaluated: counted, reported, not profiled. */
    public void addLate() {
        lateEvents++;
    }

    public void merge(ModelProfile other) {
        if (events > 0 && other.events > 0 && binned != other.binned) {
            throw new IllegalArgumentException("cannot merge a binned with an unbinned profile");
        }
        binned = binned || other.binned;
        events += other.events;
        firstTimestamp = Math.min(firstTimestamp, other.firstTimestamp);
        lastTimestamp = Math.max(lastTimestamp, other.lastTimestamp);
        for (Map.Entry<String, FeatureProfile> e : other.features.entrySet()) {
            FeatureProfile mine = features.get(e.getKey());
            if (mine == null) {
                if (features.size() >= MAX_FEATURES) {
                    featuresOverCap += e.getValue().present();
                    continue;
                }
                mine = new FeatureProfile();
                features.put(e.getKey(), mine);
            }
            mine.merge(e.getValue());
        }
        prediction.merge(other.prediction);
        unknownFeatureValues += other.unknownFeatureValues;
        if (other.unknownFeatures != null) {
            if (unknownFeatures == null) {
                unknownFeatures = new TopKCounter(UNKNOWN_FEATURE_CAPACITY);
            }
            unknownFeatures.merge(other.unknownFeatures);
        }
        featuresOverCap += other.featuresOverCap;
        lateEvents += other.lateEvents;
        if (other.joint != null) {
            if (joint == null) {
                joint = other.joint.emptyCopy();
            }
            if (Arrays.equals(joint.names(), other.joint.names())) {
                joint.merge(other.joint);
            }
        }
        if (other.segments != null) {
            if (segments == null) {
                segments = other.segments.copy();
            } else {
                segments.merge(other.segments);
            }
        }
    }

    /** The window's prediction per segment of its reference's plan; null when it keeps none. */
    public PredictionSegments segments() {
        return segments;
    }

    /** The window's pairwise rank correlations against its reference; null when it keeps none. */
    public RankCorrelations joint() {
        return joint;
    }

    public long events() {
        return events;
    }

    /** Missing values of a feature in this span: absent or null (not type mismatches). */
    public long missing(String feature) {
        FeatureProfile p = features.get(feature);
        return p == null ? events : Math.max(0, events - p.present() - p.typeMismatches() - p.nonFinite());
    }

    public Map<String, FeatureProfile> features() {
        return Collections.unmodifiableMap(features);
    }

    public FeatureProfile prediction() {
        return prediction;
    }

    public long unknownFeatureValues() {
        return unknownFeatureValues;
    }

    /** Features not in the reference, with how many events carried each; null when there were none. */
    public TopKCounter unknownFeatures() {
        return unknownFeatures;
    }

    public long featuresOverCap() {
        return featuresOverCap;
    }

    public long lateEvents() {
        return lateEvents;
    }

    public long firstTimestamp() {
        return firstTimestamp;
    }

    public long lastTimestamp() {
        return lastTimestamp;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(events);
        out.writeLong(firstTimestamp);
        out.writeLong(lastTimestamp);
        out.writeLong(unknownFeatureValues);
        out.writeLong(featuresOverCap);
        out.writeLong(lateEvents);
        out.writeBoolean(binned);
        out.writeBoolean(unknownFeatures != null);
        if (unknownFeatures != null) {
            unknownFeatures.writeTo(out);
        }
        out.writeInt(features.size());
        for (Map.Entry<String, FeatureProfile> e : features.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().writeTo(out);
        }
        prediction.writeTo(out);
        out.writeBoolean(joint != null);
        if (joint != null) {
            joint.writeTo(out);
        }
        out.writeBoolean(segments != null);
        if (segments != null) {
            segments.writeTo(out);
        }
    }

    public static ModelProfile readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format < 1 || format > FORMAT) {
            throw new IOException("ModelProfile: unknown format " + format);
        }
        ModelProfile p = new ModelProfile();
        p.events = in.readLong();
        p.firstTimestamp = in.readLong();
        p.lastTimestamp = in.readLong();
        p.unknownFeatureValues = in.readLong();
        p.featuresOverCap = in.readLong();
        p.lateEvents = in.readLong();
        p.binned = in.readBoolean();
        if (format >= 2 && in.readBoolean()) {
            p.unknownFeatures = TopKCounter.readFrom(in);
        }
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            p.features.put(name, FeatureProfile.readFrom(in));
        }
        p.prediction = FeatureProfile.readFrom(in);
        if (format >= 3 && in.readBoolean()) {
            p.joint = RankCorrelations.readFrom(in);
        }
        if (format >= 4 && in.readBoolean()) {
            p.segments = PredictionSegments.readFrom(in);
        }
        return p;
    }

    public byte[] toBytes() {
        return StateBytes.of(this::writeTo);
    }

    /** The events of a profile in its bytes ({@link #toBytes}), without reading the rest. */
    public static long eventsOf(byte[] bytes) {
        return StateBytes.read(bytes, in -> {
            byte format = in.readByte();
            if (format < 1 || format > FORMAT) {
                throw new IOException("ModelProfile: unknown format " + format);
            }
            return in.readLong();
        });
    }

    public static ModelProfile fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, ModelProfile::readFrom);
    }
}
