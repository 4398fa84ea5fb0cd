package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.SegmentCodes;
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
}
