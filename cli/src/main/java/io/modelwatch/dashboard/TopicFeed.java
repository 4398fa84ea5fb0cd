package io.modelwatch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.serde.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Tails {@code model-health} and {@code retrain-triggers} into a {@link ModelStore} on its own
 * thread: read_committed (as the contract asks of every consumer), from the beginning of every
 * partition, no consumer group (nothing committed, nothing to clean up, any number of dashboards
 * side by side). Topics that do not exist yet are waited for, so the dashboard may start before
 * the job has created them.
 *
 * <p>Its state ({@code connecting}, {@code waiting}, {@code reading}, {@code error}) is published
 * through the store as a {@code feed} change, for the page's status line.
 */
public final class TopicFeed implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TopicFeed.class.getName());
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);
    private static final long RETRY_MILLIS = 2_000;

    private final Properties consumerProps;
    private final String healthTopic;
    private final String triggersTopic;
    private final ModelStore store;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile ObjectNode state;

    /**
     * @param kafkaProperties client settings (security: {@code security.protocol}, {@code sasl.*},
     *     {@code ssl.*}); the read settings the dashboard depends on are set over them
     */
    public TopicFeed(String bootstrapServers, Properties kafkaProperties, String healthTopic, String triggersTopic,
            ModelStore store) {
        this.healthTopic = healthTopic;
        this.triggersTopic = triggersTopic;
        this.store = store;
        this.consumerProps = new Properties();
        consumerProps.putAll(kafkaProperties);
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerProps.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "modelwatch-dashboard");
        this.state = state("connecting", "connecting to " + bootstrapServers);
        this.thread = new Thread(this::run, "modelwatch-dashboard-feed");
        thread.setDaemon(true);
    }

    public TopicFeed start() {
        thread.start();
        return this;
    }

    /** The feed's current state, as published. */
    public ObjectNode state() {
        return state;
    }

    private void run() {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                new StringDeserializer())) {
            consumer = c;
            if (closed.getCount() == 0) {
                return;
            }
            if (!assign(c)) {
                return;
            }
            setState("reading", "reading " + healthTopic + " and " + triggersTopic);
            while (closed.getCount() > 0) {
                try {
                    for (ConsumerRecord<String, String> r : c.poll(POLL)) {
                        accept(r);
                    }
                } catch (WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    // Authorization, a deleted topic, a broker gone for good: show it and retry.
                    LOG.log(System.Logger.Level.WARNING, "dashboard feed: " + e);
                    setState("error", e.getMessage() == null ? e.toString() : e.getMessage());
                    if (pause()) {
                        return;
                    }
                    setState("reading", "reading " + healthTopic + " and " + triggersTopic);
                }
            }
        } catch (WakeupException e) {
            // closed while starting
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "dashboard feed stopped", e);
            setState("error", "stopped: " + e);
        }
    }

    /** Assigns every partition of both topics from the beginning; waits for missing topics. */
    private boolean assign(KafkaConsumer<String, String> c) {
        while (closed.getCount() > 0) {
            try {
                List<TopicPartition> partitions = new ArrayList<>();
                List<String> missing = new ArrayList<>();
                for (String topic : List.of(healthTopic, triggersTopic)) {
                    List<PartitionInfo> infos = c.partitionsFor(topic, METADATA_TIMEOUT);
                    if (infos == null || infos.isEmpty()) {
                        missing.add(topic);
                    } else {
                        infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                    }
                }
                if (missing.isEmpty()) {
                    c.assign(partitions);
                    c.seekToBeginning(partitions);
                    return true;
                }
                setState("waiting", "waiting for topic " + String.join(" and ", missing) + " to exist");
            } catch (WakeupException e) {
                return false;
            } catch (RuntimeException e) {
                setState("error", "cannot read topic metadata: " + e.getMessage());
            }
            if (pause()) {
                return false;
            }
        }
        return false;
    }

    private void accept(ConsumerRecord<String, String> r) {
        JsonNode value;
        try {
            value = r.value() == null ? null : Json.MAPPER.readTree(r.value());
        } catch (IOException e) {
            value = null;
        }
        if (value == null || !value.isObject()) {
            store.countUnreadable();
        } else if (r.topic().equals(healthTopic)) {
            store.addReport(value);
        } else if (r.topic().equals(triggersTopic)) {
            store.addTrigger(value);
        }
    }

    /** Sleeps before a retry; true if closed meanwhile. */
    private boolean pause() {
        try {
            return closed.await(RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private void setState(String name, String message) {
        ObjectNode s = state(name, message);
        if (!s.equals(state)) {
            state = s;
            store.publish("feed", s);
        }
    }

    private static ObjectNode state(String name, String message) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("state", name);
        s.put("message", message);
        return s;
    }

    /** Stops the feed thread and closes its consumer. */
    @Override
    public void close() {
        closed.countDown();
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
