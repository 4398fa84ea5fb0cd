package io.modelwatch.monitor;

import static io.modelwatch.monitor.ModelMonitorFunctionTest.MINUTE;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.feed;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.reports;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.control.ControlBroadcast;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.Events;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A low-traffic model's span of windows stays on the heap and goes to state as the windows merged
 * since it was last written whole ({@link LowTrafficSpans}): whatever path the span takes (kept in
 * the cache, read back after an eviction, restored from a snapshot with its chunks), every report
 * is the one of the plain operator, which reads the span whole from state and writes it whole at
 * every window.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LowTrafficSpansTest {
    /** 20 events a minute against minEvents 300: spans of 15 windows, each a chunk. */
    static final ThresholdsConfig CONFIG = ThresholdsParser.parse("""
            defaults:
              reference: {events: 500}
              window: {size: 1m, minEvents: 300}
            """);
    static final int MINUTES = 40;

    /** Per minute, per model: the first minute learns the reference; from minute 25 on, x drifts. */
    static List<List<PredictionEvent>> minutes(String... models) {
        return minutes(20, models);
    }

    /** As {@link #minutes(String...)}, {@code perMinute} events a minute after the first. */
    static List<List<PredictionEvent>> minutes(int perMinute, String... models) {
        List<List<PredictionEvent>> out = new ArrayList<>();
        for (int m = 0; m < MINUTES; m++) {
            List<PredictionEvent> minute = new ArrayList<>();
            for (int k = 0; k < models.length; k++) {
                long seed = 1000L * k + m;
                minute.addAll(m == 0
                        ? Events.stream(models[k], seed, 500, 0, 100, 0, 0)
                        : Events.stream(models[k], seed, perMinute, m * MINUTE, 60_000 / perMinute,
                                m >= 25 ? 1.0 : 0, 0));
            }
            out.add(minute);
        }
        return out;
    }

    /** Every report, as the topic would carry it. */
    static List<String> run(MonitorHarness h, List<List<PredictionEvent>> minutes, int restoreAt) throws Exception {
        return run(h, minutes, restoreAt, false);
    }

    /** With {@code checkpointEveryMinute}, state gets the cached changes after every minute. */
    static List<String> run(MonitorHarness h, List<List<PredictionEvent>> minutes, int restoreAt,
            boolean checkpointEveryMinute) throws Exception {
        List<String> out = new ArrayList<>();
        h.open();
        for (int m = 0; m < minutes.size(); m++) {
            for (PredictionEvent e : minutes.get(m)) {
                feed(h, List.of(e));
            }
            h.processWatermark((m + 1) * MINUTE);
            if (checkpointEveryMinute) {
                h.prepareSnapshotPreBarrier(m);
            }
            if (m == restoreAt) {
                OperatorSubtaskState snapshot = h.snapshot(m, 0);
                reports(h).forEach(r -> out.add(json(r)));
                h.close();
                h = new MonitorHarness(new ModelMonitorFunction(CONFIG));
                h.initializeState(snapshot);
                h.open();
            }
        }
        reports(h).forEach(r -> out.add(json(r)));
        h.close();
        return out;
    }

    static String json(HealthReport r) {
        return new String(Json.toBytes(r), StandardCharsets.UTF_8);
    }

    static MonitorHarness plain() throws Exception {
        return new MonitorHarness(new CoBroadcastWithKeyedOperator<>(new ModelMonitorFunction(CONFIG),
                List.of(ControlBroadcast.COMMANDS)));
    }

    @Test
    void theSpanIsTheSameWhetherKeptOnTheHeapReadBackOrRestored() throws Exception {
        List<List<PredictionEvent>> traffic = minutes("a", "b");
        List<String> expected = run(plain(), traffic, -1);
        assertThat(expected).anyMatch(r -> r.contains("\"status\":\"ACCUMULATING\""));
        assertThat(expected).anyMatch(r -> r.contains("\"status\":\"DRIFTING\""));

        // Mid-span: the restored span is "pending" with the chunks written after it.
        sameReportsWhateverPathTheSpanTakes(traffic, expected, 9, 30);
    }

    /**
     * Every report is {@code expected}: with the span cached, restored at each of
     * {@code restoreAts} (at the first also with a checkpoint every minute, so that state gets
     * each window as a chunk), and with a cache of one version for two interleaved models (every
     * batch evicts, every span is read back).
     */
    static void sameReportsWhateverPathTheSpanTakes(List<List<PredictionEvent>> traffic, List<String> expected,
            int... restoreAts) throws Exception {
        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG)), traffic, -1)).isEqualTo(expected);
        for (int restoreAt : restoreAts) {
            assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG)), traffic, restoreAt))
                    .as("restored after minute %d", restoreAt).isEqualTo(expected);
        }
        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG)), traffic, restoreAts[0], true))
                .as("a checkpoint every minute, restored after minute %d", restoreAts[0]).isEqualTo(expected);
        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG, Map.of(), 1)), traffic, -1))
                .as("a cache of one version").isEqualTo(expected);
    }

    /** Windows of more events than a window keeps as events: the span's windows are profiles. */
    @Test
    void aSpanOfWindowProfilesIsTheSameWhetherKeptOnTheHeapReadBackOrRestored() throws Exception {
        List<List<PredictionEvent>> traffic = minutes(OpenWindow.EVENTS_KEPT + 36, "a", "b");
        List<String> expected = run(plain(), traffic, -1);
        assertThat(expected).anyMatch(r -> r.contains("\"status\":\"ACCUMULATING\""));
        // With a checkpoint every minute state gets each window as a chunk, the window's profile.
        sameReportsWhateverPathTheSpanTakes(traffic, expected, 10);
    }

    /**
     * A savepoint of an earlier build holds the pending span's chunks as window profiles, not as
     * events: restored, they are merged into the span as before, and the span goes on to be judged
     * with every event counted, as in a run that was never stopped.
     */
    @Test
    void aPendingSpanWhoseChunksEarlierBuildsWroteAsProfilesRestoresAndGoesOn() throws Exception {
        List<List<PredictionEvent>> traffic = minutes("a");
        List<String> expected = summaries(run(plain(), traffic, -1));
        List<String> out = new ArrayList<>();
        OperatorSubtaskState snapshot;
        int restoreAt = -1;
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            // Up to the first minute, past the span's first few windows, with windows in its chunks.
            for (int m = 0; restoreAt < 0; m++) {
                assertThat(m).as("a minute with chunks pending").isLessThan(20);
                for (PredictionEvent e : traffic.get(m)) {
                    feed(h, List.of(e));
                }
                h.processWatermark((m + 1) * MINUTE);
                h.prepareSnapshotPreBarrier(m); // a checkpoint a minute: state gets each window
                if (m >= 5 && chunks(h) >= 2) {
                    restoreAt = m;
                }
            }
            reports(h).forEach(r -> out.add(json(r)));
            var op = (org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) h.getOperator();
            op.setCurrentKey(io.modelwatch.model.ModelKey.of("a", "1"));
            var backend = op.getKeyedStateBackend();
            var ns = org.apache.flink.runtime.state.VoidNamespace.INSTANCE;
            var nsSerializer = org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE;
            org.apache.flink.api.common.state.ListState<byte[]> chunks =
                    backend.getPartitionedState(ns, nsSerializer, MonitorStateDescriptors.pendingChunks());
            byte[] pending = backend.getPartitionedState(ns, nsSerializer, MonitorStateDescriptors.pending()).value();
            io.modelwatch.stats.profiles.ReferenceProfile ref = io.modelwatch.stats.profiles.ReferenceProfile.fromBytes(
                    backend.getPartitionedState(ns, nsSerializer, MonitorStateDescriptors.reference()).value());
            String[] names = OpenWindow.names(io.modelwatch.stats.profiles.ModelProfile.fromBytes(pending));
            List<byte[]> asProfiles = new ArrayList<>();
            for (byte[] chunk : chunks.get()) {
                OpenWindow w = OpenWindow.fromBytes(chunk, names);
                assertThat(w.keepsEvents()).isTrue();
                asProfiles.add(w.profile(ref).toBytes());
            }
            assertThat(asProfiles).isNotEmpty();
            chunks.update(asProfiles);
            snapshot = h.snapshot(restoreAt, 0);
        }
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.initializeState(snapshot);
            h.open();
            for (int m = restoreAt + 1; m < traffic.size(); m++) {
                for (PredictionEvent e : traffic.get(m)) {
                    feed(h, List.of(e));
                }
                h.processWatermark((m + 1) * MINUTE);
            }
            reports(h).forEach(r -> out.add(json(r)));
        }
        assertThat(summaries(out)).isEqualTo(expected);
    }

    /** Each report's window, status and events: what does not depend on how its span was summed. */
    private static List<String> summaries(List<String> reports) {
        List<String> out = new ArrayList<>();
        for (String json : reports) {
            HealthReport r = Json.read(json, HealthReport.class);
            out.add(r.windowStart() + " " + r.windowEnd() + " " + r.status() + " " + r.events());
        }
        return out;
    }

    /** 20 events a minute from the first minute: the reference (500 events) is learned over 25 windows. */
    static List<List<PredictionEvent>> learningAtLowTraffic(String... models) {
        List<List<PredictionEvent>> out = new ArrayList<>();
        for (int m = 0; m < MINUTES; m++) {
            List<PredictionEvent> minute = new ArrayList<>();
            for (int k = 0; k < models.length; k++) {
                minute.addAll(Events.stream(models[k], 1000L * k + m, 20, m * MINUTE, 3000, 0, 0));
            }
            out.add(minute);
        }
        return out;
    }

    @Test
    void warmUpWindowsAccumulateIntoSpansThatEndAtTheFirstWindowOnTheReference() throws Exception {
        List<List<PredictionEvent>> traffic = learningAtLowTraffic("a", "b");
        List<String> expected = run(plain(), traffic, -1);
        // The same whether the span is kept on the heap, read back after evictions or restored.
        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG)), traffic, 7)).isEqualTo(expected);
        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG, Map.of(), 1)), traffic, -1))
                .isEqualTo(expected);

        List<HealthReport> a = expected.stream().map(r -> Json.read(r.getBytes(StandardCharsets.UTF_8),
                HealthReport.class)).filter(r -> r.modelId().equals("a")).toList();
        // Windows 0 to 14 make a warm-up span of 300 events (minEvents), which ends there; 15 to 24
        // the next, which ends at window 25, the first on the complete reference (500 events), and
        // is reported whole then; 25 to 39 a span on the reference's bins, judged at 300 events. A
        // span below minEvents reports at its 1st, 2nd, 4th and 8th window (then every 30, the
        // default quality.silenceAfter), not at every one.
        List<String> spans = a.stream().map(r -> "%s %d-%d %d".formatted(r.status(),
                java.time.Instant.parse(r.windowStart()).toEpochMilli() / MINUTE,
                java.time.Instant.parse(r.windowEnd()).toEpochMilli() / MINUTE, r.events())).toList();
        assertThat(spans).containsExactly(
                "WARMING_UP 0-1 20", "WARMING_UP 0-2 40", "WARMING_UP 0-4 80", "WARMING_UP 0-8 160",
                "WARMING_UP 0-15 300",
                "WARMING_UP 15-16 20", "WARMING_UP 15-17 40", "WARMING_UP 15-19 80", "WARMING_UP 15-23 160",
                "WARMING_UP 15-25 200",
                "ACCUMULATING 25-26 20", "ACCUMULATING 25-27 40", "ACCUMULATING 25-29 80", "ACCUMULATING 25-33 160",
                "OK 25-40 300");
        assertThat(a).allMatch(r -> r.features()[0].count() == r.events());
    }

    /** A warm-up span whose last window was reported is not reported again when the reference completes. */
    @Test
    void aWarmUpSpanReportedAtItsLastWindowIsNotReportedTwice() throws Exception {
        // 460 events: the reference completes in window 22, so the second warm-up span is windows
        // 15 to 22, and its 8th window, the last, reports its progress.
        ThresholdsConfig config = ThresholdsParser.parse("""
                defaults:
                  reference: {events: 460}
                  window: {size: 1m, minEvents: 300}
                """);
        List<String> spans = new ArrayList<>();
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(config))) {
            h.open();
            List<List<PredictionEvent>> traffic = learningAtLowTraffic("a");
            for (int m = 0; m < 28; m++) {
                feed(h, traffic.get(m));
                h.processWatermark((m + 1) * MINUTE);
            }
            for (HealthReport r : reports(h)) {
                spans.add("%s %d-%d %d".formatted(r.status(), java.time.Instant.parse(r.windowStart()).toEpochMilli() / MINUTE,
                        java.time.Instant.parse(r.windowEnd()).toEpochMilli() / MINUTE, r.events()));
            }
        }
        assertThat(spans).containsSubsequence("WARMING_UP 15-19 80", "WARMING_UP 15-23 160", "ACCUMULATING 23-24 20",
                "ACCUMULATING 23-25 40", "ACCUMULATING 23-27 80");
        assertThat(spans).doesNotHaveDuplicates().hasSize(12);
    }

    /** Progress reports of a span held back at every window: powers of two, then every quality.silenceAfter. */
    @Test
    void aSpanReportsItsProgressAtPowersOfTwoThenOncePerSilenceAfter() {
        io.modelwatch.config.Thresholds t = CONFIG.forModel("a");
        assertThat(progressReports(1000, t)).hasSize(38).startsWith(1L, 2L, 4L, 8L, 16L, 30L, 60L, 90L).endsWith(990L);
        assertThat(progressReports(17, t)).containsExactly(1L, 2L, 4L, 8L, 16L);
        // A window every 7 minutes: no power of two is a window end of the span, yet it reports as it passes them.
        assertThat(progressReports(200, 7, t)).containsExactly(1L, 8L, 22L, 36L, 64L, 92L, 120L, 155L, 183L);
    }

    private static List<Long> progressReports(int windows, io.modelwatch.config.Thresholds t) {
        return progressReports(windows, 1, t);
    }

    /** The windows (their ends, in minutes since the span's start) of a span with an event every {@code every} minutes that report. */
    private static List<Long> progressReports(int windows, int every, io.modelwatch.config.Thresholds t) {
        io.modelwatch.functions.MonitorStatus st = new io.modelwatch.functions.MonitorStatus();
        LowTrafficSpans.Span span = new LowTrafficSpans.Span(null, 0, null, true, null);
        List<Long> out = new ArrayList<>();
        for (long end = 1; end < windows; end += every) {
            if (LowTrafficSpans.progressReportDue(span, end * MINUTE, st, t)) {
                out.add(end);
                st.pendingReportedEnd = end * MINUTE;
            }
        }
        return out;
    }

    /** A quiet span is looked at for decisive evidence as it passes each eighth of window.minEvents. */
    @Test
    void aSpanIsLookedAtOncePerEighthOfMinEventsNotAtEveryWindow() {
        io.modelwatch.config.Thresholds t = io.modelwatch.config.ThresholdsConfig.defaultConfig().forModel("a");
        assertThat(t.minWindowEvents()).isEqualTo(1000);
        for (int perWindow : new int[] {1, 7, 10, 60}) {
            List<Long> looks = new ArrayList<>();
            io.modelwatch.stats.profiles.ModelProfile span = new io.modelwatch.stats.profiles.ModelProfile();
            for (int w = 0; span.events() + perWindow < 1000; w++) {
                io.modelwatch.stats.profiles.ModelProfile window = new io.modelwatch.stats.profiles.ModelProfile();
                for (PredictionEvent e : Events.stream("a", w, perWindow, w * MINUTE, 1000, 0, 0)) {
                    window.add(e);
                }
                span.merge(window);
                if (LowTrafficSpans.looks(new LowTrafficSpans.Span(span, 0, OpenWindow.of(window), true, null), t)) {
                    looks.add(span.events());
                }
            }
            // One look past each of 125, 250, ..., 875 events: the first window at or beyond each.
            assertThat(looks).as("%d events a window", perWindow).hasSize(7)
                    .allSatisfy(n -> assertThat(n % 125).isLessThan(perWindow));
        }
    }

    /** A span's windows not reported yet are reported before the version is reported SILENT. */
    @Test
    void aSpanIsReportedUpToItsLastWindowBeforeTheVersionIsSilent() throws Exception {
        List<List<PredictionEvent>> traffic = new ArrayList<>(learningAtLowTraffic("a").subList(0, 6));
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            for (int m = 0; m < traffic.size(); m++) {
                feed(h, traffic.get(m));
                h.processWatermark((m + 1) * MINUTE);
            }
            assertThat(reports(h)).extracting(HealthReport::windowEnd).containsExactly(
                    java.time.Instant.ofEpochMilli(MINUTE).toString(), java.time.Instant.ofEpochMilli(2 * MINUTE).toString(),
                    java.time.Instant.ofEpochMilli(4 * MINUTE).toString());
            // quality.silenceAfter (30 minutes) after the last window opened
            h.processWatermark(40 * MINUTE);
            List<HealthReport> all = reports(h);
            HealthReport tail = all.get(all.size() - 2);
            assertThat(tail.status()).isEqualTo(HealthReport.WARMING_UP);
            assertThat(tail.windowEnd()).isEqualTo(java.time.Instant.ofEpochMilli(6 * MINUTE).toString());
            assertThat(tail.events()).isEqualTo(120);
            assertThat(all.get(all.size() - 1).status()).isEqualTo(HealthReport.SILENT);
        }
    }

    @Test
    void stateTakesTheWindowsMergedAsChunksAndLetsThemGoWithTheSpan() throws Exception {
        List<List<PredictionEvent>> traffic = minutes("a");
        List<Integer> chunksWhileAccumulating = new ArrayList<>();
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            feed(h, traffic.get(0));
            h.processWatermark(MINUTE);
            for (int m = 1; m < 16; m++) {
                feed(h, traffic.get(m));
                h.processWatermark((m + 1) * MINUTE);
                h.prepareSnapshotPreBarrier(m); // a checkpoint a minute: state gets each window
                HealthReport last = reports(h).get(reports(h).size() - 1);
                if (!last.status().equals(HealthReport.ACCUMULATING)) {
                    // The span is judged (it reached minEvents, or held decisive evidence): nothing pending.
                    assertThat(m).isGreaterThan(2);
                    assertThat(StateLifecycleTest.entries(h, List.of("pending", "pendingChunks"))).isZero();
                    break;
                }
                assertThat(StateLifecycleTest.entries(h, List.of("pending"))).isEqualTo(1);
                chunksWhileAccumulating.add(chunks(h));
            }
        }
        // Some windows went to state as a chunk, not with the whole span.
        assertThat(chunksWhileAccumulating).anyMatch(n -> n > 0);
    }

    /**
     * A backtest or a job catching up closes many windows between two checkpoints: the span they
     * extend stays on the heap and state gets it once, at the barrier, as the windows' chunks or
     * whole; a span judged before the barrier never reaches state. The reports are those of a
     * checkpoint every minute (and of the plain operator: the first test).
     */
    @Test
    void windowsClosedBetweenTwoCheckpointsReachStateOnceAtTheBarrier() throws Exception {
        List<List<PredictionEvent>> traffic = minutes("a");
        List<String> everyMinute = new ArrayList<>();
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            for (int m = 0; m < traffic.size(); m++) {
                feed(h, traffic.get(m));
                h.processWatermark((m + 1) * MINUTE);
                h.prepareSnapshotPreBarrier(m);
            }
            reports(h).forEach(r -> everyMinute.add(json(r)));
        }
        List<String> rarely = new ArrayList<>();
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            feed(h, traffic.get(0));
            h.processWatermark(MINUTE);
            h.prepareSnapshotPreBarrier(0);
            boolean sawPendingOnlyOnTheHeap = false;
            for (int m = 1; m < traffic.size(); m++) {
                feed(h, traffic.get(m));
                h.processWatermark((m + 1) * MINUTE);
                HealthReport last = reports(h).get(reports(h).size() - 1);
                if (m < 4) {
                    // Accumulating since minute 1, no barrier since: state holds no span yet.
                    assertThat(last.status()).isEqualTo(HealthReport.ACCUMULATING);
                    assertThat(StateLifecycleTest.entries(h, List.of("pending", "pendingChunks"))).isZero();
                    sawPendingOnlyOnTheHeap = true;
                }
                if (m % 4 == 0) {
                    h.prepareSnapshotPreBarrier(m);
                    if (last.status().equals(HealthReport.ACCUMULATING)) {
                        assertThat(StateLifecycleTest.entries(h, List.of("pending"))).isEqualTo(1);
                    }
                }
            }
            assertThat(sawPendingOnlyOnTheHeap).isTrue();
            reports(h).forEach(r -> rarely.add(json(r)));
        }
        assertThat(rarely).isEqualTo(everyMinute);
    }

    static int chunks(MonitorHarness h) throws Exception {
        var op = (org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) h.getOperator();
        op.setCurrentKey(io.modelwatch.model.ModelKey.of("a", "1"));
        int n = 0;
        Iterable<byte[]> chunks = op.getKeyedStateBackend().getPartitionedState(
                org.apache.flink.runtime.state.VoidNamespace.INSTANCE,
                org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE,
                MonitorStateDescriptors.pendingChunks()).get();
        if (chunks != null) {
            for (byte[] ignored : chunks) {
                n++;
            }
        }
        return n;
    }
}
