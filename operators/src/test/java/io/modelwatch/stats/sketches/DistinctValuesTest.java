package io.modelwatch.stats.sketches;

import io.modelwatch.stats.profiles.FeatureProfile;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DistinctValuesTest {

    @Test
    void countsValuesExactlyInOrderFoldingNegativeZero() {
        DistinctValues d = new DistinctValues();
        for (double x : new double[] {1, 0, -0.0, 1, 1, 3}) {
            assertThat(d.add(x)).isTrue();
        }
        assertThat(d.values()).containsExactly(0, 1, 3);
        assertThat(d.counts()).containsExactly(2, 3, 1);
    }

    /**
     * The counts, their order and the bytes are those of a sorted map of the values (what the
     * sorted arrays with a binary search kept before the hash table), whatever the arrival order:
     * random streams of few distinct values, nearby doubles and negative zero among them.
     */
    @Test
    void countsAndBytesAreThoseOfASortedMapOfTheValues() {
        SplittableRandom r = new SplittableRandom(7);
        double[] pool = {0.0, -0.0, 1.0, Math.nextUp(1.0), -1.0, 1e-300, -1e300, 0.5, 2.0, 3.0, 4.0, 1024.0,
            Double.MAX_VALUE, -Double.MIN_VALUE, Double.MIN_VALUE, 7.25, 100.0, 1e9, -3.5, 42.0, 0.1, 0.2};
        for (int trial = 0; trial < 2_000; trial++) {
            DistinctValues d = new DistinctValues();
            TreeMap<Double, Long> expected = new TreeMap<>();
            boolean open = true;
            int n = r.nextInt(1, 200);
            for (int i = 0; i < n && open; i++) {
                double x = pool[r.nextInt(pool.length)];
                expected.merge(x + 0.0, 1L, Long::sum);
                open = d.add(x);
                assertThat(open).isEqualTo(expected.size() <= DistinctValues.CAPACITY);
            }
            if (!open) {
                continue;
            }
            assertThat(d.size()).isEqualTo(expected.size());
            assertThat(d.values()).containsExactly(expected.keySet().stream().mapToDouble(Double::doubleValue).toArray());
            assertThat(d.counts()).containsExactly(expected.values().stream().mapToLong(Long::longValue).toArray());
            byte[] sortedBytes = StateBytes.of(out -> {
                out.writeByte(2);
                VarLongs.writeUnsigned(out, expected.size());
                for (Map.Entry<Double, Long> e : expected.entrySet()) {
                    CompactDoubles.write(out, e.getKey());
                    VarLongs.writeUnsigned(out, e.getValue());
                }
            });
            // Format 1, as earlier builds wrote it, reads back to the same counts.
            byte[] format1 = StateBytes.of(out -> {
                out.writeByte(1);
                out.writeInt(expected.size());
                for (Map.Entry<Double, Long> e : expected.entrySet()) {
                    out.writeDouble(e.getKey());
                    out.writeLong(e.getValue());
                }
            });
            assertThat(StateBytes.of(d::writeTo)).isEqualTo(sortedBytes);
            assertThat(StateBytes.of(StateBytes.read(format1, DistinctValues::readFrom)::writeTo)).isEqualTo(sortedBytes);
            DistinctValues back = StateBytes.read(sortedBytes, DistinctValues::readFrom);
            assertThat(StateBytes.of(back::writeTo)).isEqualTo(sortedBytes);
            // Read back (and copied), it goes on as the one kept: the same answer and bytes for the next value.
            double next = pool[r.nextInt(pool.length)];
            DistinctValues copy = d.copy();
            boolean kept = d.add(next);
            assertThat(back.add(next)).isEqualTo(kept);
            assertThat(copy.add(next)).isEqualTo(kept);
            if (kept) {
                assertThat(StateBytes.of(back::writeTo)).isEqualTo(StateBytes.of(d::writeTo));
                assertThat(StateBytes.of(copy::writeTo)).isEqualTo(StateBytes.of(d::writeTo));
            }
        }
    }

    @Test
    void aValueBeyondTheCapacityEndsTheCount() {
        DistinctValues d = new DistinctValues();
        for (int i = 0; i < DistinctValues.CAPACITY; i++) {
            assertThat(d.add(i)).isTrue();
        }
        assertThat(d.add(5)).isTrue();
        assertThat(d.add(-1)).isFalse();
    }

    @Test
    void mergesAndRoundTrips() {
        DistinctValues a = new DistinctValues();
        a.add(0);
        a.add(1);
        DistinctValues b = new DistinctValues();
        b.add(1);
        b.add(2);
        assertThat(a.merge(b)).isTrue();
        DistinctValues back = StateBytes.read(StateBytes.of(a::writeTo), DistinctValues::readFrom);
        assertThat(back.values()).containsExactly(0, 1, 2);
        assertThat(back.counts()).containsExactly(1, 2, 1);
    }

    @Test
    void aProfileLearningAReferenceKeepsItsFewValuesExactlyAndAWindowDoesNot() {
        FeatureProfile learning = new FeatureProfile();
        for (int i = 0; i < 10_000; i++) {
            learning.addNumeric(i % 100 == 0 ? 1 : 0, -1);
        }
        assertThat(learning.distinctValues().counts()).containsExactly(9_900, 100);
        FeatureProfile back = StateBytes.read(StateBytes.of(learning::writeTo), FeatureProfile::readFrom);
        assertThat(back.distinctValues().counts()).containsExactly(9_900, 100);
        FeatureProfile window = FeatureProfile.binned(3);
        window.addNumeric(1, 0);
        assertThat(window.distinctValues()).isNull();
        FeatureProfile continuous = new FeatureProfile();
        for (int i = 0; i < 100; i++) {
            continuous.addNumeric(i * 0.5, -1);
        }
        assertThat(continuous.distinctValues()).isNull();
    }

    @Test
    void format3FewValuesAreCountedOnReadAndLaterFormatsKeepTheCountsBesideTheSketch() throws Exception {
        // Format 3 as the previous release wrote it: counts, moments, then the few values (tag 1).
        ByteArrayDataOutput out = new ByteArrayDataOutput(256);
        out.writeByte(3);
        out.writeLong(3); // numeric
        for (int i = 0; i < 6; i++) {
            out.writeLong(0);
        }
        out.writeBoolean(true);
        RunningMoments m = new RunningMoments();
        for (double x : new double[] {0, 1, 0}) {
            m.add(x);
        }
        m.writeTo(out);
        out.writeByte(1);
        out.writeInt(FeatureProfile.SKETCH_K);
        out.writeInt(3);
        out.writeDouble(0);
        out.writeDouble(1);
        out.writeDouble(0);
        out.writeBoolean(false); // no categories
        out.writeInt(-1); // not binned
        FeatureProfile old = StateBytes.read(out.toByteArray(), FeatureProfile::readFrom);
        assertThat(old.distinctValues().counts()).containsExactly(2, 1);

        // Past its values kept as they are (the sketch's k) a profile has a sketch, and formats 4
        // to 6 write the exact counts beside it.
        FeatureProfile sketched = new FeatureProfile();
        for (int i = 0; i < 2 * FeatureProfile.SKETCH_K + 100; i++) {
            sketched.addNumeric(i % 2, -1);
        }
        byte[] now = StateBytes.of(sketched::writeTo);
        assertThat(now[0]).isEqualTo((byte) 6);
        assertThat(StateBytes.read(now, FeatureProfile::readFrom).distinctValues().counts())
                .containsExactly(FeatureProfile.SKETCH_K + 50, FeatureProfile.SKETCH_K + 50);
        // Below k the values are kept and the counts are rebuilt from them on reading.
        FeatureProfile few = new FeatureProfile();
        for (int i = 0; i < 100; i++) {
            few.addNumeric(i % 2, -1);
        }
        assertThat(StateBytes.read(StateBytes.of(few::writeTo), FeatureProfile::readFrom).distinctValues().counts())
                .containsExactly(50, 50);
    }
}
