package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.ReproducibleKll;
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
 * A profile keeps its first numeric values as they are, up to the sketch's k
 * ({@link FeatureProfile#SKETCH_K}), and builds its KLL sketch from them when first read: every
 * quantile must be what the sketch fed the same values gives, through merges and state round
 * trips, and state written by earlier builds (format 2, always a sketch; format 4, at most
 * {@link FeatureProfile#FORMAT_4_FEW_VALUES} values before the sketch) must still read.
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
                ReproducibleKll.update(s, v);
            }
        }
        return s.getQuantiles(RANKS, QuantileSearchCriteria.INCLUSIVE);
    }

    static double[] quantiles(FeatureProfile p) {
        return p.sketch().getQuantiles(RANKS, QuantileSearchCriteria.INCLUSIVE);
    }

    /**
     * A span summarised at every window while windows merge into it (its sorted values kept and
     * the new ones merged in) has the quantiles of a profile of the same values summarised once,
     * through the few values and on into the sketch.
     */
    @Test
    void quantilesOfASpanSummarisedAtEveryWindowAreThoseOfItsValuesSortedOnce() {
        double[] ranks = {0, 0.05, 0.25, 0.5, 0.75, 0.95, 1};
        SplittableRandom random = new SplittableRandom(7);
        FeatureProfile span = new FeatureProfile();
        FeatureProfile once = new FeatureProfile();
        for (int w = 0; w < 120; w++) {
            FeatureProfile window = new FeatureProfile();
            for (int i = 0; i < 1 + random.nextInt(4); i++) {
                // Ties, signed zeros and whole numbers as well as fractions.
                double x = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(5);
                    case 1 -> random.nextBoolean() ? 0.0 : -0.0;
                    default -> Math.round(random.nextGaussian() * 1000) / 100.0;
                };
                window.addNumeric(x, -1);
                once.addNumeric(x, -1);
            }
            span.merge(window);
            FeatureProfile fresh = new FeatureProfile();
            fresh.merge(once);
            assertThat(span.quantiles(ranks)).as("window %d", w).containsExactly(fresh.quantiles(ranks));
        }
    }

    @Test
    void quantilesAreThoseOfTheSketchAtAnyCountAroundTheThreshold() {
        for (int n : new int[] {1, 5, 16, 17, 150, FeatureProfile.SKETCH_K, FeatureProfile.SKETCH_K + 1, 450}) {
            double[] v = values(n, n);
            double[] q = quantiles(profile(v));
            double[] expected = sketchQuantiles(v);
            if (n <= FeatureProfile.SKETCH_K) {
                assertThat(q).as("n = %d", n).containsExactly(expected);
            } else {
                // Past k the sketch compacts with DataSketches' unseeded coin: only the extremes are fixed.
                assertThat(q[0]).isEqualTo(expected[0]);
                assertThat(q[RANKS.length - 1]).isEqualTo(expected[RANKS.length - 1]);
            }
            assertThat(profile(v).sketch().getN()).isEqualTo(n);
        }
    }

    @Test
    void aStateRoundTripKeepsTheFewValuesAndIsSmallerThanTheSketch() {
        for (int n : new int[] {1, 7, 16, 17, 150, FeatureProfile.SKETCH_K, FeatureProfile.SKETCH_K + 1, 450}) {
            FeatureProfile p = profile(values(n, 100 + n));
            byte[] bytes = StateBytes.of(p::writeTo);
            FeatureProfile back = StateBytes.read(bytes, FeatureProfile::readFrom);
            assertThat(StateBytes.of(back::writeTo)).as("n = %d", n).isEqualTo(bytes);
            if (n > FeatureProfile.SKETCH_K) {
                assertThat(back.sketch().getN()).isEqualTo(n);
                continue;
            }
            assertThat(quantiles(back)).isEqualTo(quantiles(p));
            // More values after the round trip go on as they would have without it (within k: exact).
            double[] more = values(Math.min(30, FeatureProfile.SKETCH_K - n), 7);
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
        int few = FeatureProfile.SKETCH_K;
        // Totals up to k, where the merged sketch is exact (past it, compaction is randomised).
        int[][] sizes = {{3, 4}, {few - 5, 5}, {5, 60}, {60, 5}, {60, 70}, {0, 5}, {0, 60}, {5, 0}, {150, 50},
            {100, 100}, {16, few - 16}};
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
    void quantilesReadFromTheFewValuesAreTheSketchsAtEveryCountAndRank() {
        SplittableRandom r = new SplittableRandom(42);
        double[] ranks = new double[RANKS.length + 5 + 200];
        System.arraycopy(RANKS, 0, ranks, 0, RANKS.length);
        // The report's five ranks, then ranks at and around k / n for small n.
        System.arraycopy(new double[] {0.05, 0.25, 0.5, 0.75, 0.95}, 0, ranks, RANKS.length, 5);
        for (int i = RANKS.length + 5; i < ranks.length; i++) {
            ranks[i] = i % 2 == 0 ? r.nextDouble() : (i % 61) / 60.0;
        }
        for (int n = 1; n <= FeatureProfile.SKETCH_K; n++) {
            // Every other count with repeated values (a discrete feature), the rest continuous.
            double[] v = n % 2 == 0 ? values(n, n) : DoubleStream.generate(() -> r.nextInt(4)).limit(n).toArray();
            FeatureProfile p = profile(v);
            double[] fromFew = p.quantiles(ranks);
            KllDoublesSketch s = KllDoublesSketch.newHeapInstance(FeatureProfile.SKETCH_K);
            for (double x : v) {
                ReproducibleKll.update(s, x);
            }
            assertThat(fromFew).as("n = %d", n).containsExactly(s.getQuantiles(ranks, QuantileSearchCriteria.INCLUSIVE));
            assertThat(p.quantiles(ranks)).as("reading does not build the sketch or change the values").containsExactly(fromFew);
        }
        FeatureProfile past = profile(values(FeatureProfile.SKETCH_K + 1, 1));
        assertThat(past.quantiles(RANKS)).containsExactly(quantiles(past));
    }

    @Test
    void format4FewValuesReadAndGoOnToTheSketchsK() throws IOException {
        // Format 4, as the current release writes a profile of 16 values: tag 1, k, the values,
        // no distinct counts (rebuilt from the values on reading).
        double[] v = values(FeatureProfile.FORMAT_4_FEW_VALUES, 5);
        RunningMoments moments = new RunningMoments();
        for (double x : v) {
            moments.add(x);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(4);
        for (long count : new long[] {v.length, 0, 0, 0, 0, 0, 0}) {
            out.writeLong(count);
        }
        out.writeBoolean(true);
        out.write(momentsFormatOne(moments));
        out.writeByte(1);
        out.writeInt(FeatureProfile.SKETCH_K);
        out.writeInt(v.length);
        for (double x : v) {
            out.writeDouble(x);
        }
        out.writeBoolean(false);
        out.writeBoolean(false);
        out.writeInt(-1);

        FeatureProfile p = StateBytes.read(bytes.toByteArray(), FeatureProfile::readFrom);
        assertThat(p.numericCount()).isEqualTo(v.length);
        assertThat(p.distinctValues().size()).isEqualTo(v.length); // rebuilt from the values: 16, under 20
        double[] more = values(FeatureProfile.SKETCH_K - v.length, 9);
        for (double x : more) {
            p.addNumeric(x, -1);
        }
        assertThat(quantiles(p)).containsExactly(sketchQuantiles(v, more));
        assertThat(p.distinctValues()).isNull();
    }

    @Test
    void distinctCountsEndAtTheirCapacityWhenRebuiltFromTheValues() {
        // 30 distinct values kept as they are: the round trip must not count 20 of them as if exact.
        FeatureProfile p = profile(values(30, 11));
        assertThat(p.distinctValues()).isNull();
        FeatureProfile back = StateBytes.read(StateBytes.of(p::writeTo), FeatureProfile::readFrom);
        assertThat(back.distinctValues()).isNull();
        // Five distinct values, many times each: still exact after the round trip.
        FeatureProfile flags = new FeatureProfile();
        for (int i = 0; i < 100; i++) {
            flags.addNumeric(i % 5, -1);
        }
        FeatureProfile flagsBack = StateBytes.read(StateBytes.of(flags::writeTo), FeatureProfile::readFrom);
        assertThat(flagsBack.distinctValues().values()).containsExactly(0, 1, 2, 3, 4);
        assertThat(flagsBack.distinctValues().counts()).containsExactly(20, 20, 20, 20, 20);
    }

    @Test
    void stateOfEarlierBuildsReads() throws IOException {
        // Format 2, as earlier builds wrote it: the sketch's bytes right after the moments.
        double[] v = values(40, 3);
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(FeatureProfile.SKETCH_K);
        RunningMoments moments = new RunningMoments();
        for (double x : v) {
            ReproducibleKll.update(sketch, x);
            moments.add(x);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(2);
        for (long count : new long[] {v.length, 0, 3, 0, 0, 0, 0}) {
            out.writeLong(count);
        }
        out.writeBoolean(true);
        out.write(momentsFormatOne(moments));
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

    /**
     * Format 6 (varints and compact doubles) holds what format 5 held: format 5's bytes, as the
     * previous build wrote them, read back to a profile that writes the same format-6 bytes as the
     * profile built directly, and goes on the same way (the same bytes and quantiles after more
     * values). Two cases: a reference being learned with its values kept as they are (with a
     * missing count and 4-decimal values), and a window past its sketch's k, binned.
     */
    @Test
    void format5ReadsBackToTheProfileFormat6Writes() throws IOException {
        SplittableRandom r = new SplittableRandom(21);
        double[] learned = DoubleStream.generate(() -> Math.round(r.nextGaussian() * 1e4) / 1e4).limit(150).toArray();
        FeatureProfile fewDirect = profile(learned);
        fewDirect.addMissing();
        fewDirect.addMissing();
        RunningMoments moments = new RunningMoments();
        DoubleStream.of(learned).forEach(moments::add);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        writeFormat5Counters(out, learned.length, 2);
        out.writeBoolean(true);
        out.write(momentsFormatOne(moments));
        out.writeByte(1); // the few values
        out.writeInt(FeatureProfile.SKETCH_K);
        out.writeInt(learned.length);
        for (double v : learned) {
            out.writeDouble(v);
        }
        out.writeBoolean(false); // distinct values: rebuilt from the few on reading
        out.writeBoolean(false); // no categories
        out.writeInt(-1); // not binned
        assertReadsAsDirect(bytes.toByteArray(), fewDirect, r);

        double[] window = DoubleStream.of(values(300, 22)).map(v -> Math.round(v * 1e4) / 1e4).toArray();
        FeatureProfile sketchedDirect = FeatureProfile.binned(12);
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(FeatureProfile.WINDOW_SKETCH_K);
        long[] bins = new long[12];
        RunningMoments windowMoments = new RunningMoments();
        for (double v : window) {
            int bin = (int) Math.max(0, Math.min(11, v - 4));
            sketchedDirect.addNumeric(v, bin);
            ReproducibleKll.update(sketch, v);
            bins[bin]++;
            windowMoments.add(v);
        }
        bytes.reset();
        writeFormat5Counters(out, window.length, 0);
        out.writeBoolean(true);
        out.write(momentsFormatOne(windowMoments));
        out.writeByte(0); // the sketch's bytes
        byte[] sk = sketch.toByteArray();
        out.writeInt(sk.length);
        out.write(sk);
        out.writeBoolean(false); // no distinct values in a binned profile
        out.writeBoolean(false);
        out.writeInt(bins.length);
        for (long b : bins) {
            out.writeLong(b);
        }
        assertReadsAsDirect(bytes.toByteArray(), sketchedDirect, r);
    }

    /** RunningMoments' format 1, as the previous build wrote it inside format 5. */
    private static byte[] momentsFormatOne(RunningMoments m) {
        byte[] format2 = StateBytes.of(m::writeTo);
        return StateBytes.of(out -> {
            io.modelwatch.stats.sketches.ByteArrayDataInput in = new io.modelwatch.stats.sketches.ByteArrayDataInput(format2);
            assertThat(in.readByte()).isEqualTo((byte) 2);
            out.writeByte(1);
            out.writeLong(io.modelwatch.stats.sketches.VarLongs.readUnsigned(in, "test"));
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
            out.writeDouble(io.modelwatch.stats.sketches.CompactDoubles.read(in));
            out.writeDouble(io.modelwatch.stats.sketches.CompactDoubles.read(in));
        });
    }

    private static void writeFormat5Counters(DataOutputStream out, long numeric, long missing) throws IOException {
        out.writeByte(5);
        out.writeLong(numeric);
        out.writeLong(0); // categorical
        out.writeLong(missing);
        for (int i = 0; i < 4; i++) {
            out.writeLong(0); // type mismatches, non-finite, out of range, unseen categories
        }
    }

    private static void assertReadsAsDirect(byte[] format5, FeatureProfile direct, SplittableRandom r) {
        FeatureProfile old = StateBytes.read(format5, FeatureProfile::readFrom);
        byte[] format6 = StateBytes.of(direct::writeTo);
        assertThat(format6[0]).isEqualTo((byte) 6);
        assertThat(format6.length).isLessThan(format5.length / 2);
        assertThat(StateBytes.of(old::writeTo)).isEqualTo(format6);
        FeatureProfile back = StateBytes.read(format6, FeatureProfile::readFrom);
        assertThat(StateBytes.of(back::writeTo)).isEqualTo(format6);
        for (int i = 0; i < 500; i++) {
            double v = r.nextGaussian() * 3 + 10;
            int bin = direct.bins() == null ? -1 : (int) Math.max(0, Math.min(11, v - 4));
            direct.addNumeric(v, bin);
            old.addNumeric(v, bin);
            back.addNumeric(v, bin);
        }
        assertThat(StateBytes.of(old::writeTo)).isEqualTo(StateBytes.of(direct::writeTo));
        assertThat(StateBytes.of(back::writeTo)).isEqualTo(StateBytes.of(direct::writeTo));
        assertThat(back.quantiles(RANKS)).containsExactly(direct.quantiles(RANKS));
        assertThat(old.quantiles(RANKS)).containsExactly(direct.quantiles(RANKS));
    }
}
