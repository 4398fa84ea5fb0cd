package io.modelwatch.monitor;

import io.modelwatch.control.ControlBroadcast;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.CONFIG;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.MINUTE;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.feed;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.reports;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.testing.Events;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.junit.jupiter.api.Test;

/**
 * The monitor keeps open profiles on the heap between checkpoints ({@link OpenProfiles}): whatever
 * the cache holds, evicts or loses to a restore, every event counts exactly once. Compared on
 * what does not depend on KLL's randomised compaction: statuses, event counts and each feature's
 * count, mean and extremes.
 */
class OpenProfilesTest {
    static final int MODELS = 5;
    /** A byte bound that never binds in these runs: the versions do. */
    static final long OPEN_PROFILE_BYTES = 64L << 20;

    /** Five models, interleaved batch by batch: a reference each, then two windows, the second drifted. */
    static List<List<PredictionEvent>> traffic() {
        List<List<PredictionEvent>> batches = new ArrayList<>();
        for (int minute = 0; minute < 3; minute++) {
            List<List<PredictionEvent>> perModel = new ArrayList<>();
            for (int m = 0; m < MODELS; m++) {
                int n = minute == 0 ? 500 : 300;
                double shift = minute == 2 && m % 2 == 0 ? 1.5 : 0;
                perModel.add(Events.stream("m" + m, 10L * m + minute, n, minute * MINUTE, 100, shift, 0));
            }
            for (int i = 0; i < 500; i += 50) {
                for (List<PredictionEvent> events : perModel) {
                    if (i < events.size()) {
                        batches.add(events.subList(i, Math.min(i + 50, events.size())));
                    }
                }
            }
        }
        return batches;
    }

    static List<String> summary(List<HealthReport> reports) {
        return reports.stream()
                .sorted(Comparator.comparing(HealthReport::modelId).thenComparing(HealthReport::windowStart))
                .map(r -> r.modelId() + " " + r.windowStart() + " " + r.status() + " events=" + r.events()
                        + " seen=" + r.eventsSeen() + " reference=" + r.referenceEvents() + " "
                        + Arrays.stream(r.features())
                                .map(f -> f.name() + ":" + f.count() + "/" + f.mean() + "/" + f.min() + "/" + f.max())
                                .collect(Collectors.joining(",")))
                .collect(Collectors.toList());
    }

    static List<String> run(int openProfiles, int snapshotAfterBatch, int restoredOpenProfiles) throws Exception {
        return run(openProfiles, OPEN_PROFILE_BYTES, snapshotAfterBatch, restoredOpenProfiles);
    }

