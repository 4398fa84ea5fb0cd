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
                queue.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    /** Everything collected under {@code key}, removed from the collector. */
    @SuppressWarnings("unchecked")
    public static <T> List<T> drain(String key) {
        ConcurrentLinkedQueue<Object> q = RESULTS.remove(key);
        List<T> out = new ArrayList<>();
        if (q != null) {
            q.forEach(o -> out.add((T) o));
        }
        return out;
    }
}
