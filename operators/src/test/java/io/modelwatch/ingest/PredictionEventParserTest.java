package io.modelwatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@org.junit.jupiter.api.Timeout(60)
class PredictionEventParserTest {
    /** The prediction example of docs/topics.md, verbatim. */
    static final String CONTRACT_EXAMPLE = """
            {
              "modelId": "churn",
              "modelVersion": "7",
              "predictionId": "c0ffee-0001",
              "timestamp": "2026-11-26T12:00:00.123Z",
              "features": {"tenure_months": 14, "plan": "pro", "monthly_spend": 42.5, "promo": true, "region": null},
              "prediction": 0.87
            }
            """;

    private static PredictionEventParser.Result parse(String json) {
        return PredictionEventParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parsesTheContractExample() {
        PredictionEvent e = parse(CONTRACT_EXAMPLE).event();
        assertThat(e.modelId()).isEqualTo("churn");
        assertThat(e.modelVersion()).isEqualTo("7");
        assertThat(e.predictionId()).isEqualTo("c0ffee-0001");
        assertThat(e.timestamp()).isEqualTo(Instant.parse("2026-11-26T12:00:00.123Z").toEpochMilli());
        assertThat(e.featureNames()).containsExactly("tenure_months", "plan", "monthly_spend", "promo", "region");
        assertThat(e.featureKinds()).containsExactly(ValueKind.NUMERIC, ValueKind.CATEGORICAL, ValueKind.NUMERIC,
                ValueKind.CATEGORICAL, ValueKind.MISSING);
        assertThat(e.numericValues()[2]).isEqualTo(42.5);
        assertThat(e.categoricalValues()[1]).isEqualTo("pro");
        assertThat(e.categoricalValues()[3]).isEqualTo("true");
        assertThat(e.predictionKind()).isEqualTo(ValueKind.NUMERIC);
        assertThat(e.numericPrediction()).isEqualTo(0.87);
    }

    @Test
    void versionDefaultsAndTimestampsMayBeEpochMillisOrOffsets() {
        PredictionEvent a = parse("{\"modelId\":\"m\",\"timestamp\":1764158400123,\"prediction\":\"yes\"}").event();
        assertThat(a.modelVersion()).isEqualTo("default");
        assertThat(a.timestamp()).isEqualTo(1764158400123L);
        assertThat(a.featureCount()).isZero();
        assertThat(a.categoricalPrediction()).isEqualTo("yes");

        PredictionEvent b = parse("{\"modelId\":\"m\",\"timestamp\":\"2026-11-26T13:00:00+01:00\",\"prediction\":1}").event();
        assertThat(b.timestamp()).isEqualTo(Instant.parse("2026-11-26T12:00:00Z").toEpochMilli());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "not json at all                                                  | not valid JSON",
        "[1,2]                                                            | not a JSON object",
        "{\"timestamp\":1,\"prediction\":1}                               | modelId: required string missing",
        "{\"modelId\":\"\",\"timestamp\":1,\"prediction\":1}              | modelId: must not be empty",
        "{\"modelId\":\"a\\u0000b\",\"timestamp\":1,\"prediction\":1}     | modelId: contains a control character",
        "{\"modelId\":\"m\",\"prediction\":1}                             | timestamp: required field missing",
        "{\"modelId\":\"m\",\"timestamp\":\"yesterday\",\"prediction\":1} | timestamp: not ISO-8601 or epoch millis",
        "{\"modelId\":\"m\",\"timestamp\":1}                              | prediction: required field missing",
        "{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":[1]}           | prediction: must be a number, string or boolean",
        "{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1,\"features\":[]}            | features: must be a JSON object",
        "{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1,\"features\":{\"x\":{}}}    | features.x: must be a number, string, boolean or null",
        "{\"modelId\":\"m\",\"modelId\":\"n\",\"timestamp\":1,\"prediction\":1}          | not valid JSON: Duplicate field 'modelId'",
    })
    void badRecordsGetAReasonNamingTheField(String json, String reason) {
        PredictionEventParser.Result r = parse(json);
        assertThat(r.ok()).isFalse();
        assertThat(r.error()).startsWith(reason);
    }

    @Test
    void contentAfterTheObjectIsADeadLetterButWhitespaceIsNot() {
        String event = "{\"modelId\":\"m31\",\"timestamp\":1764158400123,\"prediction\":0.4}";
        // The hostile record of issue 21, two events concatenated, a stray value or bracket.
        for (String trailing : new String[] {" }{\"garbage\": true", event, "\n" + event, " 1", "]", "x", "\u0000"}) {
            PredictionEventParser.Result r = parse(event + trailing);
            assertThat(r.ok()).as(trailing).isFalse();
            assertThat(r.error()).as(trailing).isEqualTo(InputJson.TRAILING_CONTENT);
        }
        assertThat(parse("[1] [2]").error()).isEqualTo(InputJson.TRAILING_CONTENT);
        assertThat(parse(event + " \r\n\t ").ok()).isTrue();
        assertThat(parse(" \n" + event).ok()).isTrue();
        // A broken object is reported as such, whatever follows it.
        assertThat(parse("{\"modelId\":}{}").error()).startsWith("not valid JSON");
    }

    @Test
    void tooLongModelIdAndEmptyRecordAreRejected() {
        String id = "x".repeat(201);
        assertThat(parse("{\"modelId\":\"" + id + "\",\"timestamp\":1,\"prediction\":1}").error())
                .isEqualTo("modelId: longer than 200 characters");
        assertThat(PredictionEventParser.parse(new byte[0]).error()).isEqualTo("value: empty record");
        assertThat(PredictionEventParser.parse(null).error()).isEqualTo("value: empty record");
    }

    @Test
    void neverThrowsOnArbitraryBytes() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            PredictionEventParser.Result r = PredictionEventParser.parse(junk);
            assertThat(r.ok() || r.error() != null).isTrue();
        }
    }

    @Test
    void nonFiniteFeatureValuesAreKeptAsFindingsButANonFinitePredictionIsRejected() {
        PredictionEvent e = parse("{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1,"
                + "\"features\":{\"a\":NaN,\"b\":-Infinity,\"c\":2}}").event();
        assertThat(e.featureKinds()).containsExactly(ValueKind.NON_FINITE, ValueKind.NON_FINITE, ValueKind.NUMERIC);
        assertThat(parse("{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":NaN}").error())
                .isEqualTo("prediction: not a finite number");
    }

    @Test
    void capsOnStringsAndFeatureCountsRejectWithTheReason() {
        String longValue = "v".repeat(201);
        assertThat(parse("{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1,\"features\":{\"c\":\"" + longValue + "\"}}")
                .error()).isEqualTo("features.c: value longer than 200 characters");
        assertThat(parse("{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1,\"features\":{\"" + longValue + "\":1}}")
                .error()).isEqualTo("features: a feature name is longer than 200 characters");
        StringBuilder many = new StringBuilder("{\"modelId\":\"m\",\"timestamp\":1,\"prediction\":1,\"features\":{");
        for (int i = 0; i < 1001; i++) {
            many.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":1");
        }
        assertThat(parse(many.append("}}").toString()).error()).isEqualTo("features: 1001 features, more than 1000");
    }

    @Test
    void theFastTimestampPathAgreesWithOffsetDateTimeAndLeavesEverythingElseToIt() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        String[] fractions = {"", ".5", ".12", ".123", ".1234", ".123456789"};
        String[] offsets = {"Z", "+01:00", "-05:30", "+14:00", "-00:00"};
        for (int k = 0; k < 20_000; k++) {
            String s = String.format(java.util.Locale.ROOT, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", r.nextInt(1, 9999),
                    r.nextInt(1, 13), r.nextInt(1, 29), r.nextInt(24), r.nextInt(60), r.nextInt(60),
                    fractions[r.nextInt(fractions.length)], offsets[r.nextInt(offsets.length)]);
            assertThat(Timestamps.commonIsoMillis(s)).as(s).isEqualTo(
                    java.time.OffsetDateTime.parse(s).toInstant().toEpochMilli());
            // As the parser reads it: within a larger buffer (Jackson's), at an offset.
            assertThat(Timestamps.commonIsoMillis(("\"x" + s + "\"y").toCharArray(), 2, s.length())).as(s)
                    .isEqualTo(Timestamps.commonIsoMillis(s));
        }
        // Not the common shape, or out of range: left to OffsetDateTime.parse, which decides.
        for (String s : new String[] {"2024-02-29T10:00:00Z", "2026-11-31T10:00:00Z", "2026-13-01T10:00:00Z",
            "2026-11-26T24:00:00Z", "2026-11-26T10:00:60Z", "2026-11-26T10:00:00", "2026-11-26T10:00:00.Z",
            "2026-11-26T10:00:00.1234567890Z", "2026-11-26T10:00:00+01", "2026-11-26T10:00:00+01:00:00",
            "2026-11-26 10:00:00Z", "+2026-11-26T10:00:00Z", "2026-11-26T1a:00:00Z", "2026-11-26T10:00:00+18:00"}) {
            assertThat(Timestamps.commonIsoMillis(s)).as(s).isEqualTo(Timestamps.NOT_COMMON);
        }
    }

    @Test
    void aSharingParserGivesEventsTheSameNamesArrayAndNothingOfTheRecordBefore() {
        PredictionEventParser sharing = PredictionEventParser.sharing();
        PredictionEvent first = sharing.read(bytes(CONTRACT_EXAMPLE)).event();
        // Same model, same feature list, other values: a category where the record before had a
        // number, and a number where it had a category.
        PredictionEvent second = sharing.read(bytes("""
                {"modelId": "churn", "modelVersion": "7", "predictionId": "c0ffee-0002",
                 "timestamp": "2026-11-26T12:00:01Z",
                 "features": {"tenure_months": "unknown", "plan": 3, "monthly_spend": 42.5, "promo": true, "region": "eu"},
                 "prediction": "pro"}
                """)).event();
        assertThat(second.featureNames()).isSameAs(first.featureNames());
        assertThat(second.featureKinds()).containsExactly(ValueKind.CATEGORICAL, ValueKind.NUMERIC,
                ValueKind.NUMERIC, ValueKind.CATEGORICAL, ValueKind.CATEGORICAL);
        assertThat(second.categoricalValues()).containsExactly("unknown", null, null, "true", "eu");
        assertThat(second.numericValues()).containsExactly(0, 3, 42.5, 0, 0);
        assertThat(second.categoricalPrediction()).isEqualTo("pro");
        assertThat(second).isEqualTo(parse(new String(bytes(CONTRACT_EXAMPLE), StandardCharsets.UTF_8)
                .replace("c0ffee-0001", "c0ffee-0002").replace("12:00:00.123Z", "12:00:01Z")
                .replace("\"tenure_months\": 14", "\"tenure_months\": \"unknown\"")
                .replace("\"plan\": \"pro\"", "\"plan\": 3").replace("\"region\": null", "\"region\": \"eu\"")
                .replace("\"prediction\": 0.87", "\"prediction\": \"pro\"")).event());
        // Fewer features than the record before: nothing of its columns is left over.
        PredictionEvent third = sharing.read(bytes(
                "{\"modelId\":\"churn\",\"timestamp\":1,\"prediction\":1,\"features\":{\"plan\":\"eu\"}}")).event();
        assertThat(third.featureNames()).containsExactly("plan");
        assertThat(third.categoricalValues()).containsExactly("eu");
        // Another feature list gets its own array; the first is still shared afterwards.
        assertThat(sharing.read(bytes(CONTRACT_EXAMPLE)).event().featureNames()).isSameAs(first.featureNames());
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
