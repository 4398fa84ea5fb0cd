package io.modelwatch.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.testing.Events;
import java.util.List;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

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
}
