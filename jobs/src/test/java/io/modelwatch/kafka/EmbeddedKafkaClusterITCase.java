package io.modelwatch.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One broker for the whole class: starting one takes seconds, a topic milliseconds. */
class EmbeddedKafkaClusterITCase {

    private static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafkaCluster.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void readAllSeesOnlyCommittedTransactions() {
        kafka.createTopic("tx-committed-only", 2);

        try (KafkaProducer<String, String> producer = transactionalProducer("tx-test", 900_000)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("tx-committed-only", "churn", "committed-" + i));
            }
            producer.commitTransaction();

            producer.beginTransaction();
            for (int i = 0; i < 2; i++) {
                producer.send(new ProducerRecord<>("tx-committed-only", "churn", "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
        }

        assertThat(TopicReader.readAll(kafka.bootstrapServers(), "tx-committed-only"))
                .extracting(ConsumerRecord::value)
                .containsExactly("committed-0", "committed-1", "committed-2");
        // The aborted records are in the log (3 + 2 records + 2 transaction markers): it is the
        // isolation level that hides them.
        assertThat(logEndOffset("tx-committed-only")).isEqualTo(7);
    }

    @Test
    void readAllStopsBeforeAnOpenTransaction() {
        kafka.createTopic("tx-open", 1);
        TopicWriter.send(kafka.bootstrapServers(), "tx-open",
                List.of(new ProducerRecord<>("tx-open", "churn", "before".getBytes(UTF_8))));

        try (KafkaProducer<String, String> producer = transactionalProducer("tx-open-test", 60_000)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx-open", "churn", "pending"));
            producer.flush();

            long start = System.nanoTime();
            assertThat(TopicReader.readAll(kafka.bootstrapServers(), "tx-open"))
                    .extracting(ConsumerRecord::value)
                    .containsExactly("before");
            // An open transaction is not waited for.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            producer.commitTransaction();
        }
        assertThat(TopicReader.readAll(kafka.bootstrapServers(), "tx-open"))
                .extracting(ConsumerRecord::value)
                .containsExactly("before", "pending");
    }

    /**
     * commitTransaction returns before the commit markers are in the partition: a read_committed
     * consumer that asks for its end offsets at once is often (over half the time here) told an
     * end before the committed records. What readAll reads up to must include them.
     */
    @Test
    void endOffsetsRightAfterACommitIncludeIt() throws Exception {
        kafka.createTopic("tx-read-at-once", 1);
        TopicPartition tp = new TopicPartition("tx-read-at-once", 0);
        try (KafkaProducer<String, String> producer = transactionalProducer("tx-read-at-once", 60_000);
                KafkaConsumer<String, String> consumer = TopicReader.newConsumer(kafka.bootstrapServers());
                Admin admin = admin()) {
            producer.initTransactions();
            consumer.assign(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int round = 1; round <= 30; round++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx-read-at-once", "churn", "round-" + round));
                producer.commitTransaction();

                // One record and one commit marker per transaction.
                assertThat(TopicReader.committedEndOffsets(consumer, admin, List.of(tp), deadline))
                        .as("after commit %d", round)
                        .containsEntry(tp, 2L * round);
            }
        }
        assertThat(TopicReader.readAll(kafka.bootstrapServers(), "tx-read-at-once")).hasSize(30);
    }

    @Test
    void readAllOfAnEmptyTopicIsEmpty() {
        kafka.createTopic("empty", 3);
        assertThat(TopicReader.readAll(kafka.bootstrapServers(), "empty")).isEmpty();
    }

    @Test
    void readingATopicThatDoesNotExistFailsFast() {
        assertThatThrownBy(() -> TopicReader.readAll(kafka.bootstrapServers(), "no-such-topic"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no-such-topic");
    }

    @Test
    void compactedTopicIsCreatedWithCompaction() throws Exception {
        kafka.createCompactedTopic("monitor-control", 1);

        try (Admin admin = admin()) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "monitor-control");
            Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                    .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
            assertThat(admin.describeTopics(List.of("monitor-control")).allTopicNames().get()
                    .get("monitor-control").partitions()).hasSize(1);
        }
    }

    @Test
    void writerRecordsArriveKeyedAndInOrderPerPartition() {
        kafka.createTopic("predictions-in", 4);
        List<ProducerRecord<String, byte[]>> records = IntStream.range(0, 100)
                .mapToObj(i -> new ProducerRecord<>("ignored", "model-" + (i % 5), ("v" + i).getBytes(UTF_8)))
                .toList();

        TopicWriter.send(kafka.bootstrapServers(), "predictions-in", records);

        List<ConsumerRecord<String, String>> read = TopicReader.readAll(kafka.bootstrapServers(), "predictions-in");
        assertThat(read).hasSize(100).allSatisfy(r -> assertThat(r.topic()).isEqualTo("predictions-in"));
        for (int model = 0; model < 5; model++) {
            String key = "model-" + model;
            List<Integer> values = read.stream().filter(r -> key.equals(r.key()))
                    .map(r -> Integer.parseInt(r.value().substring(1))).toList();
            assertThat(values).hasSize(20).isSorted();
        }
    }

    @Test
    void awaitRecordsReturnsOnceEnoughArriveAndOnTimeoutReturnsWhatItHas() {
        kafka.createTopic("await", 2);
        try (TopicWriter writer = new TopicWriter(kafka.bootstrapServers())) {
            for (int i = 0; i < 5; i++) {
                writer.send(new ProducerRecord<>("await", "k" + i, ("v" + i).getBytes(UTF_8)));
            }
            writer.flush();
        }

        assertThat(TopicReader.awaitRecords(kafka.bootstrapServers(), "await", 5, Duration.ofSeconds(30)))
                .extracting(ConsumerRecord::value)
                .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4");

        long start = System.nanoTime();
        List<ConsumerRecord<String, String>> some =
                TopicReader.awaitRecords(kafka.bootstrapServers(), "await", 6, Duration.ofSeconds(1));
        assertThat(some).hasSize(5);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void tailReturnsOnlyNewRecordsOnEachPoll() {
        kafka.createTopic("tail", 1);
        TopicWriter.send(kafka.bootstrapServers(), "tail",
                List.of(new ProducerRecord<>("tail", "churn", "first".getBytes(UTF_8))));

        try (TopicTail tail = new TopicTail(kafka.bootstrapServers(), "tail")) {
            assertThat(pollUntilSome(tail)).extracting(ConsumerRecord::value).containsExactly("first");

            TopicWriter.send(kafka.bootstrapServers(), "tail",
                    List.of(new ProducerRecord<>("tail", "churn", "second".getBytes(UTF_8))));
            assertThat(pollUntilSome(tail)).extracting(ConsumerRecord::value).containsExactly("second");
        }
    }

    /**
     * Flink's KafkaSink asks for a one-hour transaction timeout unless told otherwise; the broker,
     * like a production one, allows 15 minutes.
     */
    @Test
    void transactionTimeoutAboveTheBrokerMaximumIsRefused() {
        try (KafkaProducer<String, String> producer = transactionalProducer("too-long", 3_600_000)) {
            assertThatThrownBy(producer::initTransactions)
                    .isInstanceOf(KafkaException.class)
                    .hasMessageContaining("transaction.max.timeout.ms");
        }
    }

    private static List<ConsumerRecord<String, String>> pollUntilSome(TopicTail tail) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<ConsumerRecord<String, String>> records = List.of();
        while (records.isEmpty() && System.nanoTime() < deadline) {
            records = tail.poll(Duration.ofMillis(500));
        }
        return records;
    }

    private static KafkaProducer<String, String> transactionalProducer(String transactionalId, int timeoutMs) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    /** The end of the log as a read_uncommitted consumer sees it: aborted records included. */
    private static long logEndOffset(String topic) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("isolation.level", "read_uncommitted");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                props, new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.StringDeserializer())) {
            List<TopicPartition> partitions = TopicReader.partitionsOf(consumer, topic, Duration.ofSeconds(30));
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
