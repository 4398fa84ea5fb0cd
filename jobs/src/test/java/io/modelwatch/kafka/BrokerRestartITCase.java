package io.modelwatch.kafka;

import java.util.concurrent.TimeUnit;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker stopped and started again in place, as the broker-outage tests use it:
 * same address, same data, committed transactions kept, and clients that were connected before
 * carry on after.
 */
class BrokerRestartITCase {

    @Test
    void recordsAndTransactionsSurviveARestartAndClientsCarryOn() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                TopicWriter writer = new TopicWriter(kafka.bootstrapServers());
                KafkaProducer<String, String> tx = transactionalProducer(kafka.bootstrapServers())) {
            kafka.createTopic("outage", 2);
            writer.send(new ProducerRecord<>("outage", "a", "before".getBytes(UTF_8)));
            writer.flush();
            tx.initTransactions();
            tx.beginTransaction();
            tx.send(new ProducerRecord<>("outage", "b", "committed-before"));
            tx.commitTransaction();
            // A transaction open across the outage, as a Flink sink's is between checkpoints.
            tx.beginTransaction();
            tx.send(new ProducerRecord<>("outage", "b", "committed-after")).get(2, TimeUnit.MINUTES);

            kafka.stopBroker();
            // Sent while the broker is down. A producer that has lost the topic's metadata in the
            // shutdown blocks in send() until the broker is back (max.block.ms), so the send runs
            // on a thread of its own, as an application's would.
            CompletableFuture<RecordMetadata> during = CompletableFuture.supplyAsync(() -> {
                try {
                    return writer.send(new ProducerRecord<>("outage", "a", "during".getBytes(UTF_8))).get(2, TimeUnit.MINUTES);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            kafka.startBroker();

            during.get(2, TimeUnit.MINUTES);
            tx.commitTransaction();
            writer.send(new ProducerRecord<>("outage", "a", "after".getBytes(UTF_8)));
            writer.flush();

            List<ConsumerRecord<String, String>> read = TopicReader.readAll(kafka.bootstrapServers(), "outage");
            assertThat(read).extracting(ConsumerRecord::value).containsExactlyInAnyOrder(
                    "before", "committed-before", "during", "committed-after", "after");
            assertThat(read).filteredOn(r -> r.key().equals("a")).extracting(ConsumerRecord::value)
                    .containsExactly("before", "during", "after");
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "outage-test");
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}
