package io.modelwatch.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows a topic as it grows, read_committed: each {@link #poll} returns the committed records
 * that arrived since the previous one, starting from the beginning of every partition. For
 * {@code bin/modelwatch demo}, which prints retraining triggers as the job commits them.
 *
 * <p>Not thread-safe (a Kafka consumer is not). The topic must exist when the tail is opened.
 */
public final class TopicTail implements AutoCloseable {

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaConsumer<String, String> consumer;

    public TopicTail(String bootstrapServers, String topic) {
        this.consumer = TopicReader.newConsumer(bootstrapServers);
        try {
            List<TopicPartition> partitions = TopicReader.partitionsOf(consumer, topic, METADATA_TIMEOUT);
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic does not exist: " + topic);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /**
     * Waits up to {@code timeout} for committed records and returns those that arrived since the
     * last call (possibly none). Returns as soon as some are there.
     */
    public List<ConsumerRecord<String, String>> poll(Duration timeout) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        consumer.poll(timeout).forEach(records::add);
        return records;
    }

    @Override
    public void close() {
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
