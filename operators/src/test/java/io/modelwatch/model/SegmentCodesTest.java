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
}