    static List<String> run(int openProfiles, long openProfileBytes, int snapshotAfterBatch, int restoredOpenProfiles)
            throws Exception {
        List<List<PredictionEvent>> batches = traffic();
        List<HealthReport> out = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG, Map.of(), openProfiles, openProfileBytes))) {
            h.open();
            for (List<PredictionEvent> b : batches.subList(0, snapshotAfterBatch)) {
                feed(h, b);
            }
            snapshot = h.snapshot(1L, 0);
            out.addAll(reports(h));
        }
        try (var h = new MonitorHarness(
                new ModelMonitorFunction(CONFIG, Map.of(), restoredOpenProfiles, OPEN_PROFILE_BYTES))) {
            h.initializeState(snapshot);
            h.open();
            for (List<PredictionEvent> b : batches.subList(snapshotAfterBatch, batches.size())) {
                feed(h, b);
            }
            h.processWatermark(3 * MINUTE);
            out.addAll(reports(h));
        }
        return summary(out);
    }

    @Test
    void theSameReportsWhateverTheCacheHoldsAtASnapshotOrEvicts() throws Exception {
        int batches = traffic().size();
        // Restored from a snapshot taken when every profile was still open: the reference being
        // learned (batch 20 of minute 0's 50) and, later, the windows of minute 1 half full.
        List<String> expected = run(1024, batches, 1024);
        assertThat(expected).hasSize(3 * MODELS);
        assertThat(expected).filteredOn(s -> s.contains(" DRIFTING ")).hasSize(3);
        assertThat(run(1024, 20, 1024)).isEqualTo(expected);
        assertThat(run(1024, 75, 1024)).isEqualTo(expected);
        // A cache of two for five interleaved models: the versions it does not admit (most
        // batches) are written back after their batch, the ones it pushes out when evicted.
        assertThat(run(2, 75, 2)).isEqualTo(expected);
        assertThat(run(1, 20, 3)).isEqualTo(expected);
        // A byte budget smaller than one profile: once a version's size is known (read back, or
        // written at a snapshot) it makes room for the next one.
        assertThat(run(1024, 1, 75, 1024)).isEqualTo(expected);
    }

    @Test
    void aSnapshotOfThePlainOperatorOfEarlierBuildsRestoresIntoTheMonitorOperator() throws Exception {
        // Earlier builds ran the function in Flink's own operator (.process()), writing after every
        // batch; their savepoints must restore into ModelMonitorOperator (same uid, same state).
        List<List<PredictionEvent>> batches = traffic();
        List<HealthReport> out = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = new MonitorHarness(new CoBroadcastWithKeyedOperator<>(new ModelMonitorFunction(CONFIG),
                List.of(ControlBroadcast.COMMANDS)))) {
            h.open();
            for (List<PredictionEvent> b : batches.subList(0, 75)) {
                feed(h, b);
            }
            snapshot = h.snapshot(1L, 0);
        }
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.initializeState(snapshot);
            h.open();
            for (List<PredictionEvent> b : batches.subList(75, batches.size())) {
                feed(h, b);
            }
            h.processWatermark(3 * MINUTE);
            out.addAll(reports(h));
        }
        assertThat(summary(out)).isEqualTo(run(1024, batches.size(), 1024));
    }

    @Test
    void theCacheWeighsWhatItHoldsAndDropsUnchangedVersionsOverItsBudget() {
        // A profile without features: twice its serialised size and the prediction's 768 bytes.
        ModelProfile p = new ModelProfile();
        assertThat(OpenProfiles.heapWeight(700, p)).isEqualTo(2168);
        assertThat(OpenProfiles.heapWeight(0, p)).isZero();
        OpenProfiles cache = new OpenProfiles(10, 4000);
        Map<String, OpenProfiles.Entry> evicted = new java.util.HashMap<>();
        OpenProfiles.Entry a = cache.getOrCreate("a", evicted);
        a.windowSized(0, 700, OpenWindow.of(p));
        a.learningSized(200, p);
        OpenProfiles.Entry b = cache.getOrCreate("b", evicted);
        b.windowSized(0, 400, OpenWindow.of(p));
        assertThat(cache.bytes()).isEqualTo(2168 + 1168 + 1568);
        b.learningChanged = true; // b has a change to write, a has none
        cache.trim();
        assertThat(cache.get("a")).isNull();
        assertThat(cache.get("b")).isSameAs(b);
        assertThat(cache.bytes()).isEqualTo(1568);
        // Over budget, a new version with no more batches lately than the eldest (b: one) is not
        // admitted: nothing is pushed out, and its entry is written back and dropped after its batch.
        b.windowSized(60_000, 1400, OpenWindow.of(p));
        for (int batch = 0; batch < 2; batch++) {
            OpenProfiles.Entry c = cache.getOrCreate("c", evicted);
            assertThat(c.admitted).isFalse();
            cache.remove("c"); // OpenProfileStore.batchDone
        }
        assertThat(evicted).isEmpty();
        assertThat(cache.get("b")).isSameAs(b);
        assertThat(cache.notAdmitted()).isEqualTo(2);
        // Its third batch: more than b's one, so it pushes out the eldest, which hands over its changes.
        assertThat(cache.getOrCreate("c", evicted).admitted).isTrue();
        assertThat(evicted).containsOnlyKeys("b");
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.bytes()).isZero();
        assertThat(cache.evictions()).isEqualTo(2);
        // The evicted entry is written back after it left: that no longer weighs on the cache.
        b.windowSized(60_000, 900, OpenWindow.of(p));
        b.learningSized(300, p);
        assertThat(cache.bytes()).isZero();
    }
}
