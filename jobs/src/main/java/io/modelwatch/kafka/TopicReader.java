package io.modelwatch.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic the way modelwatch's users must: {@code isolation.level=read_committed}, so
 * records of aborted or still open transactions are never seen. For tests, the demo and
 * command-line checks; not for the job itself (that reads through Flink's KafkaSource).
 *
 * <p>No consumer group is used: partitions are assigned directly and nothing is committed, so
 * reading leaves no trace on the cluster and needs no group coordination.
 */
public final class TopicReader {

    /** Upper bound for {@link #readAll}: reading to known end offsets only stalls if the broker does. */
    private static final Duration READ_ALL_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private TopicReader() {}

    /**
     * Everything committed in {@code topic} now: every partition from its beginning up to its
     * last stable offset (the end offset a read_committed consumer sees, which stops before any
     * transaction still open). Records are in partition order, offset order within a partition.
     *
     * @throws IllegalStateException if the topic does not exist, or the read takes longer than a
     *     minute
     */
    public static List<ConsumerRecord<String, String>> readAll(String bootstrapServers, String topic) {
        try (KafkaConsumer<String, String> consumer = newConsumer(bootstrapServers)) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic, METADATA_TIMEOUT);
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic does not exist: " + topic);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With read_committed, endOffsets are last stable offsets.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
            Map<TopicPartition, List<ConsumerRecord<String, String>>> byPartition = new java.util.HashMap<>();
            long deadline = System.nanoTime() + READ_ALL_TIMEOUT.toNanos();
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "did not reach the end offsets " + end + " of " + topic + " within " + READ_ALL_TIMEOUT);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    // A poll may fetch past the end offsets seen at the start: "now" is the start.
                    if (record.offset() < end.get(tp)) {
                        byPartition.computeIfAbsent(tp, k -> new ArrayList<>()).add(record);
                    }
                }
            }
            List<ConsumerRecord<String, String>> all = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                all.addAll(byPartition.getOrDefault(tp, List.of()));
            }
            return all;
        }
    }

    /**
     * Polls {@code topic} (read_committed, from the beginning of every partition) until at least
     * {@code atLeast} records have been seen or {@code timeout} has passed, and returns what was
     * seen. A timeout is not an error: the caller asserts on the size. The topic must exist.
     */
    public static List<ConsumerRecord<String, String>> awaitRecords(
            String bootstrapServers, String topic, int atLeast, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        try (TopicTail tail = new TopicTail(bootstrapServers, topic)) {
            while (seen.size() < atLeast) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                seen.addAll(tail.poll(Duration.ofNanos(Math.min(remaining, Duration.ofMillis(500).toNanos()))));
            }
        }
        return seen;
    }

    static KafkaConsumer<String, String> newConsumer(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "modelwatch-topic-reader");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    /** The topic's partitions, in partition order; empty if the topic does not exist. */
    static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic, Duration timeout) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null) {
            return List.of();
        }
        return infos.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                .toList();
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        Collection<TopicPartition> partitions = end.keySet();
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp, METADATA_TIMEOUT) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }
}
