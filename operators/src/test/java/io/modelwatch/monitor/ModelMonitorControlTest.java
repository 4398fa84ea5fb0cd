package io.modelwatch.monitor;

import static io.modelwatch.monitor.ModelMonitorFunctionTest.CONFIG;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.MINUTE;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.feed;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.reports;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.signals;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.serde.ReferenceProfileJson;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.testing.Events;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/** Live control through the broadcast input: thresholds, tombstones, reference actions, restore. */
class ModelMonitorControlTest {
    /** Makes the 1.5 sd shift of the fixture too small to count: effect floors 0.9, detectors off. */
    static final String LOOSER = """
            {"modelId":"m","commandId":"c-1","thresholds":{"drift":{"effect":{"numeric":0.9,"categorical":0.9,
            "missingRate":0.9},"sequential":{"threshold":0}},"quality":{"badValueRate":0.9}}}""";

    static HealthReport last(MonitorHarness h) {
        List<HealthReport> r = reports(h);
        return r.get(r.size() - 1);
    }

    @Test
    void aLiveOverrideChangesTheVerdictOfTheNextWindowAndATombstoneUndoesIt() throws Exception {
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));              // minute 0: the reference
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 1.5, 0));       // minute 1: shifted
            h.processWatermark(2 * MINUTE);
            assertThat(last(h).status()).isEqualTo(HealthReport.DRIFTING);
            assertThat(last(h).control()).isNull();
            assertThat(last(h).thresholdsVersion()).isEqualTo(CONFIG.version());

            h.control("m", LOOSER);
            feed(h, Events.stream("m", 3, 300, 2 * MINUTE, 100, 1.5, 0));   // minute 2: same shift
            int signalsBefore = signals(h).size();
            h.processWatermark(3 * MINUTE);
            HealthReport looser = last(h);
            assertThat(looser.status()).isEqualTo(HealthReport.OK);
            assertThat(signals(h)).hasSize(signalsBefore);
            assertThat(looser.thresholdsVersion()).startsWith(CONFIG.version() + "+");
            assertThat(looser.control().commandId()).isEqualTo("c-1");
            assertThat(looser.control().overrides()).contains("drift.effect.numeric", "drift.sequential.threshold");

            h.control("m", null);                                           // tombstone
            feed(h, Events.stream("m", 4, 300, 3 * MINUTE, 100, 1.5, 0));
            h.processWatermark(4 * MINUTE);
            assertThat(last(h).status()).isEqualTo(HealthReport.DRIFTING);
            assertThat(last(h).control()).isNull();
            assertThat(last(h).thresholdsVersion()).isEqualTo(CONFIG.version());
        }
    }

    @Test
    void anAllModelsOverrideAppliesUnlessTheModelsOwnSaysOtherwise() throws Exception {
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            h.control("*", LOOSER.replace("\"m\"", "\"*\"").replace("c-1", "g-1"));
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 1.5, 0));
            h.processWatermark(2 * MINUTE);
            assertThat(last(h).status()).isEqualTo(HealthReport.OK);
            assertThat(last(h).control().allModelsCommandId()).isEqualTo("g-1");

            h.control("m", """
                    {"modelId":"m","commandId":"c-2","thresholds":{"drift":{"effect":{"numeric":0.05},
                    "sequential":{"threshold":0.1}}}}""");
            feed(h, Events.stream("m", 3, 300, 2 * MINUTE, 100, 1.5, 0));
            h.processWatermark(3 * MINUTE);
            assertThat(last(h).status()).isEqualTo(HealthReport.DRIFTING);
            assertThat(last(h).control().commandId()).isEqualTo("c-2");
        }
    }

    @Test
    void aRelearnWarmsUpOnTheNextEventsJudgesAgainstThemAndRunsOnceAcrossRestores() throws Exception {
        String relearn = """
                {"modelId":"m","commandId":"r-1","reference":{"action":"relearn","version":"1","events":300}}""";
        OperatorSubtaskState snapshot;
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 1.5, 0));
            h.processWatermark(2 * MINUTE);
            assertThat(last(h).status()).isEqualTo(HealthReport.DRIFTING);

            h.control("m", relearn);
            feed(h, Events.stream("m", 3, 300, 2 * MINUTE, 100, 1.5, 0));   // the new reference
            h.processWatermark(3 * MINUTE);
            HealthReport warming = last(h);
            assertThat(warming.status()).isEqualTo(HealthReport.WARMING_UP);
            assertThat(warming.control().referenceCommandId()).isEqualTo("r-1");
            assertThat(warming.control().referenceAction()).isEqualTo("relearn from the next 300 events");
            assertThat(warming.control().referenceAppliedAt()).isEqualTo("1970-01-01T00:02:00Z");

            feed(h, Events.stream("m", 4, 300, 3 * MINUTE, 100, 1.5, 0));
            h.processWatermark(4 * MINUTE);
            assertThat(last(h).status()).isEqualTo(HealthReport.OK);
            assertThat(last(h).referenceEvents()).isEqualTo(300);
            snapshot = h.snapshot(1L, 4 * MINUTE);
        }
        try (var restored = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            restored.initializeState(snapshot);
            restored.open();
            restored.control("m", relearn);                                  // re-read after a restart
            feed(restored, Events.stream("m", 5, 300, 4 * MINUTE, 100, 1.5, 0));
            restored.processWatermark(5 * MINUTE);
            assertThat(last(restored).status()).isEqualTo(HealthReport.OK);
            assertThat(last(restored).control().referenceCommandId()).isEqualTo("r-1");
        }
    }

    @Test
    void aUseCommandJudgesTheVersionAgainstTheGivenProfileFromItsNextEvents() throws Exception {
        ModelProfile learned = new ModelProfile();
        Events.stream("m", 9, 2000, 0, 1, 1.5, 0).forEach(learned::add);
        String profile = ReferenceProfileJson.write("m", "1", ReferenceProfile.freeze(learned, 10, 20));
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            feed(h, Events.stream("m", 1, 500, 0, 100, 0, 0));
            feed(h, Events.stream("m", 2, 300, MINUTE, 100, 1.5, 0));
            h.processWatermark(2 * MINUTE);
            assertThat(last(h).status()).isEqualTo(HealthReport.DRIFTING);

            h.control("m", "{\"modelId\":\"m\",\"commandId\":\"u-1\",\"reference\":{\"action\":\"use\","
                    + "\"version\":\"1\",\"profile\":" + profile + "}}");
            feed(h, Events.stream("m", 3, 300, 2 * MINUTE, 100, 1.5, 0));
            h.processWatermark(3 * MINUTE);
            assertThat(last(h).status()).isEqualTo(HealthReport.OK);
            assertThat(last(h).referenceEvents()).isEqualTo(2000);
            assertThat(last(h).control().referenceAction()).isEqualTo("use the given profile");
        }
    }
}
