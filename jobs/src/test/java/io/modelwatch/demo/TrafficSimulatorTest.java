package io.modelwatch.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.demo.TrafficSimulator.SimulatedEvent;
import org.junit.jupiter.api.Test;

class TrafficSimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-11-26T12:00:00Z");
    private static final int DRIFT_AT = 3;

    private static final List<ModelScenario> SCENARIOS = List.of(
            ModelScenario.stable("stable", "7"),
            new ModelScenario("feature", "1", DriftKind.FEATURE_SHIFT, DRIFT_AT),
            new ModelScenario("category", "1", DriftKind.CATEGORY_SHIFT, DRIFT_AT),
            new ModelScenario("prediction", "1", DriftKind.PREDICTION_SHIFT, DRIFT_AT));

    private final TrafficSimulator simulator = new TrafficSimulator(42L, START, 1000, SCENARIOS);

    @Test
    void sameSeedGivesTheSameBytesAndOrderDoesNotMatter() {
        TrafficSimulator again = new TrafficSimulator(42L, START, 1000, SCENARIOS);
        // "again" generates minute 5 first: minutes do not depend on each other.
        List<SimulatedEvent> fifthFirst = again.minute(5);
        assertSameEvents(simulator.minute(0), again.minute(0));
        assertSameEvents(simulator.minute(5), fifthFirst);

        TrafficSimulator otherSeed = new TrafficSimulator(43L, START, 1000, SCENARIOS);
        assertThat(otherSeed.minute(0).get(0).json()).isNotEqualTo(simulator.minute(0).get(0).json());
    }

    @Test
    void everyEventFollowsTheContract() {
        List<SimulatedEvent> events = simulator.minute(DRIFT_AT); // some drifting already
        assertThat(events).hasSize(4000);

        for (SimulatedEvent event : events) {
            JsonNode json = parse(event);
            assertThat(json.get("modelId").asText()).isEqualTo(event.modelId());
            assertThat(json.get("modelVersion").isTextual()).isTrue();
            assertThat(json.get("predictionId").asText()).startsWith(event.modelId() + "-");
            String timestamp = json.get("timestamp").asText();
            assertThat(timestamp).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            assertThat(Instant.parse(timestamp).toEpochMilli()).isEqualTo(event.eventTimeMillis());

            JsonNode features = json.get("features");
            assertThat(features.get("tenure_months").isIntegralNumber()).isTrue();
            assertThat(features.get("tenure_months").asInt()).isNotNegative();
            assertThat(features.get("monthly_spend").isNumber()).isTrue();
            assertThat(features.get("monthly_spend").asDouble()).isPositive();
            assertThat(features.get("plan").asText()).isIn("basic", "pro", "team", "enterprise");
            assertThat(features.get("promo").isBoolean()).isTrue();
            assertThat(features.has("region")).isTrue();
            assertThat(features.get("region").isNull() || features.get("region").isTextual()).isTrue();

            assertThat(json.get("prediction").isNumber()).isTrue();
            assertThat(json.get("prediction").asDouble()).isStrictlyBetween(0.0, 1.0);
        }
        assertThat(events).extracting(e -> parse(e).get("features").get("region").isNull())
                .contains(true, false);
        assertThat(parse(events.stream().filter(e -> e.modelId().equals("stable")).findFirst().orElseThrow())
                .get("modelVersion").asText()).isEqualTo("7");
    }

    @Test
    void eventsFillTheMinuteInTimeOrderWithUniqueIds() {
        List<SimulatedEvent> minute2 = simulator.minute(2);
        long from = START.toEpochMilli() + 2 * 60_000L;

        assertThat(minute2).extracting(SimulatedEvent::eventTimeMillis)
                .isSorted()
                .allSatisfy(t -> assertThat(t).isBetween(from, from + 59_999));
        // Models interleave: the first 100 events are not all of one model.
        assertThat(minute2.subList(0, 100).stream().map(SimulatedEvent::modelId).distinct()).hasSize(4);
        // Spread over the whole minute: every 10-second slice has about a sixth of a model's events.
        Map<Long, Long> perSlice = minute2.stream().filter(e -> e.modelId().equals("stable"))
                .collect(Collectors.groupingBy(e -> (e.eventTimeMillis() - from) / 10_000, Collectors.counting()));
        assertThat(perSlice).hasSize(6).allSatisfy((slice, n) -> assertThat(n).isBetween(160L, 173L));

        Set<String> ids = new HashSet<>();
        for (int minute = 0; minute < 3; minute++) {
            simulator.minute(minute).forEach(e -> ids.add(parse(e).get("predictionId").asText()));
        }
        assertThat(ids).hasSize(3 * 4000).contains("stable-000000", "feature-002999");
    }

    @Test
    void featureShiftMovesSpendAndTenureWhileAStableModelStaysPut() {
        double stableBefore = mean("stable", 0, DRIFT_AT, f -> f.get("monthly_spend").asDouble());
        double stableAfter = mean("stable", DRIFT_AT, DRIFT_AT + 3, f -> f.get("monthly_spend").asDouble());
        double driftBefore = mean("feature", 0, DRIFT_AT, f -> f.get("monthly_spend").asDouble());
        double driftAfter = mean("feature", DRIFT_AT, DRIFT_AT + 3, f -> f.get("monthly_spend").asDouble());

        // Log-normal with sigma 0.5: sd ~26.7, so the mean of 3000 has sd ~0.5.
        assertThat(stableBefore).isCloseTo(50.0, within(2.0));
        assertThat(stableAfter).isCloseTo(stableBefore, within(2.0));
        assertThat(driftBefore).isCloseTo(50.0, within(2.0));
        assertThat(driftAfter / driftBefore).isCloseTo(1.6, within(0.08));

        double tenureBefore = mean("feature", 0, DRIFT_AT, f -> f.get("tenure_months").asDouble());
        double tenureAfter = mean("feature", DRIFT_AT, DRIFT_AT + 3, f -> f.get("tenure_months").asDouble());
        assertThat(tenureBefore).isCloseTo(20.0, within(1.0));
        assertThat(tenureAfter - tenureBefore).isCloseTo(8.0, within(1.5));
    }

    @Test
    void categoryShiftChangesThePlanMix() {
        Map<String, Double> before = planShares("category", 0, DRIFT_AT);
        Map<String, Double> after = planShares("category", DRIFT_AT, DRIFT_AT + 3);

        assertThat(before.get("basic")).isCloseTo(0.50, within(0.03));
        assertThat(before.get("pro")).isCloseTo(0.30, within(0.03));
        assertThat(before.get("team")).isCloseTo(0.15, within(0.03));
        assertThat(before.get("enterprise")).isCloseTo(0.05, within(0.02));
        assertThat(after.get("basic")).isCloseTo(0.20, within(0.03));
        assertThat(after.get("pro")).isCloseTo(0.30, within(0.03));
        assertThat(after.get("team")).isCloseTo(0.20, within(0.03));
        assertThat(after.get("enterprise")).isCloseTo(0.30, within(0.03));
        // The stable model's mix does not move.
        assertThat(planShares("stable", DRIFT_AT, DRIFT_AT + 3).get("basic")).isCloseTo(0.50, within(0.03));
    }

    @Test
    void predictionShiftRaisesScoresButNotFeatures() {
        double scoreBefore = mean("prediction", 0, DRIFT_AT, json -> json.asDouble(), "prediction");
        double scoreAfter = mean("prediction", DRIFT_AT, DRIFT_AT + 3, json -> json.asDouble(), "prediction");
        assertThat(scoreBefore).isBetween(0.2, 0.4);
        assertThat(scoreAfter - scoreBefore).isGreaterThan(0.2);

        double spendBefore = mean("prediction", 0, DRIFT_AT, f -> f.get("monthly_spend").asDouble());
        double spendAfter = mean("prediction", DRIFT_AT, DRIFT_AT + 3, f -> f.get("monthly_spend").asDouble());
        assertThat(spendAfter).isCloseTo(spendBefore, within(2.0));
    }

    @Test
    void defaultScenariosDriftEveryThirdModelWithCyclingKinds() {
        List<ModelScenario> twelve = TrafficSimulator.defaultScenarios(12);

        assertThat(twelve).extracting(ModelScenario::modelId).containsExactly(
                "churn-01", "fraud-02", "ltv-03", "upsell-04", "credit-05", "churn-06",
                "fraud-07", "ltv-08", "upsell-09", "credit-10", "churn-11", "fraud-12");
        assertThat(twelve).filteredOn(s -> s.drift() != DriftKind.NONE)
                .extracting(ModelScenario::modelId, ModelScenario::drift, ModelScenario::driftStartMinute)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("churn-01", DriftKind.FEATURE_SHIFT, 12),
                        org.assertj.core.groups.Tuple.tuple("upsell-04", DriftKind.CATEGORY_SHIFT, 12),
                        org.assertj.core.groups.Tuple.tuple("fraud-07", DriftKind.PREDICTION_SHIFT, 12),
                        org.assertj.core.groups.Tuple.tuple("credit-10", DriftKind.FEATURE_SHIFT, 12));
        assertThat(TrafficSimulator.defaultScenarios(12)).isEqualTo(twelve);
        assertThat(TrafficSimulator.defaultScenarios(1)).hasSize(1);
    }

    private double mean(String modelId, int fromMinute, int toMinute, Function<JsonNode, Double> feature) {
        return mean(modelId, fromMinute, toMinute, feature, "features");
    }

    private double mean(String modelId, int fromMinute, int toMinute, Function<JsonNode, Double> value, String field) {
        return events(modelId, fromMinute, toMinute).stream()
                .mapToDouble(json -> value.apply(json.get(field)))
                .average().orElseThrow();
    }

    private Map<String, Double> planShares(String modelId, int fromMinute, int toMinute) {
        List<JsonNode> events = events(modelId, fromMinute, toMinute);
        return events.stream().collect(Collectors.groupingBy(
                json -> json.get("features").get("plan").asText(),
                Collectors.collectingAndThen(Collectors.counting(), n -> n / (double) events.size())));
    }

    private List<JsonNode> events(String modelId, int fromMinute, int toMinute) {
        List<JsonNode> events = new ArrayList<>();
        IntStream.range(fromMinute, toMinute).forEach(minute -> simulator.minute(minute).stream()
                .filter(e -> e.modelId().equals(modelId))
                .map(TrafficSimulatorTest::parse)
                .forEach(events::add));
        return events;
    }

    private static void assertSameEvents(List<SimulatedEvent> expected, List<SimulatedEvent> actual) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).modelId()).isEqualTo(expected.get(i).modelId());
            assertThat(actual.get(i).eventTimeMillis()).isEqualTo(expected.get(i).eventTimeMillis());
            assertThat(actual.get(i).json()).isEqualTo(expected.get(i).json());
        }
    }

    private static JsonNode parse(SimulatedEvent event) {
        try {
            return JSON.readTree(event.json());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
