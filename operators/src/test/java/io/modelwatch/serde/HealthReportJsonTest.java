package io.modelwatch.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.testing.RandomHealthReports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link HealthReportJson} writes what the reflective mapper writes, byte for byte. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthReportJsonTest {

    /** What Jackson's BeanSerializer writes for {@code r}: the reference. */
    private static byte[] mapperBytes(HealthReport r) throws IOException {
        return Json.MAPPER.writeValueAsBytes(r);
    }

    private static void assertSameBytes(HealthReport r) throws IOException {
        byte[] expected = mapperBytes(r);
        byte[] written = Json.toBytes(r);
        assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo(new String(expected, StandardCharsets.UTF_8));
        assertThat(written).isEqualTo(expected);
    }

    @Test
    void everyExampleReportIsWrittenAsTheMapperWritesIt() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(Path.of("../src/examples"), "health-report*.json")) {
            found.forEach(files::add);
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(3);
        for (Path f : files) {
            HealthReport r = Json.read(Files.readAllBytes(f), HealthReport.class);
            assertSameBytes(r);
        }
    }

    @Test
    void randomReportsAreWrittenAsTheMapperWritesThem() throws IOException {
        // Nulls everywhere (absent optional fields, null array elements), none, and a few.
        for (double nulls : new double[] {0.5, 0.0, 0.1}) {
            RandomHealthReports random = new RandomHealthReports(1604, nulls);
            for (int i = 0; i < 1_000; i++) {
                assertSameBytes(random.next());
            }
        }
    }

    @Test
    void aSmallReportWithEmptyListsAndNoOptionalParts() throws IOException {
        HealthReport r = new HealthReport("churn", "7", "2026-11-26T12:04:00Z", "2026-11-26T12:05:00Z",
                HealthReport.WARMING_UP, 0, 12, 5000, new HealthReport.FeatureHealth[0], null,
                HealthReport.QualityCounts.of(0, 0, 0, 0), null, "v1", 0, null);
        assertSameBytes(r);
        assertThat(new String(Json.toBytes(r), StandardCharsets.UTF_8)).isEqualTo("{\"modelId\":\"churn\","
                + "\"modelVersion\":\"7\",\"windowStart\":\"2026-11-26T12:04:00Z\",\"windowEnd\":\"2026-11-26T12:05:00Z\","
                + "\"status\":\"WARMING_UP\",\"events\":0,\"eventsSeen\":12,\"referenceEvents\":5000,\"features\":[],"
                + "\"quality\":{\"lateEvents\":0,\"unknownFeatureValues\":0,\"typeMismatches\":0,\"featuresOverCap\":0,"
                + "\"nonFiniteValues\":0,\"outOfRangeValues\":0,\"unseenCategoryValues\":0,\"findings\":[]},"
                + "\"thresholdsVersion\":\"v1\",\"revision\":0}");
    }

    @Test
    void specialDoublesAreWrittenAsTheMapperWritesThem() throws IOException {
        double[] special = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE,
            Double.MAX_VALUE, 1e-7, 1e21, 0.1 + 0.2, 0.0, 1e-3, 42.0, -42.0, 9_999_999.0, -9_999_999.0, 1e7, -1e7,
            9_999_999.5, 4_503_599_627_370_496.0, (double) Long.MAX_VALUE, (double) Long.MIN_VALUE};
        for (double d : special) {
            HealthReport.FeatureHealth f = new HealthReport.FeatureHealth("x", "NUMERIC", 1, 0, 0, d, d, d, d,
                    new HealthReport.Quantiles(d, d, d, d, d), new HealthReport.CategoryCount[0],
                    new HealthReport.DriftStatistic[] {new HealthReport.DriftStatistic("psi", d, d, true)});
            assertSameBytes(new HealthReport("m", "1", "a", "b", HealthReport.OK, 1, 1, 1,
                    new HealthReport.FeatureHealth[] {f}, f, null, null, null, 0, null));
        }
    }
}
