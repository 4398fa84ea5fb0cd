package io.modelwatch.stats;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * What a feature looked like in the reference, frozen: its learned type, summary statistics and
 * the bins that windows are compared on. A feature that never had a value in the reference has
 * neither numeric nor category bins and is only watched for missing values.
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
        CategoryBins categoryBins) {

    private static final byte FORMAT = 1;

    public static FeatureReference freeze(String name, FeatureProfile p, long events, int numericBins, int categoryBins) {
        long missing = Math.max(0, events - p.present() - p.typeMismatches());
        boolean numeric = p.numericCount() >= p.categoricalCount();
        if (p.present() == 0) {
            return new FeatureReference(name, true, 0, missing, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null);
        }
        if (numeric) {
            RunningMoments m = p.moments();
            return new FeatureReference(name, true, p.numericCount(), missing, m.mean(), m.stddev(), m.min(), m.max(),
                    QuantileBins.fromSketch(p.sketch(), numericBins), null);
        }
        return new FeatureReference(name, false, p.categoricalCount(), missing, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, null, CategoryBins.fromCounter(p.categories(), categoryBins));
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
    }

    public static FeatureReference readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
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
        return new FeatureReference(name, numeric, present, missing, mean, stddev, min, max, nb, cb);
    }
}
