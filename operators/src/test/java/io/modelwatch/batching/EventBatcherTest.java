package io.modelwatch.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.testing.Events;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Batching never holds an event across a watermark or a checkpoint, and never loses one. */
class EventBatcherTest {
    static OneInputStreamOperatorTestHarness<PredictionEvent, PredictionBatch> harness(int maxBatch) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(new EventBatcher(maxBatch, 1000, 60_000));
        h.open();
        return h;
    }

    static void feed(OneInputStreamOperatorTestHarness<PredictionEvent, PredictionBatch> h, List<PredictionEvent> events)
            throws Exception {
        for (PredictionEvent e : events) {
            h.processElement(new StreamRecord<>(e, e.timestamp()));
        }
    }

    static int events(List<PredictionBatch> batches) {
        return batches.stream().mapToInt(b -> b.events().length).sum();
    }

    @Test
    void batchesPerModelAndFlushesBeforeTheWatermarkIsForwarded() throws Exception {
        try (var h = harness(100)) {
            feed(h, Events.stream("a", 1, 250, 0, 10, 0, 0));
            feed(h, Events.stream("b", 2, 30, 0, 10, 0, 0));
            // Two full batches of "a" went as soon as they filled.
            assertThat(h.extractOutputValues()).extracting(PredictionBatch::modelKey).containsExactly(
                    Events.stream("a", 1, 1, 0, 1, 0, 0).get(0).modelKey(), Events.stream("a", 1, 1, 0, 1, 0, 0).get(0).modelKey());
            h.processWatermark(new Watermark(5000));
            // The rest of "a" and all of "b" precede the watermark in the output.
            Object last = h.getOutput().toArray()[h.getOutput().size() - 1];
            assertThat(last).isInstanceOf(Watermark.class);
            assertThat(events(h.extractOutputValues())).isEqualTo(280);
            assertThat(h.extractOutputValues()).allMatch(b -> java.util.Arrays.stream(b.events())
                    .allMatch(e -> e.modelKey().equals(b.modelKey())));
        }
    }

    @Test
    void aCheckpointFlushesEverythingSoTheOperatorHasNoState() throws Exception {
        try (var h = harness(100)) {
            feed(h, Events.stream("a", 1, 42, 0, 10, 0, 0));
            assertThat(h.extractOutputValues()).isEmpty();
            h.prepareSnapshotPreBarrier(1L);
            assertThat(events(h.extractOutputValues())).isEqualTo(42);
        }
    }

    @Test
    void endOfInputFlushes() throws Exception {
        try (var h = harness(100)) {
            feed(h, Events.stream("a", 1, 7, 0, 10, 0, 0));
            h.endInput();
            assertThat(events(h.extractOutputValues())).isEqualTo(7);
        }
    }

    @Test
    void aWatermarkBehindEveryBufferedEventPassesWithoutBreakingTheBatch() throws Exception {
        try (var h = harness(100)) {
            feed(h, Events.stream("a", 1, 10, 60_000, 10, 0, 0));
            h.processWatermark(new Watermark(30_000));
            assertThat(h.extractOutputValues()).isEmpty();
            h.processWatermark(new Watermark(60_000));
            assertThat(events(h.extractOutputValues())).isEqualTo(10);
        }
    }

    private static PredictionEvent withVersion(PredictionEvent e, String modelId, String version) {
        return new PredictionEvent(modelId, version, e.predictionId(), e.timestamp(), e.featureNames(),
                e.featureKinds(), e.numericValues(), e.categoricalValues(), e.predictionKind(),
                e.numericPrediction(), e.categoricalPrediction());
    }

    @Test
    @Timeout(30)
    void theBufferKeepsVersionsApartKeepsOrderAndLosesNothingOverFlushes() {
        List<PredictionBatch> out = new ArrayList<>();
        List<Long> maxTimestamps = new ArrayList<>();
        var buffer = new EventBatcher.Buffer(7, 1000, (b, maxTs) -> {
            out.add(b);
            maxTimestamps.add(maxTs);
        });
        List<PredictionEvent> sent = new ArrayList<>();
        List<PredictionEvent> a = Events.stream("a", 1, 200, 0, 10, 0, 0);
        for (int i = 0; i < a.size(); i++) {
            // Equal ids and versions in new String instances, as a parser without sharing would give them.
            PredictionEvent e = withVersion(a.get(i), new String("a"), new String(i % 3 == 0 ? "2" : "1"));
            sent.add(e);
            buffer.add(e);
            if (i % 50 == 49) {
                buffer.flushAll();
            }
            if (i == 120) {
                // "b" once, so that a later flush finds it idle and drops it, and it comes back.
                sent.add(withVersion(e, "b", "1"));
                buffer.add(sent.get(sent.size() - 1));
            }
        }
        PredictionEvent late = withVersion(a.get(0), "b", "1");
        sent.add(late);
        buffer.add(late);
        assertThat(buffer.oldestBuffered()).isEqualTo(0);
        buffer.flushAll();
        assertThat(buffer.oldestBuffered()).isEqualTo(Long.MAX_VALUE);

        assertThat(out).allMatch(b -> b.events().length <= 7 && java.util.Arrays.stream(b.events())
                .allMatch(e -> e.modelKey().equals(b.modelKey())));
        for (int k = 0; k < out.size(); k++) {
            assertThat(maxTimestamps.get(k)).isEqualTo(java.util.Arrays.stream(out.get(k).events())
                    .mapToLong(PredictionEvent::timestamp).max().getAsLong());
        }
        // Per model version, the events come out in the order they went in, every one once.
        for (String key : List.of(sent.get(0).modelKey(), sent.get(1).modelKey(), late.modelKey())) {
            assertThat(out.stream().filter(b -> b.modelKey().equals(key)).flatMap(b -> java.util.Arrays.stream(b.events())))
                    .containsExactlyElementsOf(sent.stream().filter(e -> e.modelKey().equals(key)).toList());
        }
        assertThat(events(out)).isEqualTo(sent.size());
    }

    @Test
    @Timeout(30)
    void theBufferFlushesEverythingWhenItHoldsTheMost() {
        List<PredictionBatch> out = new ArrayList<>();
        var buffer = new EventBatcher.Buffer(100, 25, (b, maxTs) -> out.add(b));
        for (int m = 0; m < 10; m++) {
            for (PredictionEvent e : Events.stream("m" + m, m, 2, 0, 10, 0, 0)) {
                buffer.add(e);
            }
        }
        // 20 events: below the bound, nothing sent; the 25th sends all 25.
        assertThat(out).isEmpty();
        for (PredictionEvent e : Events.stream("n", 1, 5, 0, 10, 0, 0)) {
            buffer.add(e);
        }
        assertThat(events(out)).isEqualTo(25);
        assertThat(buffer.oldestBuffered()).isEqualTo(Long.MAX_VALUE);
    }
}
