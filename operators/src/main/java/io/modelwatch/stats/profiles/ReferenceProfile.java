package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.RankCorrelations;
import io.modelwatch.stats.sketches.StateBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model version's reference distribution, frozen: per feature its type, summary and bins. It
 * holds no sketches, so it stays about a kilobyte per feature however much data built it.
 *
 * <p>Beside the marginals it holds the joint structure of its first
 * {@link RankCorrelations#MAX_FEATURES} numeric features in name order ({@link #jointFeatures}):
 * their pairwise rank correlations, measured in the PIT space of these marginals. They can only
 * be measured once the marginals are frozen, so a reference learned from traffic completes them
 * from the windows that follow ({@link #withJointFrom}); a reference built from data read twice
 * measures them in its second pass ({@link ReferenceBuilder#counted}). Until {@link #jointComplete}
 * no pair is tested.
 */
public final class ReferenceProfile {
    /**
     * Format 2 adds the joint summary and whether it is complete; format 1 has neither. Format 3
     * adds the prediction per segment ({@link #segments}) and whether it is complete.
     */
    private static final byte FORMAT = 3;

    private final long events;
    private final long firstTimestamp;
    private final long lastTimestamp;
    private final LinkedHashMap<String, FeatureReference> features;
    private final FeatureReference prediction;
    /** The pairs' correlations in PIT space; null with fewer than two joint features. */
    private final RankCorrelations joint;
    private final boolean jointComplete;
    /**
     * The prediction per segment of {@link #segmentPlan}: like the joint summary, measured against
     * the frozen bins, so a learned reference completes it from the windows after its freeze
     * ({@link #withSegmentsFrom}); null when the plan has no segment.
     */
    private final PredictionSegments segments;
    private final boolean segmentsComplete;
    /** Not state: derived from the features. Which bins of which features are segments. */
    private final transient SegmentPlan segmentPlan;
    /** Not state: derived from the features. The joint features' slots and mid-bin CDF values. */
    private final transient HashMap<String, Integer> jointSlots = new HashMap<>();
    private final transient double[][] midCdf;

    public ReferenceProfile(long events, long firstTimestamp, long lastTimestamp,
            LinkedHashMap<String, FeatureReference> features, FeatureReference prediction) {
        this(events, firstTimestamp, lastTimestamp, features, prediction, null, false);
    }

    /**
     * @param joint the joint summary measured against these marginals, or null for none yet (an
     *     empty one is made; one of other features than {@link #jointFeatures} is dropped)
     */
    public ReferenceProfile(long events, long firstTimestamp, long lastTimestamp,
            LinkedHashMap<String, FeatureReference> features, FeatureReference prediction,
            RankCorrelations joint, boolean jointComplete) {
        this(events, firstTimestamp, lastTimestamp, features, prediction, joint, jointComplete, null, false);
    }

    /**
     * @param segments the prediction per segment measured against these bins, or null for none yet
     *     (an empty one is made; one of another plan's size is dropped)
     */
    public ReferenceProfile(long events, long firstTimestamp, long lastTimestamp,
            LinkedHashMap<String, FeatureReference> features, FeatureReference prediction,
            RankCorrelations joint, boolean jointComplete, PredictionSegments segments, boolean segmentsComplete) {
        this.events = events;
        this.firstTimestamp = firstTimestamp;
        this.lastTimestamp = lastTimestamp;
        this.features = features;
        this.prediction = prediction;
        String[] names = jointFeatures(features);
        this.midCdf = new double[names.length][];
        for (int i = 0; i < names.length; i++) {
            jointSlots.put(names[i], i);
            midCdf[i] = midCdf(features.get(names[i]).countingProportions());
        }
        if (names.length < 2) {
            this.joint = null;
            this.jointComplete = false;
        } else if (joint != null && Arrays.equals(joint.names(), names)) {
            this.joint = joint;
            this.jointComplete = jointComplete;
        } else {
            this.joint = new RankCorrelations(names);
            this.jointComplete = false;
        }
        this.segmentPlan = SegmentPlan.of(features, prediction);
        int cells = segmentPlan.cellCount();
        if (cells == 0) {
            this.segments = null;
            this.segmentsComplete = false;
        } else if (segments != null && segments.segments() == cells) {
            this.segments = segments;
            this.segmentsComplete = segmentsComplete;
        } else {
            this.segments = new PredictionSegments(cells);
            this.segmentsComplete = false;
        }
    }

    /** Which bins of which features are the prediction's segments. */
    public SegmentPlan segmentPlan() {
        return segmentPlan;
    }

    /** The reference's prediction per segment (null without segments); not to be changed. */
    public PredictionSegments segments() {
        return segments;
    }

    /** Whether the prediction per segment is complete, so a prediction drift is explained against it. */
    public boolean segmentsComplete() {
        return segments != null && segmentsComplete;
    }

    /**
     * This reference with {@code measured} (a window's prediction per segment, on this reference's
     * bins) added to its segments, complete once they hold {@code target} events.
     */
    public ReferenceProfile withSegmentsFrom(PredictionSegments measured, long target) {
        if (segments == null || measured == null || measured.segments() != segments.segments()) {
            return this;
        }
        PredictionSegments sum = segments.copy();
        sum.merge(measured);
        return new ReferenceProfile(events, firstTimestamp, lastTimestamp, features, prediction, joint, jointComplete,
                sum, sum.total() >= target);
    }

    /**
     * The largest share of the reference one counting bin (one value, for a discrete feature) of a
     * joint feature may hold: 1/2. The pair test's variance (Fisher's z with the Spearman factor)
     * assumes ranks that spread the events; ties of a dominant value take that away, and a pair of
     * two features that are mostly one value (a 1% flag and a 99%-zero amount) has its correlation
     * decided by the handful of events where both are not: measured in the false-alarm simulation,
     * such a pair's window-to-reference difference had a standard deviation of 0.14 where the
     * formula says 0.036, and it flagged in 16% of unchanged windows, while every pair of features
     * with at most half of their mass on one value stayed within the formula. So a feature enters
     * the joint summary only when most of its reference is not one value: a flag with 30% ones
     * does not, a 5-valued count does.
     */
    public static final double MAX_JOINT_ATOM = 0.5;

    /**
     * The features of the joint summary: the numeric ones with counting bins none of which holds
     * more than {@link #MAX_JOINT_ATOM} of the reference, in name order so every build and
     * restore chooses the same, the first {@link RankCorrelations#MAX_FEATURES}.
     */
    static String[] jointFeatures(Map<String, FeatureReference> features) {
        List<String> names = new ArrayList<>();
        for (FeatureReference f : features.values()) {
            if (f.numeric() && f.present() > 0 && f.binCount() > 0) {
                double largest = 0;
                for (double share : f.countingProportions()) {
                    largest = Math.max(largest, share);
                }
                if (largest <= MAX_JOINT_ATOM) {
                    names.add(f.name());
                }
            }
        }
        Collections.sort(names);
        return names.subList(0, Math.min(names.size(), RankCorrelations.MAX_FEATURES)).toArray(String[]::new);
    }

    /**
     * The PIT of a value in counting bin {@code b}: the reference's CDF below the bin plus half its
     * mass (the mid-rank of a tie), so a discrete value or an atom holding 99% of the reference
     * gets its mid-rank, and a continuous feature its equal-mass grid bin's middle.
     */
    private static double[] midCdf(double[] proportions) {
        double[] mid = new double[proportions.length];
        double below = 0;
        for (int b = 0; b < proportions.length; b++) {
            mid[b] = below + proportions[b] / 2;
            below += proportions[b];
        }
        return mid;
    }

    /** The joint summary's slot of a feature, or -1 when it is not in the joint summary. */
    public int jointSlot(String feature) {
        Integer slot = jointSlots.get(feature);
        return slot == null ? -1 : slot;
    }

    /** The PIT of joint slot {@code slot}'s value in counting bin {@code bin}. */
    public double pit(int slot, int bin) {
        double[] mid = midCdf[slot];
        return bin >= 0 && bin < mid.length ? mid[bin] : Double.NaN;
    }

    /** The reference's joint summary (null with fewer than two joint features); not to be changed. */
    public RankCorrelations joint() {
        return joint;
    }

    /** Whether the joint summary is complete, so windows' pairs are tested against it. */
    public boolean jointComplete() {
        return joint != null && jointComplete;
    }

    /**
     * This reference with {@code measured} (a window's joint summary, in this reference's PIT
     * space) added to its joint summary, complete once it holds {@code target} events.
     */
    public ReferenceProfile withJointFrom(RankCorrelations measured, long target) {
        if (joint == null || measured == null || !Arrays.equals(joint.names(), measured.names())) {
            return this;
        }
        RankCorrelations sum = joint.emptyCopy();
        sum.merge(joint);
        sum.merge(measured);
        return new ReferenceProfile(events, firstTimestamp, lastTimestamp, features, prediction, sum,
                sum.events() >= target, segments, segmentsComplete);
    }

    public static ReferenceProfile freeze(ModelProfile learned, int numericBins, int categoryBins) {
        LinkedHashMap<String, FeatureReference> fs = new LinkedHashMap<>();
        for (Map.Entry<String, FeatureProfile> e : learned.features().entrySet()) {
            fs.put(e.getKey(), FeatureReference.freeze(e.getKey(), e.getValue(), learned.events(), numericBins, categoryBins));
        }
        FeatureReference pred = FeatureReference.freeze("prediction", learned.prediction(), learned.events(),
                numericBins, categoryBins);
        return new ReferenceProfile(learned.events(), learned.firstTimestamp(), learned.lastTimestamp(), fs, pred);
    }

    /**
     * This reference with exact bin proportions, from {@code counted}: the same events profiled a
     * second time against this reference ({@link ModelProfile#against}). Sketch quantiles still
     * place the edges, but what each bin holds is then counted, not estimated, so the tests carry
     * no rank-error allowance. See {@link ReferenceBuilder#fromData}, for data that can be read twice.
     */
    public ReferenceProfile withExactProportions(ModelProfile counted) {
        LinkedHashMap<String, FeatureReference> fs = new LinkedHashMap<>();
        for (Map.Entry<String, FeatureReference> e : features.entrySet()) {
            fs.put(e.getKey(), e.getValue().withExactProportions(counted.features().get(e.getKey())));
        }
        // The counting pass measured the joint summary in the PIT space of the sketch's
        // proportions; the exact ones differ from them by at most the rank error per bin.
        // The counting pass counted the prediction per segment too, on the same bins.
        return new ReferenceProfile(events, firstTimestamp, lastTimestamp, fs,
                prediction.withExactProportions(counted.prediction()), counted.joint(), counted.joint() != null,
                counted.segments(), counted.segments() != null);
    }

    public long events() {
        return events;
    }

    public long firstTimestamp() {
        return firstTimestamp;
    }

    public long lastTimestamp() {
        return lastTimestamp;
    }

    public FeatureReference feature(String name) {
        return features.get(name);
    }

    public Map<String, FeatureReference> features() {
        return Collections.unmodifiableMap(features);
    }

    public FeatureReference prediction() {
        return prediction;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(events);
        out.writeLong(firstTimestamp);
        out.writeLong(lastTimestamp);
        out.writeInt(features.size());
        for (FeatureReference f : features.values()) {
            f.writeTo(out);
        }
        prediction.writeTo(out);
        out.writeBoolean(joint != null);
        if (joint != null) {
            joint.writeTo(out);
            out.writeBoolean(jointComplete);
        }
        out.writeBoolean(segments != null);
        if (segments != null) {
            segments.writeTo(out);
            out.writeBoolean(segmentsComplete);
        }
    }

    public static ReferenceProfile readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format < 1 || format > FORMAT) {
            throw new IOException("ReferenceProfile: unknown format " + format);
        }
        long events = in.readLong();
        long first = in.readLong();
        long last = in.readLong();
        int n = in.readInt();
        LinkedHashMap<String, FeatureReference> fs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            FeatureReference f = FeatureReference.readFrom(in);
            fs.put(f.name(), f);
        }
        FeatureReference prediction = FeatureReference.readFrom(in);
        RankCorrelations joint = null;
        boolean complete = false;
        if (format >= 2 && in.readBoolean()) {
            joint = RankCorrelations.readFrom(in);
            complete = in.readBoolean();
        }
        PredictionSegments segments = null;
        boolean segmentsComplete = false;
        if (format >= 3 && in.readBoolean()) {
            segments = PredictionSegments.readFrom(in);
            segmentsComplete = in.readBoolean();
        }
        return new ReferenceProfile(events, first, last, fs, prediction, joint, complete, segments, segmentsComplete);
    }

    public byte[] toBytes() {
        return StateBytes.of(this::writeTo);
    }

    public static ReferenceProfile fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, ReferenceProfile::readFrom);
    }
}
