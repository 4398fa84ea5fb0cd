package io.modelwatch.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
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
     * last stable offset, the end a read_committed consumer sees. Records are in partition order,
     * offset order within a partition.
     *
     * <p>"Committed" includes transactions whose commit has returned but whose commit markers
     * are still being written: {@code commitTransaction()} (and so a Flink checkpoint or a
     * finished bounded job) returns once the coordinator has logged the decision, and the markers
     * that make the records visible follow a few milliseconds later. readAll waits for those, so
     * reading right after a commit sees it. A transaction still open is not waited for: its
     * records, and everything after them in the partition, are not returned.
     *
     * @throws IllegalStateException if the topic does not exist, or the read takes longer than a
     *     minute
     */
    public static List<ConsumerRecord<String, String>> readAll(String bootstrapServers, String topic) {
        long deadline = System.nanoTime() + READ_ALL_TIMEOUT.toNanos();
        try (KafkaConsumer<String, String> consumer = newConsumer(bootstrapServers);
                Admin admin = Admin.create(Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        AdminClientConfig.CLIENT_ID_CONFIG, "modelwatch-topic-reader"))) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic, METADATA_TIMEOUT);
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic does not exist: " + topic);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, List<ConsumerRecord<String, String>>> byPartition = new HashMap<>();

            Map<TopicPartition, Long> end = committedEndOffsets(consumer, admin, partitions, deadline);
            // The end is fixed now: records committed later are not "now" and are dropped.
            while (!reachedEnd(consumer, end)) {
                checkDeadline(deadline, "the end offsets " + end + " of " + topic);
                collect(consumer.poll(Duration.ofMillis(200)), end, byPartition);
            }
            List<ConsumerRecord<String, String>> all = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                all.addAll(byPartition.getOrDefault(tp, List.of()));
            }
            return all;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read " + topic + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot read " + topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading " + topic, e);
        }
    }

    private static void collect(
            Iterable<ConsumerRecord<String, String>> records,
            Map<TopicPartition, Long> end,
            Map<TopicPartition, List<ConsumerRecord<String, String>>> byPartition) {
        for (ConsumerRecord<String, String> record : records) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            // A fetch may run past the end: records committed later are not "now".
            if (record.offset() < end.get(tp)) {
                byPartition.computeIfAbsent(tp, k -> new ArrayList<>()).add(record);
            }
        }
    }

    /**
     * The read_committed end offsets (last stable offsets) of {@code partitions}, once no
     * transaction that has already been committed or aborted holds one back. {@code consumer}
     * must be read_committed and assigned the partitions; its position does not change.
     */
    static Map<TopicPartition, Long> committedEndOffsets(
            KafkaConsumer<?, ?> consumer, Admin admin, List<TopicPartition> partitions, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
        while (markersInFlight(admin, end)) {
            checkDeadline(deadline, "the commit markers of finished transactions in " + partitions);
            // Markers take milliseconds; wait a little in poll without consuming anything.
            Set<TopicPartition> assigned = consumer.assignment();
            consumer.pause(assigned);
            consumer.poll(Duration.ofMillis(10));
            consumer.resume(assigned);
            end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
        }
        return end;
    }

    /**
     * Whether some partition's last stable offset is held back by a transaction that is no
     * longer open (committed or aborted, markers not yet written), as opposed to one that is.
     *
     * <p>A partition whose stable end is below its high watermark has open transactions. Their
     * producers are asked of the partition, their state of the transaction coordinator: a
     * transaction is really open only if the coordinator says ONGOING at the same producer epoch
     * (with transactions v2 the epoch goes up at every commit, so an ONGOING at a higher epoch is
     * the producer's next transaction, and the one in the partition is decided).
     */
    private static boolean markersInFlight(Admin admin, Map<TopicPartition, Long> stableEnd)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        stableEnd.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> highWatermarks = admin
                .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                .all().get(METADATA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        List<TopicPartition> blocked = stableEnd.keySet().stream()
                .filter(tp -> stableEnd.get(tp) < highWatermarks.get(tp).offset())
                .toList();
        if (blocked.isEmpty()) {
            return false;
        }

        Map<Long, Integer> openEpochByProducer = new HashMap<>();
        admin.describeProducers(blocked).all().get(METADATA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .values().forEach(state -> state.activeProducers().stream()
                        .filter(p -> p.currentTransactionStartOffset().isPresent())
                        .forEach(p -> openEpochByProducer.put(p.producerId(), p.producerEpoch())));
        if (openEpochByProducer.isEmpty()) {
            return true; // the markers landed between the two questions: look again
        }
        List<String> transactionalIds = admin
                .listTransactions(new ListTransactionsOptions().filterProducerIds(openEpochByProducer.keySet()))
                .all().get(METADATA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .stream().map(TransactionListing::transactionalId).toList();
        Map<Long, TransactionDescription> coordinatorView = new HashMap<>();
        if (!transactionalIds.isEmpty()) {
            admin.describeTransactions(transactionalIds).all()
                    .get(METADATA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .values().forEach(d -> coordinatorView.put(d.producerId(), d));
        }
        for (Map.Entry<Long, Integer> open : openEpochByProducer.entrySet()) {
            TransactionDescription current = coordinatorView.get(open.getKey());
            if (current == null) {
                continue; // unknown to the coordinator: nothing to wait for
            }
            boolean stillOpen = current.state() == TransactionState.ONGOING
                    && current.producerEpoch() == open.getValue();
            if (!stillOpen) {
                return true;
            }
        }
        return false;
    }

    private static void checkDeadline(long deadline, String waitingFor) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("waited " + READ_ALL_TIMEOUT + " for " + waitingFor);
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
                .sorted(Comparator.comparingInt(TopicPartition::partition))
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
