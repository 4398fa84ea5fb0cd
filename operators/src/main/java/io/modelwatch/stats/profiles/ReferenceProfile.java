package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.StateBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model version's reference distribution, frozen: per feature its type, summary and bins. It
 * holds no sketches, so it stays about a kilobyte per feature however much data built it.
 */
public final class ReferenceProfile {
    private static final byte FORMAT = 1;

    private final long events;
    private final long firstTimestamp;
    private final long lastTimestamp;
    private final LinkedHashMap<String, FeatureReference> features;
    private final FeatureReference prediction;

    public ReferenceProfile(long events, long firstTimestamp, long lastTimestamp,
            LinkedHashMap<String, FeatureReference> features, FeatureReference prediction) {
        this.events = events;
        this.firstTimestamp = firstTimestamp;
        this.lastTimestamp = lastTimestamp;
        this.features = features;
        this.prediction = prediction;
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
        return new ReferenceProfile(events, firstTimestamp, lastTimestamp, fs,
                prediction.withExactProportions(counted.prediction()));
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
    }

    public static ReferenceProfile readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
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
        return new ReferenceProfile(events, first, last, fs, FeatureReference.readFrom(in));
    }

    public byte[] toBytes() {
        return StateBytes.of(this::writeTo);
    }

    public static ReferenceProfile fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, ReferenceProfile::readFrom);
    }
}
