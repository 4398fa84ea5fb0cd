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
        List<List<PredictionEvent>> out = new ArrayList<>();
        for (int m = 0; m < MINUTES; m++) {
            List<PredictionEvent> minute = new ArrayList<>();
            for (int k = 0; k < models.length; k++) {
                long seed = 1000L * k + m;
                minute.addAll(m == 0
                        ? Events.stream(models[k], seed, 500, 0, 100, 0, 0)
                        : Events.stream(models[k], seed, 20, m * MINUTE, 3000, m >= 25 ? 1.0 : 0, 0));
            }
            out.add(minute);
        }
        return out;
    }

    /** Every report, as the topic would carry it. */
    static List<String> run(MonitorHarness h, List<List<PredictionEvent>> minutes, int restoreAt) throws Exception {
        List<String> out = new ArrayList<>();
        h.open();
        for (int m = 0; m < minutes.size(); m++) {
            for (PredictionEvent e : minutes.get(m)) {
                feed(h, List.of(e));
            }
            h.processWatermark((m + 1) * MINUTE);
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

        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG)), traffic, -1)).isEqualTo(expected);
        // Mid-span: the restored span is "pending" with the chunks written after it.
        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG)), traffic, 9)).isEqualTo(expected);
        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG)), traffic, 30)).isEqualTo(expected);
        // A cache of one version for two interleaved models: every batch evicts, every span is read back.
        assertThat(run(new MonitorHarness(new ModelMonitorFunction(CONFIG, Map.of(), 1)), traffic, -1))
                .isEqualTo(expected);
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
        assertThat(a).hasSize(MINUTES);
        for (int m = 0; m < 25; m++) {
            HealthReport r = a.get(m);
            // Windows 0 to 14 make a span of 300 events (minEvents), which ends there; 15 to 24 the next.
            int spanStart = m < 15 ? 0 : 15;
            assertThat(r.status()).as("minute %d", m).isEqualTo(HealthReport.WARMING_UP);
            assertThat(r.windowStart()).as("minute %d", m).isEqualTo(java.time.Instant.ofEpochMilli(spanStart * MINUTE).toString());
            assertThat(r.windowEnd()).isEqualTo(java.time.Instant.ofEpochMilli((m + 1) * MINUTE).toString());
            assertThat(r.events()).as("minute %d", m).isEqualTo(20L * (m + 1 - spanStart));
            assertThat(r.features()[0].count()).isEqualTo(r.events());
        }
        // The reference is complete after window 24: window 25 starts a span on its bins, without the warm-up span.
        HealthReport first = a.get(25);
        assertThat(first.status()).isEqualTo(HealthReport.ACCUMULATING);
        assertThat(first.windowStart()).isEqualTo(java.time.Instant.ofEpochMilli(25 * MINUTE).toString());
        assertThat(first.events()).isEqualTo(20);
        assertThat(a.subList(25, MINUTES)).noneMatch(r -> r.status().equals(HealthReport.WARMING_UP));
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
