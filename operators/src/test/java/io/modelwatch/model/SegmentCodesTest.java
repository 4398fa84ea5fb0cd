package io.modelwatch.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SegmentCodesTest {
    /** The hash as its comment defines it, with the concatenated string. */
    static int reference(String name, String value) {
        int h = (name + "=" + value).hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        int folded = (h ^ (h >>> 16)) & 0xFFFF;
        return folded == 0 ? 1 : folded;
    }

    @Test
    void theHashIsThatOfTheConcatenatedSegmentName() {
        for (String[] s : new String[][] {{"region", "north_america"}, {"", ""}, {"device", "m\u00f6bile-\u4e2d"},
                {"plan", "x".repeat(1000)}}) {
            assertThat(SegmentCodes.of(s[0], s[1])).isEqualTo(reference(s[0], s[1])).isBetween(1, 0xFFFF);
        }
    }

    @Test
    void theFirstFourCategoricalFeaturesWithAValueFillTheSlots() {
        PredictionEvent e = new PredictionEvent("m", "1", "p", 0,
                new String[] {"x", "region", "device", "none", "plan", "os", "browser"},
                new byte[] {ValueKind.NUMERIC, ValueKind.CATEGORICAL, ValueKind.CATEGORICAL, ValueKind.CATEGORICAL,
                        ValueKind.CATEGORICAL, ValueKind.CATEGORICAL, ValueKind.CATEGORICAL},
                new double[7], new String[] {null, "europe", "mobile", null, "pro", "ios", "safari"},
                ValueKind.NUMERIC, 0.5, null);
        long code = SegmentCodes.of(e);
        assertThat(SegmentCodes.slot(code, 0)).isEqualTo(SegmentCodes.of("region", "europe"));
        assertThat(SegmentCodes.slot(code, 1)).isEqualTo(SegmentCodes.of("device", "mobile"));
        assertThat(SegmentCodes.slot(code, 2)).isEqualTo(SegmentCodes.of("plan", "pro"));
        assertThat(SegmentCodes.slot(code, 3)).isEqualTo(SegmentCodes.of("os", "ios"));
    }

    @Test
    void theFirstFourNumericFeaturesWithAFiniteValueFillTheNumericSlots() {
        PredictionEvent e = new PredictionEvent("m", "1", "p", 0,
                new String[] {"region", "age", "gone", "inf", "amount", "visits", "x3", "x4"},
                new byte[] {ValueKind.CATEGORICAL, ValueKind.NUMERIC, ValueKind.MISSING, ValueKind.NON_FINITE,
                        ValueKind.NUMERIC, ValueKind.NUMERIC, ValueKind.NUMERIC, ValueKind.NUMERIC},
                new double[] {0, 41.5, 0, Double.POSITIVE_INFINITY, -0.0, 3, 1.2345678, 9},
                new String[] {"europe", null, null, null, null, null, null, null}, ValueKind.NUMERIC, 0.5, null);
        long names = SegmentCodes.numericNames(e);
        long values = SegmentCodes.numericValues(e);
        String[] coded = {"age", "amount", "visits", "x3"};
        double[] expected = {41.5, 0, 3, 1.234375}; // 1.2345678 to 8 significant bits
        for (int s = 0; s < 4; s++) {
            assertThat(SegmentCodes.slot(names, s)).isEqualTo(SegmentCodes.ofName(coded[s])).isNotZero();
            assertThat((double) SegmentCodes.fromBfloat16(SegmentCodes.slot(values, s))).isEqualTo(expected[s]);
        }
        assertThat(SegmentCodes.of(e)).isEqualTo(SegmentCodes.of("region", "europe"));
    }

    @Test
    void bfloat16KeepsTheOrderAndEightSignificantBits() {
        // 1 + 2^-8 is half-way between 1 and 1 + 2^-7: to even (1); 1 + 3 x 2^-8 to 1 + 2^-6.
        assertThat(SegmentCodes.fromBfloat16(SegmentCodes.toBfloat16(1 + 1.0 / 256))).isEqualTo(1f);
        assertThat(SegmentCodes.fromBfloat16(SegmentCodes.toBfloat16(1 + 3.0 / 256))).isEqualTo(1 + 1f / 64);
        assertThat(SegmentCodes.fromBfloat16(SegmentCodes.toBfloat16(-2.5e30))).isCloseTo(-2.5e30f,
                org.assertj.core.data.Percentage.withPercentage(0.4));
        assertThat(SegmentCodes.fromBfloat16(SegmentCodes.toBfloat16(1e39))).isEqualTo(Float.POSITIVE_INFINITY);
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            double a = r.nextGaussian() * Math.exp(r.nextDouble(-20, 20));
            double b = r.nextGaussian() * Math.exp(r.nextDouble(-20, 20));
            float fa = SegmentCodes.fromBfloat16(SegmentCodes.toBfloat16(a));
            float fb = SegmentCodes.fromBfloat16(SegmentCodes.toBfloat16(b));
            assertThat(Math.abs(fa - a)).isLessThanOrEqualTo(Math.abs(a) / 256 * 1.0001);
            if (a < b) {
                assertThat(fa).isLessThanOrEqualTo(fb);
            }
        }
    }
}
