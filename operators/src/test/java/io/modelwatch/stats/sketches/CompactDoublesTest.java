package io.modelwatch.stats.sketches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompactDoublesTest {

    private static byte[] bytesOf(double v) {
        return StateBytes.of(out -> CompactDoubles.write(out, v));
    }

    private static double readBack(double v) {
        return StateBytes.read(bytesOf(v), CompactDoubles::read);
    }

    /**
     * The one deciding try ({@link CompactDoubles#shortForm}) finds what trying every number of
     * decimals in turn finds, for values of every kind: full precision, short decimals of every
     * length and magnitude, near the mantissa bounds (2^50, 2^53), integers, flags, tiny and huge.
     */
    @Test
    void oneDecidingTryFindsTheShortFormOfTryingEveryNumberOfDecimals() {
        SplittableRandom r = new SplittableRandom(20261207);
        for (int i = 0; i < 2_000_000; i++) {
            double v = switch (i % 8) {
                case 0 -> r.nextDouble();
                case 1 -> (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-20, 25));
                case 2 -> {
                    int d = r.nextInt(0, CompactDoubles.MAX_DECIMALS + 3);
                    yield r.nextLong(-(1L << r.nextInt(1, 56)), 1L << r.nextInt(1, 56)) / Math.pow(10, d);
                }
                case 3 -> (double) r.nextLong(-(1L << 54), 1L << 54);
                case 4 -> Math.scalb((double) r.nextLong(1L << 52, 1L << 53), r.nextInt(-60, 10));
                case 5 -> r.nextInt(0, 2);
                case 6 -> Math.round(r.nextDouble() * 1e6) / 1e4 * Math.pow(10, r.nextInt(-10, 12));
                default -> Double.longBitsToDouble(r.nextLong());
            };
            long bits = Double.doubleToRawLongBits(v);
            assertThat(CompactDoubles.shortForm(v)).as("%s", v).isEqualTo(CompactDoubles.smallestShortForm(v, bits));
        }
        for (double v : new double[] {0.0, -0.0, 1.0, -1.0, 0x1p50, -0x1p50, 0x1p53, 0x1p53 - 1, 0x1p50 - 1,
                1125899906842623.5, 0.1, 1e-14, 1e-15, 123456789.0123, Double.MIN_VALUE, Double.MAX_VALUE,
                Double.NaN, Double.POSITIVE_INFINITY}) {
            long bits = Double.doubleToRawLongBits(v);
            assertThat(CompactDoubles.shortForm(v)).as("%s", v).isEqualTo(CompactDoubles.smallestShortForm(v, bits));
        }
    }

    @Test
    void shortDecimalsAreOneVarintOfTheZigZagMantissaAndTheDecimals() {
        // zigzag(0) << 4 | 0
        assertThat(bytesOf(0.0)).containsExactly(0x00);
        // zigzag(1) = 2, << 4 = 32
        assertThat(bytesOf(1.0)).containsExactly(0x20);
        // zigzag(-1) = 1, << 4 = 16
        assertThat(bytesOf(-1.0)).containsExactly(0x10);
        // 1.5 = 15 / 10: zigzag(15) = 30, 30 << 4 | 1 = 481 = 0b11_1100001 -> E1 03
        assertThat(bytesOf(1.5)).containsExactly(0xE1, 0x03);
        // 1.2345 = 12345 / 10^4: zigzag 24690, << 4 | 4 = 395044 -> A4 8E 18
        assertThat(bytesOf(1.2345)).containsExactly(0xA4, 0x8E, 0x18);
        // One byte down to -4 and up to 3 (zigzag below 8), two bytes up to 511.
        assertThat(bytesOf(3.0)).hasSize(1);
        assertThat(bytesOf(-4.0)).hasSize(1);
        assertThat(bytesOf(7.0)).hasSize(2);
        for (double v : new double[] {0, 3, 7, 1.5, 1.2345, 511, -0.0, Math.PI}) {
            assertThat(CompactDoubles.size(v)).as("size of %s", v).isEqualTo(bytesOf(v).length);
        }
    }

    @Test
    void otherValuesAreTheirEightBytesAfterATag() {
        for (double v : new double[] {-0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Math.PI,
            Double.MIN_VALUE, Double.MAX_VALUE, 1e300, Math.nextUp(1.0), Double.longBitsToDouble(0x7FF8_0000_0000_0001L)}) {
            byte[] b = bytesOf(v);
            assertThat(b).hasSize(9);
            assertThat(b[0]).isEqualTo((byte) CompactDoubles.RAW);
            assertThat(Double.doubleToRawLongBits(readBack(v))).isEqualTo(Double.doubleToRawLongBits(v));
        }
    }

    @Test
    void everyValueReadsBackToTheSameBits() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            double v = switch (i % 6) {
                case 0 -> r.nextGaussian() * Math.pow(10, r.nextInt(-12, 12));
                case 1 -> Double.parseDouble(String.format(Locale.ROOT, "%." + r.nextInt(0, 16) + "f", r.nextGaussian() * 100));
                case 2 -> r.nextInt(-1_000_000, 1_000_000);
                case 3 -> Double.longBitsToDouble(r.nextLong());
                case 4 -> r.nextLong(-(1L << 53), 1L << 53) / Math.pow(10, r.nextInt(0, 15));
                default -> (double) r.nextLong();
            };
            assertThat(Double.doubleToRawLongBits(readBack(v))).as("value %s", v).isEqualTo(Double.doubleToRawLongBits(v));
        }
    }

    @Test
    void parsedFourDecimalValuesTakeAtMostFourBytes() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            double v = Double.parseDouble(String.format(Locale.ROOT, "%.4f", r.nextGaussian() * 20));
            assertThat(bytesOf(v).length).as("value %s", v).isLessThanOrEqualTo(4);
        }
    }

    @Test
    void aKllSketchReadsBackAsTheSameSketch() {
        SplittableRandom r = new SplittableRandom(5);
        for (int n : new int[] {0, 1, 2, 3, 199, 200, 201, 600, 5_000, 100_000}) {
            for (int shape = 0; shape < 3; shape++) {
                KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(shape == 2 ? 100 : 200);
                for (int i = 0; i < n; i++) {
                    ReproducibleKll.update(sketch, switch (shape) {
                        case 0 -> r.nextGaussian();
                        case 1 -> r.nextInt(4) == 0 ? 1 : 0;
                        default -> Math.floor(r.nextDouble() * 1000) / 100;
                    });
                }
                byte[] compact = StateBytes.of(out -> CompactDoubles.writeKll(out, sketch));
                KllDoublesSketch back = StateBytes.read(compact, CompactDoubles::readKll);
                assertThat(back.toByteArray()).isEqualTo(sketch.toByteArray());
                // At worst (full-precision items) a few bytes of lengths and tags more.
                assertThat(compact.length).isLessThanOrEqualTo(sketch.toByteArray().length + 8);
                // It goes on as the one written: the same compactions, the same bytes.
                KllDoublesSketch original = KllDoublesSketch.heapify(Memory.wrap(sketch.toByteArray()));
                for (int i = 0; i < 1_000; i++) {
                    double x = r.nextGaussian();
                    ReproducibleKll.update(original, x);
                    ReproducibleKll.update(back, x);
                }
                assertThat(back.toByteArray()).isEqualTo(original.toByteArray());
            }
        }
    }

    @Test
    void anArrayIsWrittenTheShorterWay() {
        SplittableRandom r = new SplittableRandom(9);
        double[] full = r.doubles(100).toArray();
        double[] flags = r.ints(100, 0, 2).asDoubleStream().toArray();
        for (double[] values : new double[][] {full, flags}) {
            byte[] b = StateBytes.of(out -> CompactDoubles.writeAll(out, values, 10, 80));
            assertThat(b).hasSize(values == full ? 1 + 8 * 80 : 1 + 80);
            double[] back = new double[80];
            StateBytes.read(b, in -> {
                CompactDoubles.readAll(in, back, 80);
                return null;
            });
            assertThat(back).containsExactly(java.util.Arrays.copyOfRange(values, 10, 90));
        }
    }

    @Test
    void aSketchOfFlagsTakesAboutAByteAnItem() {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
        for (int i = 0; i < 600; i++) {
            ReproducibleKll.update(sketch, i % 3 == 0 ? 1 : 0);
        }
        byte[] compact = StateBytes.of(out -> CompactDoubles.writeKll(out, sketch));
        // DataSketches' 20-byte preamble and level offsets stay as they are; each double is a byte.
        assertThat(compact.length).isLessThan(sketch.getNumRetained() + 2 + 64);
        assertThat(sketch.toByteArray().length).isGreaterThan(8 * sketch.getNumRetained());
    }

    @Test
    void corruptInputFailsWithAMessage() {
        byte[] badRaw = {(byte) 0x8F, 0x01};
        assertThatThrownBy(() -> StateBytes.read(badRaw, CompactDoubles::read))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("raw tag");
    }
}
