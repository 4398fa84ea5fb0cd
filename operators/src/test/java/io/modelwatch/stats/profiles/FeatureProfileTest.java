package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.RunningMoments;
import io.modelwatch.stats.sketches.StateBytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.stream.DoubleStream;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.Test;

/**
 * A profile keeps its first {@link FeatureProfile#FEW_VALUES} numeric values as they are and
 * builds its KLL sketch from them when first read: every quantile must be what the sketch fed
 * the same values gives, through merges and state round trips, and state written by earlier
 * builds (format 2, always a sketch) must still read.
 */
class FeatureProfileTest {
    static final double[] RANKS = {0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0};

    static double[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return DoubleStream.generate(() -> r.nextGaussian() * 3 + 10).limit(n).toArray();
    }

    static FeatureProfile profile(double[] values) {
        FeatureProfile p = new FeatureProfile();
        for (double v : values) {
            p.addNumeric(v, -1);
        }
        return p;
    }

    /** The quantiles of a sketch with k = 200 fed {@code values} in order: what profiles gave before. */
    static double[] sketchQuantiles(double[]... values) {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(FeatureProfile.SKETCH_K);
        for (double[] vs : values) {
            for (double v : vs) {
                s.update(v);
            }
        }
        return s.getQuantiles(RANKS, QuantileSearchCriteria.INCLUSIVE);
    }

    static double[] quantiles(FeatureProfile p) {
        return p.sketch().getQuantiles(RANKS, QuantileSearchCriteria.INCLUSIVE);
    }

    @Test
    void quantilesAreThoseOfTheSketchAtAnyCountAroundTheThreshold() {
        for (int n : new int[] {1, 5, FeatureProfile.FEW_VALUES, FeatureProfile.FEW_VALUES + 1, 150}) {
            double[] v = values(n, n);
            assertThat(quantiles(profile(v))).as("n = %d", n).containsExactly(sketchQuantiles(v));
            assertThat(profile(v).sketch().getN()).isEqualTo(n);
        }
    }

    @Test
    void aStateRoundTripKeepsTheFewValuesAndIsSmallerThanTheSketch() {
        for (int n : new int[] {1, 7, FeatureProfile.FEW_VALUES, FeatureProfile.FEW_VALUES + 1, 150}) {
            FeatureProfile p = profile(values(n, 100 + n));
            byte[] bytes = StateBytes.of(p::writeTo);
            FeatureProfile back = StateBytes.read(bytes, FeatureProfile::readFrom);
            assertThat(StateBytes.of(back::writeTo)).as("n = %d", n).isEqualTo(bytes);
            assertThat(quantiles(back)).isEqualTo(quantiles(p));
            // More values after the round trip go on as they would have without it.
            double[] more = values(30, 7);
            FeatureProfile continued = StateBytes.read(bytes, FeatureProfile::readFrom);
            for (double v : more) {
                continued.addNumeric(v, -1);
            }
            assertThat(quantiles(continued)).isEqualTo(sketchQuantiles(values(n, 100 + n), more));
        }
        // A heap sketch holds k doubles from its first value; five values are 40 bytes here.
        assertThat(StateBytes.of(profile(values(5, 1))::writeTo).length).isLessThan(200);
    }

    @Test
    void mergesGiveTheQuantilesOfAllTheValues() {
        int few = FeatureProfile.FEW_VALUES;
        int[][] sizes = {{3, 4}, {few - 2, 5}, {5, 60}, {60, 5}, {60, 70}, {0, 5}, {0, 60}, {5, 0}};
        for (int[] size : sizes) {
            double[] a = values(size[0], size[0] * 31L + 1);
            double[] b = values(size[1], size[1] * 17L + 2);
            FeatureProfile merged = profile(a);
            merged.merge(profile(b));
            assertThat(merged.numericCount()).isEqualTo(a.length + b.length);
            assertThat(quantiles(merged)).as("%d + %d", a.length, b.length).containsExactly(sketchQuantiles(a, b));
            assertThat(merged.moments().count()).isEqualTo(a.length + b.length);
        }
    }

    @Test
    void stateOfEarlierBuildsReads() throws IOException {
        // Format 2, as earlier builds wrote it: the sketch's bytes right after the moments.
        double[] v = values(40, 3);
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(FeatureProfile.SKETCH_K);
        RunningMoments moments = new RunningMoments();
        for (double x : v) {
            sketch.update(x);
            moments.add(x);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(2);
        for (long count : new long[] {v.length, 0, 3, 0, 0, 0, 0}) {
            out.writeLong(count);
        }
        out.writeBoolean(true);
        moments.writeTo(out);
        byte[] sk = sketch.toByteArray();
        out.writeInt(sk.length);
        out.write(sk);
        out.writeBoolean(false);
        out.writeInt(-1);

        FeatureProfile p = StateBytes.read(bytes.toByteArray(), FeatureProfile::readFrom);
        assertThat(p.numericCount()).isEqualTo(v.length);
        assertThat(p.missing()).isEqualTo(3);
        assertThat(quantiles(p)).containsExactly(sketchQuantiles(v));
        p.addNumeric(99, -1);
        assertThat(p.sketch().getN()).isEqualTo(v.length + 1);
    }
}
