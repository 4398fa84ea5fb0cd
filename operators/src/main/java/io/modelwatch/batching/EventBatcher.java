package io.modelwatch.batching;

import io.modelwatch.model.MetricNames;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ModelKey;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import org.apache.flink.metrics.Counter;
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
 * <p>Nothing is held across a checkpoint, and no event is held behind a watermark that passes
 * it, so the operator has no state and changes neither exactly-once nor event-time semantics:
 * the buffer is flushed before every checkpoint barrier ({@link #prepareSnapshotPreBarrier}),
 * before forwarding a watermark at or past the oldest buffered event (downstream timers would
 * otherwise fire before that event arrives) and before an idleness change, at the end of input,
 * when a model's batch reaches {@link #maxBatch}, when the buffer holds {@link #maxBuffered}
 * events, and every {@link #flushIntervalMillis} of processing time. Watermarks that stay behind
 * the buffered events (the usual case: the watermark trails the newest event by the allowed
 * out-of-orderness) pass without a flush, so a batch can gather a model's events until the next
 * checkpoint even with thousands of models.
 *
 * <p>None of this delays an output: event-time results (window reports, and the triggers they
 * cause) wait for the watermark, which flushes first, and exactly-once outputs become visible
 * only at a checkpoint, which flushes too. So the processing-time flush is only a backstop, and
 * larger batches are pure gain: in the benchmark a 1 s flush gave batches of ~20 events per
 * model, the checkpoint-bounded flush ~70, and the monitor's state round trips fell by as much.
 */
public final class EventBatcher extends AbstractStreamOperator<PredictionBatch>
        implements OneInputStreamOperator<PredictionEvent, PredictionBatch>, BoundedOneInput {
    /** Enough to amortise a state round trip; small enough to keep batches cheap to ship. */
    public static final int DEFAULT_MAX_BATCH = 500;
    /** Bounds the memory of the buffer (~1 KB per event). */
    public static final int DEFAULT_MAX_BUFFERED = 50_000;
    /**
     * A backstop only (see above): the checkpoint interval (default 10 s) usually flushes first.
     * It bounds how long events wait when checkpointing is off.
     */
    public static final long DEFAULT_FLUSH_INTERVAL_MILLIS = 10_000;

    private final int maxBatch;
    private final int maxBuffered;
    private final long flushIntervalMillis;
    private transient Buffer buffer;
    private transient Counter batches;
    private transient Counter batchedEvents;

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
        // batchedEvents / eventBatches is the mean batch: what the monitor's state access is amortised over.
        var group = getMetricGroup().addGroup(MetricNames.GROUP);
        batches = group.counter("eventBatches");
        batchedEvents = group.counter("batchedEvents");
        buffer = new Buffer(maxBatch, maxBuffered, (batch, maxTimestamp) -> {
            batches.inc();
            batchedEvents.inc(batch.events().length);
            output.collect(new StreamRecord<>(batch, maxTimestamp));
        });
        scheduleFlush();
    }

    private void scheduleFlush() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + flushIntervalMillis, t -> {
            buffer.flushAll();
            scheduleFlush();
        });
    }

    @Override
    public void processElement(StreamRecord<PredictionEvent> element) {
        buffer.add(element.getValue());
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() >= buffer.oldestBuffered()) {
            buffer.flushAll();
        }
        super.processWatermark(mark);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        buffer.flushAll();
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        buffer.flushAll();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() {
        buffer.flushAll();
    }

    @Override
    public void finish() throws Exception {
        buffer.flushAll();
        super.finish();
    }

    /** Where a {@link Buffer} sends a batch, with its newest event time (the record's timestamp). */
    public interface BatchSink {
        void emit(PredictionBatch batch, long maxTimestamp);
    }

    /**
     * The events waiting, per model version, without Flink (the operator above decides when to
     * flush; benchmarks drive it directly). Per event it costs a hash lookup by the model id and
     * a version comparison, not the model key: the map it replaces built {@code modelId + US +
     * version} for every event (twice when a batch filled) and hashed the new String each time.
     * The key is built once per model version and kept; a model version that sent nothing between two flushes
     * is dropped at the second, so the table holds only the models of the recent past.
     */
    public static final class Buffer {
        private final int maxBatch;
        private final int maxBuffered;
        private final BatchSink sink;
        private final HashMap<String, Pending> byModelId = new HashMap<>();
        private int buffered;
        private long oldestBuffered = Long.MAX_VALUE;

        public Buffer(int maxBatch, int maxBuffered, BatchSink sink) {
            this.maxBatch = maxBatch;
            this.maxBuffered = maxBuffered;
            this.sink = sink;
        }

        public void add(PredictionEvent e) {
            Pending p = byModelId.get(e.modelId());
            while (p != null && !p.version.equals(e.modelVersion())) {
                p = p.otherVersion;
            }
            if (p == null) {
                p = new Pending(e.modelId(), e.modelVersion(), byModelId.get(e.modelId()));
                byModelId.put(e.modelId(), p);
            }
            p.add(e);
            buffered++;
            oldestBuffered = Math.min(oldestBuffered, e.timestamp());
            if (p.count >= maxBatch) {
                emit(p);
            }
            if (buffered >= maxBuffered) {
                flushAll();
            }
        }

        /** The oldest event time buffered, or {@code Long.MAX_VALUE} when nothing is. */
        public long oldestBuffered() {
            return oldestBuffered;
        }

        public void flushAll() {
            if (buffered == 0) {
                return;
            }
            Iterator<Pending> models = byModelId.values().iterator();
            while (models.hasNext()) {
                Pending first = models.next();
                boolean active = false;
                for (Pending p = first; p != null; p = p.otherVersion) {
                    active |= p.active;
                    p.active = false;
                    if (p.count > 0) {
                        emit(p);
                    }
                }
                if (!active) {
                    models.remove();
                }
            }
            buffered = 0;
            oldestBuffered = Long.MAX_VALUE;
        }

        private void emit(Pending p) {
            buffered -= p.count;
            PredictionEvent[] events = Arrays.copyOf(p.events, p.count);
            long maxTs = p.maxTimestamp;
            Arrays.fill(p.events, 0, p.count, null);
            p.count = 0;
            p.maxTimestamp = Long.MIN_VALUE;
            sink.emit(new PredictionBatch(p.key, events), maxTs);
        }
    }

    /** One model version's events waiting, and the model's other versions (rare) as a chain. */
    private static final class Pending {
        final String version;
        final String key;
        final Pending otherVersion;
        PredictionEvent[] events = new PredictionEvent[8];
        int count;
        long maxTimestamp = Long.MIN_VALUE;
        /** Whether an event came since the last flush of everything. */
        boolean active;

        Pending(String modelId, String version, Pending otherVersion) {
            this.version = version;
            this.key = ModelKey.of(modelId, version);
            this.otherVersion = otherVersion;
        }

        void add(PredictionEvent e) {
            if (count == events.length) {
                events = Arrays.copyOf(events, count * 2);
            }
            events[count++] = e;
            maxTimestamp = Math.max(maxTimestamp, e.timestamp());
            active = true;
        }
    }
}
