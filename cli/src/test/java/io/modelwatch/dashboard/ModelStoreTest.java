package io.modelwatch.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.serde.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelStoreTest {

    @Test
    void keepsTheLatestReportTheNewestWindowsAndTheStrongestSignals() {
        ModelStore store = new ModelStore(10, 100);
        DemoReports.drifting(16).forEach(store::addReport);

        ObjectNode detail = store.detail("churn-01", "1");
        assertThat(detail.path("points")).hasSize(10);
        assertThat(detail.path("points").get(9).path("windowEnd").asText()).isEqualTo("2026-11-26T08:16:00Z");
        assertThat(detail.path("latest").path("windowEnd").asText()).isEqualTo("2026-11-26T08:16:00Z");

        JsonNode row = detail.path("summary");
        assertThat(row.path("status").asText()).isEqualTo("DRIFTING");
        assertThat(row.path("topSignals")).extracting(s -> s.path("signal").asText())
                .containsExactly("feature:monthly_spend", "feature:tenure_months", "prediction");
        assertThat(row.path("escalation").path("driftedWindows").asInt()).isEqualTo(3);
        // Charted: what decides per signal (ks for numbers, linf for categories, each with its
        // test's p-value) with the threshold it had to reach; not PSI, not Jensen-Shannon.
        assertThat(detail.path("points").get(9).path("drift"))
                .extracting(s -> s.path("signal").asText() + " " + s.path("statistic").asText() + " " + s.path("threshold").asDouble())
                .containsExactlyInAnyOrder("feature:monthly_spend ks 0.081", "feature:tenure_months ks 0.081",
                        "feature:plan linf 0.05", "feature:region linf 0.05", "prediction ks 0.081");
        assertThat(detail.path("latestSignals")).hasSize(5);
        assertThat(detail.path("points").get(9).path("quality").path("missingValues").asLong()).isPositive();
    }

    @Test
    void whatDecidesIsTheTestNearestItsFlagEffectAndSignificanceTogetherNeverPsi() throws Exception {
        JsonNode report = Json.MAPPER.readTree("""
                {"modelId": "m", "windowEnd": "2026-11-26T08:01:00Z", "features": [{"name": "spend", "drift": [
                  {"statistic": "psi", "value": 2.5, "threshold": 0.1, "drifted": true},
                  {"statistic": "ks", "value": 0.06, "threshold": 0.08, "drifted": false},
                  {"statistic": "anderson_darling", "value": 40.0, "threshold": 15.0, "drifted": false},
                  {"statistic": "p_value", "value": 1e-9, "threshold": 0.001, "drifted": false},
                  {"statistic": "wasserstein", "value": 0.4, "drifted": false},
                  {"statistic": "cusum", "value": 12.0, "threshold": 8.0, "drifted": true}]},
                 {"name": "plan", "drift": [
                  {"statistic": "psi", "value": 0.01, "threshold": 0.1, "drifted": false},
                  {"statistic": "linf", "value": 0.02, "threshold": 0.05, "drifted": false},
                  {"statistic": "chi_square", "value": 3.1, "drifted": false},
                  {"statistic": "p_value", "value": 0.2, "threshold": 0.001, "drifted": false}]},
                 {"name": "warming", "drift": []}]}
                """);
        List<ObjectNode> signals = ModelStore.signals(report);
        // spend: ks is under its threshold, but CUSUM alarmed: CUSUM decides, 12 / 8.
        // plan: its chi-square test's p 0.2 is far from the FDR: log 0.2 / log 0.001 = 0.233,
        // nearer than the effect's 0.02 / 0.05 = 0.4 to nothing; the smaller decides.
        assertThat(signals.get(1).path("ratio").asDouble())
                .isCloseTo(Math.log(0.2) / Math.log(0.001), org.assertj.core.data.Offset.offset(1e-12));
        signals.forEach(x -> x.remove("ratio"));
        assertThat(signals).extracting(ObjectNode::toString).containsExactly(
                "{\"signal\":\"feature:spend\",\"statistic\":\"cusum\",\"value\":12.0,\"threshold\":8.0,\"drifted\":true}",
                "{\"signal\":\"feature:plan\",\"statistic\":\"linf\",\"value\":0.02,\"threshold\":0.05,\"pValue\":0.2,"
                        + "\"alpha\":0.001,\"test\":{\"statistic\":\"chi_square\",\"value\":3.1},\"drifted\":false}");
    }

    @Test
    void aKsPastItsThresholdWithoutASignificantTestStaysBelowTheLine() throws Exception {
        // A continuous feature's ks past the effect threshold, but the Anderson-Darling test not
        // significant (adjusted p 0.01 > FDR 0.001): not a flag, so not at or above 1.
        JsonNode report = Json.MAPPER.readTree("""
                {"modelId": "m", "windowEnd": "2026-11-26T08:01:00Z", "features": [{"name": "x", "drift": [
                  {"statistic": "ks", "value": 0.12, "threshold": 0.06, "drifted": false},
                  {"statistic": "anderson_darling", "value": 9.0, "threshold": 15.0, "drifted": false},
                  {"statistic": "p_value", "value": 0.01, "threshold": 0.001, "drifted": false}]},
                 {"name": "y", "drift": [
                  {"statistic": "ks", "value": 0.12, "threshold": 0.06, "drifted": true},
                  {"statistic": "anderson_darling", "value": 60.0, "threshold": 15.0, "drifted": true},
                  {"statistic": "p_value", "value": 1e-12, "threshold": 0.001, "drifted": true}]}]}
                """);
        List<ObjectNode> signals = ModelStore.signals(report);
        ObjectNode x = signals.get(0);
        assertThat(x.path("statistic").asText()).isEqualTo("ks");
        assertThat(x.path("value").asDouble() / x.path("threshold").asDouble()).isEqualTo(2.0);
        assertThat(x.path("ratio").asDouble()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(x.path("test").path("statistic").asText()).isEqualTo("anderson_darling");
        assertThat(x.path("test").path("threshold").asDouble()).isEqualTo(15.0);
        // Significant (p = alpha^4) and the effect twice its threshold: the effect is what binds.
        ObjectNode y = signals.get(1);
        assertThat(y.path("ratio").asDouble()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(y.path("drifted").asBoolean()).isTrue();
    }

    @Test
    void aLaterRevisionReplacesItsWindowAndAnOutOfOrderWindowIsSorted() {
        ModelStore store = new ModelStore();
        ObjectNode first = DemoReports.report("m", "1", 5, "OK", 0.01, 0.01, 0.01, 0);
        ObjectNode earlier = DemoReports.report("m", "1", 3, "OK", 0.01, 0.01, 0.01, 0);
        ObjectNode revised = DemoReports.report("m", "1", 5, "DRIFTING", 0.5, 0.01, 0.01, 1).put("revision", 1);
        ObjectNode stale = DemoReports.report("m", "1", 5, "OK", 0.01, 0.01, 0.01, 0);
        store.addReport(first);
        store.addReport(earlier);
        store.addReport(revised);
        store.addReport(stale); // revision 0 again: older than what is held

        ObjectNode d = store.detail("m", "1");
        assertThat(d.path("points")).extracting(p -> p.path("windowEnd").asText())
                .containsExactly("2026-11-26T08:04:00Z", "2026-11-26T08:06:00Z");
        assertThat(d.path("points").get(1).path("status").asText()).isEqualTo("DRIFTING");
        assertThat(d.path("summary").path("status").asText()).isEqualTo("DRIFTING");
    }

    @Test
    void triggersAreDeduplicatedByIdAndCounted() {
        ModelStore store = new ModelStore();
        store.addTrigger(DemoReports.trigger());
        store.addTrigger(DemoReports.trigger()); // a replayed trigger: same id
        ObjectNode d = store.detail("churn-01", "1");
        assertThat(d.path("triggers")).hasSize(1);
        assertThat(d.path("summary").path("triggerCount").asLong()).isEqualTo(1);
        assertThat(d.path("summary").path("lastTrigger").path("reason").asText()).isEqualTo("FEATURE_DRIFT");
        // A trigger may come before any report of its model (the dashboard started late).
        assertThat(d.path("summary").has("status")).isFalse();
    }

    @Test
    void beyondTheCapTheModelVersionUpdatedLongestAgoIsDropped() {
        ModelStore store = new ModelStore(5, 3);
        for (String id : List.of("a", "b", "c")) {
            store.addReport(DemoReports.report(id, "1", 0, "OK", 0.01, 0.01, 0.01, 0));
        }
        store.addReport(DemoReports.report("a", "1", 1, "OK", 0.01, 0.01, 0.01, 0)); // a is fresh again
        store.addReport(DemoReports.report("d", "1", 1, "OK", 0.01, 0.01, 0.01, 0));
        assertThat(store.keysInUpdateOrder()).containsExactly("c/1", "a/1", "d/1");
        assertThat(store.counts().path("evicted").asLong()).isEqualTo(1);
        assertThat(store.detail("b", "1")).isNull();
    }

    @Test
    void listenersSeeEveryChangeAfterTheirSnapshotInOrder() {
        ModelStore store = new ModelStore();
        store.addReport(DemoReports.report("m", "1", 0, "OK", 0.01, 0.01, 0.01, 0));
        List<String> seen = new ArrayList<>();
        ObjectNode snapshot = store.subscribe((type, payload) -> seen.add(type + " " + payload.path("summary").path("modelId").asText()));
        store.addReport(DemoReports.report("n", "1", 0, "OK", 0.01, 0.01, 0.01, 0));
        store.addTrigger(DemoReports.trigger());
        assertThat(snapshot.path("models")).hasSize(1);
        assertThat(seen).containsExactly("model n", "trigger churn-01");
    }

    @Test
    void recordsThatAreNotReportsOrTriggersAreCountedNotKept() throws Exception {
        ModelStore store = new ModelStore();
        assertThat(store.addReport(Json.MAPPER.readTree("{\"modelId\":\"m\"}"))).isFalse();
        assertThat(store.addTrigger(Json.MAPPER.readTree("{\"triggerId\":\"x\"}"))).isFalse();
        store.countUnreadable();
        assertThat(store.size()).isZero();
        assertThat(store.counts().path("unreadable").asLong()).isEqualTo(3);
    }

    @Test
    void aPointCarriesTheSegmentsOfAPredictionDriftWhenTheReportHasThem() throws Exception {
        JsonNode report = Json.MAPPER.readTree("""
                {"modelId": "m", "windowEnd": "2026-11-26T08:01:00Z", "revision": 0,
                 "predictionSegments": {"quantity": "mean", "referenceMean": 0.31, "windowMean": 0.39,
                   "segmentsTested": 17, "segments": [{"segment": "region=us-east", "explained": 0.99}]}}
                """);
        assertThat(ModelStore.point(report).path("predictionSegments").path("segments").get(0).path("segment")
                .asText()).isEqualTo("region=us-east");
        assertThat(ModelStore.point(Json.MAPPER.readTree("{\"modelId\": \"m\", \"windowEnd\": \"x\"}"))
                .has("predictionSegments")).isFalse();
    }

    @Test
    void aPointCarriesTheEstimatedAccuracyWithItsIntervalAndWhatTheLabelsSaid() throws Exception {
        JsonNode report = Json.MAPPER.readTree("""
                {"modelId": "m", "windowEnd": "2026-11-26T08:01:00Z", "revision": 2,
                 "performance": {"labeled": 600, "accuracy": 0.69},
                 "estimatedPerformance": {"threshold": 0.5, "calibration": "none", "events": 1100,
                   "accuracy": {"value": 0.702, "lower": 0.68, "upper": 0.724},
                   "auc": {"value": 0.77, "lower": 0.75, "upper": 0.79},
                   "referenceAccuracy": 0.851, "decayed": true, "realised": "CONFIRMED"}}
                """);
        ObjectNode point = ModelStore.point(report);
        assertThat(point.path("performance").path("accuracy").asDouble()).isEqualTo(0.69);
        JsonNode e = point.path("estimated");
        assertThat(e.path("accuracy").asDouble()).isEqualTo(0.702);
        assertThat(e.path("lower").asDouble()).isEqualTo(0.68);
        assertThat(e.path("upper").asDouble()).isEqualTo(0.724);
        assertThat(e.path("referenceAccuracy").asDouble()).isEqualTo(0.851);
        assertThat(e.path("decayed").asBoolean()).isTrue();
        assertThat(e.path("realised").asText()).isEqualTo("CONFIRMED");
        assertThat(e.path("calibration").asText()).isEqualTo("none");
        // Only accuracy is charted; the other estimates stay in the latest report.
        assertThat(e.has("auc")).isFalse();

        JsonNode withoutEstimate = Json.MAPPER.readTree("""
                {"modelId": "m", "windowEnd": "2026-11-26T08:02:00Z", "estimatedPerformance": {"decayed": false}}
                """);
        assertThat(ModelStore.point(withoutEstimate).has("estimated")).isFalse();
    }
}
