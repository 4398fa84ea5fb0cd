package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.HealthReport.Quantiles;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.model.ValueKind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SegmentDictionaryTest {
    static HealthReport report(long windowStart, String feature, String type, String... values) {
        CategoryCount[] top = java.util.Arrays.stream(values).map(v -> new CategoryCount(v, 10))
                .toArray(CategoryCount[]::new);
        return new HealthReport("m", "1", Instant.ofEpochMilli(windowStart).toString(),
                Instant.ofEpochMilli(windowStart + 60_000).toString(), HealthReport.OK, 10, 10, 100,
                new FeatureHealth[] {new FeatureHealth(feature, type, 10, 0, 0, null, null, null, null, null, top,
                        null)}, null, null, null, "v1", 0, null);
    }

    @Test
    void aValueCountsFromTheWindowOfTheReportThatListedItAndSurvivesItsBytes() {
        SegmentDictionary d = new SegmentDictionary();
        assertThat(d.learn(report(120_000, "region", "CATEGORICAL", "europe", "asia"))).isTrue();
        assertThat(d.learn(report(180_000, "region", "CATEGORICAL", "europe"))).isFalse();
        assertThat(d.learn(report(240_000, "region", "CATEGORICAL", "latam"))).isTrue();
        SegmentDictionary back = SegmentDictionary.fromBytes(d.toBytes());
        int latam = SegmentCodes.of("region", "latam");
        int europe = SegmentCodes.of("region", "europe");
        for (SegmentDictionary x : new SegmentDictionary[] {d, back}) {
            assertThat(x.counts(europe, 60_000)).isFalse();
            assertThat(x.counts(europe, 120_000)).isTrue();
            assertThat(x.counts(latam, 180_000)).isFalse();
            assertThat(x.counts(latam, 240_000)).isTrue();
            assertThat(x.names().get(latam).name()).isEqualTo("region=latam");
        }
    }

    @Test
    void atMostEightValuesPerFeatureAndNoNumericFeatures() {
        SegmentDictionary d = new SegmentDictionary();
        for (int w = 0; w < 5; w++) {
            int first = w * 3;
            d.learn(report(w * 60_000L, "city", "CATEGORICAL",
                    IntStream.range(first, first + 5).mapToObj(i -> "c" + i).toArray(String[]::new)));
        }
        assertThat(d.names()).hasSize(SegmentDictionary.VALUES_PER_FEATURE);
        assertThat(d.learn(report(0, "x", "NUMERIC", "1.5"))).isFalse();
    }

    static HealthReport numericReport(long windowStart, String feature, long count, double p25, double p50,
            double p75) {
        return new HealthReport("m", "1", Instant.ofEpochMilli(windowStart).toString(),
                Instant.ofEpochMilli(windowStart + 60_000).toString(), HealthReport.WARMING_UP, count, count, 0,
                new FeatureHealth[] {new FeatureHealth(feature, "NUMERIC", count, 0, 0, null, null, null, null,
                        new Quantiles(p25 - 1, p25, p50, p75, p75 + 1), null, null)}, null, null, null, "v1", 0, null);
    }

    /** A matched outcome whose prediction carried {@code region} and these numeric values. */
    static LabelOutcome outcome(String region, String[] features, double[] values) {
        long names = 0;
        long bits = 0;
        for (int s = 0; s < features.length; s++) {
            names |= (long) SegmentCodes.ofName(features[s]) << (16 * s);
            bits |= (long) SegmentCodes.toBfloat16(values[s]) << (16 * s);
        }
        return new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 0, 0, ValueKind.NUMERIC, 0.5, null, ValueKind.NUMERIC,
                1, null, region == null ? 0 : SegmentCodes.of("region", region), names, bits);
    }

    @Test
    void theFirstReportWithEnoughValuesFixesAFeaturesQuartileBinsForGood() {
        SegmentDictionary d = new SegmentDictionary();
        assertThat(d.learn(numericReport(0, "x3", SegmentDictionary.MIN_VALUES_FOR_EDGES - 1, -0.5, 0, 0.5)))
                .isFalse();
        assertThat(d.learn(numericReport(60_000, "x3", 1200, -0.674489, 0.0012346, 0.674489))).isTrue();
        assertThat(d.learn(numericReport(120_000, "x3", 1200, 5, 6, 7))).isFalse();
        assertThat(d.edgesOf("x3")).containsExactly(-0.6745, 0.001235, 0.6745);
        assertThat(d.names().values()).extracting(s -> s.name()).containsExactlyInAnyOrder(
                "x3=(-inf, -0.6745)", "x3=[-0.6745, 0.001235)", "x3=[0.001235, 0.6745)", "x3=[0.6745, +inf)");
        SegmentDictionary back = SegmentDictionary.fromBytes(d.toBytes());
        int top = SegmentCodes.of("x3", "[0.6745, +inf)");
        int bottom = SegmentCodes.of("x3", "(-inf, -0.6745)");
        for (SegmentDictionary x : new SegmentDictionary[] {d, back}) {
            assertThat(x.names()).isEqualTo(d.names());
            String[] f = {"age", "x3"};
            // 0.6745 as a bfloat16 is 0.6758: in the top bin.
            assertThat(x.segmentsOf(outcome(null, f, new double[] {30, 0.6745}), 60_000)).containsOnly(0, top);
            assertThat(x.segmentsOf(outcome(null, f, new double[] {30, 0.67}), 60_000))
                    .containsOnly(0, SegmentCodes.of("x3", "[0.001235, 0.6745)"));
            assertThat(x.segmentsOf(outcome(null, f, new double[] {30, -7}), 120_000)).containsOnly(0, bottom);
            // Not before the window of the report that fixed the edges.
            assertThat(x.segmentsOf(outcome(null, f, new double[] {30, 9}), 0)).containsOnly(0);
        }
    }

    @Test
    void categoriesAndBinsCountTogetherAndRepeatedQuartilesMakeFewerBins() {
        SegmentDictionary d = new SegmentDictionary();
        d.learn(report(0, "region", "CATEGORICAL", "europe", "asia"));
        // A zero-inflated feature: p25 = p50 = 0, two edges, three bins.
        d.learn(numericReport(0, "discount", 500, 0, 0, 12.5));
        assertThat(d.edgesOf("discount")).containsExactly(0.0, 12.5);
        int[] of = d.segmentsOf(outcome("europe", new String[] {"discount"}, new double[] {0}), 0);
        assertThat(of).containsOnly(0, SegmentCodes.of("region", "europe"), SegmentCodes.of("discount", "[0, 12.5)"));
        assertThat(d.segmentsOf(outcome("latam", new String[] {"other"}, new double[] {1}), 0)).containsOnly(0);
        d.learn(numericReport(0, "big", 500, 1.5e9, 2.25e9, 3e9));
        assertThat(d.names().values()).extracting(s -> s.name()).contains("big=[3E+9, +inf)", "discount=(-inf, 0)");
    }

    @Test
    void aDictionaryOfTheCategoricalFormatReadsAndTakesBins() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeInt(1);
        out.writeShort(SegmentCodes.of("region", "europe"));
        out.writeUTF("region");
        out.writeUTF("europe");
        out.writeLong(60_000);
        SegmentDictionary d = SegmentDictionary.fromBytes(bytes.toByteArray());
        assertThat(d.counts(SegmentCodes.of("region", "europe"), 60_000)).isTrue();
        assertThat(d.learn(numericReport(120_000, "x", 300, 1, 2, 3))).isTrue();
        assertThat(SegmentDictionary.fromBytes(d.toBytes()).names()).hasSize(5);
    }
}
