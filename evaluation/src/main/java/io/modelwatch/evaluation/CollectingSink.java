package io.modelwatch.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Collects what the job writes into a queue of this JVM, keyed by run and output, standing in
 * for a Kafka topic. Only for a MiniCluster in the same JVM.
 */
public final class CollectingSink<T> implements Sink<T> {
    private static final ConcurrentHashMap<String, ConcurrentLinkedQueue<Object>> RESULTS = new ConcurrentHashMap<>();

    private final String key;

    public CollectingSink(String key) {
        this.key = key;
        RESULTS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>());
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        ConcurrentLinkedQueue<Object> queue = RESULTS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>());
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                queue.add(new Timed<>(element, ctx.timestamp()));
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    /**
     * A collected record and its event-time timestamp in the stream (null if it had none): when,
     * in event time, the job emitted it.
     */
    public record Timed<T>(T value, Long timestamp) {}

    /** Everything collected under {@code key}, removed from the collector. */
    public static <T> List<T> drain(String key) {
        return CollectingSink.<T>drainTimed(key).stream().map(Timed::value).toList();
    }

    /** Everything collected under {@code key} with its timestamp, removed from the collector. */
    @SuppressWarnings("unchecked")
    public static <T> List<Timed<T>> drainTimed(String key) {
        ConcurrentLinkedQueue<Object> q = RESULTS.remove(key);
        List<Timed<T>> out = new ArrayList<>();
        if (q != null) {
            q.forEach(o -> out.add((Timed<T>) o));
        }
        return out;
    }
}
