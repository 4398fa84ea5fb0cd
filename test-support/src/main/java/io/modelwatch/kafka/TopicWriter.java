package io.modelwatch.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes input records (predictions, labels, control commands) the way a well-behaved upstream
 * producer does: idempotent, {@code acks=all}, so retries neither lose nor duplicate records and
 * per-partition order holds. Keys are strings (the modelId), values raw bytes (the JSON as the
 * producer sent it, or deliberately broken bytes for dead-letter tests).
 *
 * <p>A send that fails is reported by the next {@link #flush()} or {@link #close()}, never
 * dropped silently.
 */
public final class TopicWriter implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    public TopicWriter(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "modelwatch-topic-writer");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Writes {@code records} to {@code topic} (their own topic is ignored), flushes and closes. */
    public static void send(String bootstrapServers, String topic, List<ProducerRecord<String, byte[]>> records) {
        try (TopicWriter writer = new TopicWriter(bootstrapServers)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
            for (ProducerRecord<String, byte[]> r : records) {
                sent.add(writer.send(new ProducerRecord<>(
                        topic, r.partition(), r.timestamp(), r.key(), r.value(), r.headers())));
            }
            writer.flush();
            for (Future<RecordMetadata> f : sent) {
                await(f);
            }
        }
    }

    /** Sends asynchronously; the future completes when the broker has acknowledged the record. */
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        rethrowFailure();
        return producer.send(record, (metadata, e) -> {
            if (e != null) {
                firstFailure.compareAndSet(null, e);
            }
        });
    }

    /** Blocks until every record sent so far is acknowledged; throws if any send failed. */
    public void flush() {
        producer.flush();
        rethrowFailure();
    }

    /** Flushes, closes the producer, and throws if any send failed. */
    @Override
    public void close() {
        try {
            producer.flush();
        } finally {
            producer.close(Duration.ofSeconds(30));
        }
        rethrowFailure();
    }

    private void rethrowFailure() {
        Exception e = firstFailure.get();
        if (e != null) {
            throw new IllegalStateException("a record could not be written: " + e, e);
        }
    }

    private static void await(Future<RecordMetadata> future) {
        try {
            future.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a record could not be written: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing", e);
        }
    }
}
