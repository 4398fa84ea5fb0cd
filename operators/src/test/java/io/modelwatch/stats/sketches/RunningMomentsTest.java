package io.modelwatch.stats.sketches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RunningMomentsTest {
    private static final Offset<Double> EXACT = within(1e-12);

    // The example from the Wikipedia article "Standard deviation":
    //   mean = (2+4+4+4+5+5+7+9)/8 = 40/8 = 5
    //   squared deviations: 9,1,1,1,0,0,4,16 -> sum 32
    //   population variance = 32/8 = 4, sample variance = 32/7
    private static final double[] TEXTBOOK = {2, 4, 4, 4, 5, 5, 7, 9};

    @Test
    void textbookDataset() {
        RunningMoments m = of(TEXTBOOK);

        assertThat(m.count()).isEqualTo(8);
        assertThat(m.mean()).isCloseTo(5.0, EXACT);
        assertThat(m.populationVariance()).isCloseTo(4.0, EXACT);
        assertThat(m.variance()).isCloseTo(32.0 / 7.0, EXACT);
        assertThat(m.stddev()).isCloseTo(Math.sqrt(32.0 / 7.0), EXACT);
        assertThat(m.min()).isEqualTo(2.0);
        assertThat(m.max()).isEqualTo(9.0);
    }

    @Test
    void emptyAndSingleValue() {
        RunningMoments m = new RunningMoments();
        assertThat(m.count()).isZero();
        assertThat(m.mean()).isNaN();
        assertThat(m.variance()).isNaN();
        assertThat(m.populationVariance()).isNaN();
        assertThat(m.stddev()).isNaN();
        assertThat(m.min()).isNaN();
        assertThat(m.max()).isNaN();

        m.add(-3.5);
        assertThat(m.count()).isEqualTo(1);
        assertThat(m.mean()).isEqualTo(-3.5);
        assertThat(m.variance()).isNaN(); // n - 1 = 0: the sample variance is undefined
        assertThat(m.stddev()).isNaN();
        assertThat(m.populationVariance()).isZero();
        assertThat(m.min()).isEqualTo(-3.5);
        assertThat(m.max()).isEqualTo(-3.5);
    }

    @Test
    void mergeOfTwoPartsEqualsTheWhole() {
        RunningMoments whole = of(TEXTBOOK);
        // Every split point, including the ones that leave one side empty.
        for (int split = 0; split <= TEXTBOOK.length; split++) {
            RunningMoments left = new RunningMoments();
            RunningMoments right = new RunningMoments();
            for (int i = 0; i < TEXTBOOK.length; i++) {
                (i < split ? left : right).add(TEXTBOOK[i]);
            }
            left.merge(right);

            assertThat(left.count()).isEqualTo(whole.count());
            assertThat(left.mean()).isCloseTo(whole.mean(), EXACT);
            assertThat(left.variance()).isCloseTo(whole.variance(), EXACT);
            assertThat(left.min()).isEqualTo(2.0);
            assertThat(left.max()).isEqualTo(9.0);
        }
    }

    @Test
    void mergeLeavesTheArgumentUnchangedAndMergeWithItselfDoublesTheData() {
        RunningMoments a = of(1, 2, 3);
        RunningMoments b = of(10, 20);
        a.merge(b);
        assertThat(b.count()).isEqualTo(2);
        assertThat(b.mean()).isEqualTo(15.0);

        // {1,2,3,1,2,3}: mean 2, squared deviations 1,0,1,1,0,1 -> 4, sample variance 4/5.
        RunningMoments c = of(1, 2, 3);
        c.merge(c);
        assertThat(c.count()).isEqualTo(6);
        assertThat(c.mean()).isCloseTo(2.0, EXACT);
        assertThat(c.variance()).isCloseTo(0.8, EXACT);
    }

    @Test
    void largeOffsetKeepsFullPrecision() {
        // Wikipedia "Algorithms for calculating variance": 4, 7, 13, 16 has sample variance 30
        // (mean 10, squared deviations 36+9+9+36 = 90, 90/3 = 30). Shifted by 1e9 the variance is
        // unchanged; sum(x^2) is then ~4e18, where a double's ulp is 512, so the naive
        // sum-of-squares formula cannot even see a spread of 90.
        double offset = 1e9;
        double[] xs = {offset + 4, offset + 7, offset + 13, offset + 16};
        RunningMoments m = of(xs);

        assertThat(m.mean()).isEqualTo(offset + 10);
        assertThat(m.variance()).isCloseTo(30.0, within(1e-9));
        assertThat(naiveVariance(xs)).isNotCloseTo(30.0, within(1.0));
    }

    @Test
    void largeOffsetWithNoiseMatchesTwoPass() {
        Random random = new Random(42);
        int n = 100_000;
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = 1e9 + random.nextGaussian();
        }
        RunningMoments single = of(xs);
        // Eight partials merged, as parallel subtasks would be.
        RunningMoments merged = new RunningMoments();
        for (int part = 0; part < 8; part++) {
            RunningMoments partial = new RunningMoments();
            for (int i = part; i < n; i += 8) {
                partial.add(xs[i]);
            }
            merged.merge(partial);
        }

        double expected = twoPassVariance(xs);
        assertThat(expected).isCloseTo(1.0, within(0.02)); // sanity: the noise has unit variance
        // Each running mean is rounded to a multiple of ulp(1e9) ~ 1.2e-7, which perturbs every
        // unit-sized deviation by about that much: Welford's relative error is of order
        // eps * |mean| / sd ~ 1e-16 * 1e9 = 1e-7 (Chan and Lewis 1979, condition number kappa).
        // The naive formula is wrong in its leading digit here, so 1e-7 still separates them.
        assertThat(single.variance()).isCloseTo(expected, within(1e-7 * expected));
        assertThat(merged.variance()).isCloseTo(expected, within(1e-7 * expected));
        assertThat(naiveVariance(xs)).isNotCloseTo(expected, within(0.1));
        // Every update rounds the mean to ulp(1e9) / 2 ~ 6e-8; over 1e5 updates those errors
        // random-walk to about sqrt(1e5) * 6e-8 ~ 2e-5, a relative error near 1e-14.
        assertThat(single.mean()).isCloseTo(mean(xs), within(1e-4));
        assertThat(merged.mean()).isCloseTo(mean(xs), within(1e-4));
    }

    @Test
    void copyIsIndependent() {
        RunningMoments a = of(1, 2, 3);
        RunningMoments b = a.copy();
        b.add(100);
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.max()).isEqualTo(3.0);
        assertThat(b.count()).isEqualTo(4);
    }

    @Test
    void roundTripsThroughBinaryForm() throws IOException {
        RunningMoments original = of(TEXTBOOK);
        byte[] bytes = serialise(original);
        RunningMoments restored = RunningMoments.readFrom(input(bytes));

        assertThat(restored.count()).isEqualTo(original.count());
        assertThat(restored.mean()).isEqualTo(original.mean());
        assertThat(restored.variance()).isEqualTo(original.variance());
        assertThat(restored.min()).isEqualTo(original.min());
        assertThat(restored.max()).isEqualTo(original.max());
        assertThat(serialise(restored)).isEqualTo(bytes);
        // Format 2: version, the count as a varint, mean and m2 as 8 bytes, min and max compact.
        assertThat(bytes).hasSize(1 + 1 + 8 * 2 + CompactDoubles.size(original.min()) + CompactDoubles.size(original.max()));
        // Format 1, as the previous build wrote it, reads back to the same moments.
        assertThat(serialise(RunningMoments.readFrom(input(formatOne(bytes))))).isEqualTo(bytes);

        // The restored instance keeps working as the original would.
        original.add(11);
        restored.add(11);
        assertThat(serialise(restored)).isEqualTo(serialise(original));
    }

    @Test
    void emptyRoundTrips() throws IOException {
        RunningMoments restored = RunningMoments.readFrom(input(serialise(new RunningMoments())));
        assertThat(restored.count()).isZero();
        assertThat(restored.mean()).isNaN();
        assertThat(restored.min()).isNaN();
    }

    @Test
    void rejectsUnknownFormatVersion() {
        byte[] bytes = serialise(of(1, 2));
        bytes[0] = 3;
        assertThatThrownBy(() -> RunningMoments.readFrom(input(bytes)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("RunningMoments")
                .hasMessageContaining("version 3");
    }

    private static RunningMoments of(double... xs) {
        RunningMoments m = new RunningMoments();
        for (double x : xs) {
            m.add(x);
        }
        return m;
    }

    /**
     * The exact mean, rounded once. A plain double sum of 1e5 values near 1e9 reaches 1e14, where
     * each addition rounds to ulp(1e14) ~ 0.016, which would make the reference worse than the
     * algorithm under test.
     */
    private static double mean(double[] xs) {
        BigDecimal sum = BigDecimal.ZERO;
        for (double x : xs) {
            sum = sum.add(new BigDecimal(x));
        }
        return sum.divide(BigDecimal.valueOf(xs.length), MathContext.DECIMAL128).doubleValue();
    }

    /**
     * The corrected two-pass algorithm (Chan, Golub and LeVeque 1983, eq. 1.7): the second term
     * removes the rounding error left in the first-pass mean.
     */
    private static double twoPassVariance(double[] xs) {
        double mean = mean(xs);
        double sumSq = 0;
        double sum = 0;
        for (double x : xs) {
            double d = x - mean;
            sumSq += d * d;
            sum += d;
        }
        return (sumSq - sum * sum / xs.length) / (xs.length - 1);
    }

    private static double naiveVariance(double[] xs) {
        double sum = 0;
        double sumSq = 0;
        for (double x : xs) {
            sum += x;
            sumSq += x * x;
        }
        return (sumSq - sum * sum / xs.length) / (xs.length - 1);
    }

    /** The moments of format 2's {@code bytes} in format 1: count as a long, the four doubles as 8 bytes. */
    static byte[] formatOne(byte[] format2) {
        return StateBytes.of(out -> {
            ByteArrayDataInput in = new ByteArrayDataInput(format2);
            assertThat(in.readByte()).isEqualTo((byte) 2);
            out.writeByte(1);
            out.writeLong(VarLongs.readUnsigned(in, "test"));
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
            out.writeDouble(CompactDoubles.read(in));
            out.writeDouble(CompactDoubles.read(in));
        });
    }

    static byte[] serialise(RunningMoments m) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            m.writeTo(new DataOutputStream(bytes));
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static DataInputStream input(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }
}
