package io.modelwatch.functions;

import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Local pre-aggregation before the keyed exchange (the "mini-batch" of Flink SQL's local/global
 * aggregation): events are gathered per model version in memory and sent on as one
 * {@link PredictionBatch}, so the keyed monitor pays its RocksDB read-modify-write of a window
 * profile (hundreds of microseconds with its sketches) once per batch, not once per event.
 *
 * <p>Nothing is held across a checkpoint or a watermark, so the operator has no state and changes
 * neither exactly-once nor event-time semantics: the buffer is flushed before every checkpoint
 * barrier ({@link #prepareSnapshotPreBarrier}), before forwarding every watermark or idleness
 * change, at the end of input, when a model's batch reaches {@link #maxBatch}, when the buffer
 * holds {@link #maxBuffered} events, and every {@link #flushIntervalMillis} of processing time
 * (which bounds the added latency).
 */
public final class EventBatcher extends AbstractStreamOperator<PredictionBatch>
        implements OneInputStreamOperator<PredictionEvent, PredictionBatch>, BoundedOneInput {
    /** Enough to amortise a state round trip; small enough to keep batches cheap to ship. */
    public static final int DEFAULT_MAX_BATCH = 500;
    /** Bounds the memory of the buffer (~1 KB per event). */
    public static final int DEFAULT_MAX_BUFFERED = 20_000;
    /** Added latency at most; far below the checkpoint interval that bounds output latency anyway. */
    public static final long DEFAULT_FLUSH_INTERVAL_MILLIS = 200;

    private final int maxBatch;
    private final int maxBuffered;
    private final long flushIntervalMillis;
    private transient Map<String, List<PredictionEvent>> buffer;
    private transient int buffered;

    public EventBatcher() {
        this(DEFAULT_MAX_BATCH, DEFAULT_MAX_BUFFERED, DEFAULT_FLUSH_INTERVAL_MILLIS);
    }

    public EventBatcher(int maxBatch, int maxBuffered, long flushIntervalMillis) {
        this.maxBatch = maxBatch;
        this.maxBuffered = maxBuffered;
        this.flushIntervalMillis = flushIntervalMillis;
    }

    @Override
    public void open() throws Exception {
        super.open();
        buffer = new HashMap<>();
        scheduleFlush();
    }

    private void scheduleFlush() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + flushIntervalMillis, t -> {
            flushAll();
            scheduleFlush();
        });
    }

    @Override
    public void processElement(StreamRecord<PredictionEvent> element) {
        PredictionEvent e = element.getValue();
        List<PredictionEvent> batch = buffer.computeIfAbsent(e.modelKey(), k -> new ArrayList<>());
        batch.add(e);
        buffered++;
        if (batch.size() >= maxBatch) {
            emit(e.modelKey(), buffer.remove(e.modelKey()));
        }
        if (buffered >= maxBuffered) {
            flushAll();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flushAll();
        super.processWatermark(mark);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        flushAll();
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flushAll();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() {
        flushAll();
    }

    @Override
    public void finish() throws Exception {
        flushAll();
        super.finish();
    }

    private void flushAll() {
        if (buffered == 0) {
            return;
        }
        for (Map.Entry<String, List<PredictionEvent>> b : buffer.entrySet()) {
            emit(b.getKey(), b.getValue());
        }
        buffer.clear();
        buffered = 0;
    }

    private void emit(String key, List<PredictionEvent> events) {
        long maxTs = Long.MIN_VALUE;
        for (PredictionEvent e : events) {
            maxTs = Math.max(maxTs, e.timestamp());
        }
        if (buffer.get(key) == null) {
            buffered -= events.size();
        }
        output.collect(new StreamRecord<>(new PredictionBatch(key, events.toArray(PredictionEvent[]::new)), maxTs));
    }
}
