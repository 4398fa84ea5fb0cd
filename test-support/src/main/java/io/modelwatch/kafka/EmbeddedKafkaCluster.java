package io.modelwatch.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

import kafka.cluster.Partition;
import kafka.server.BrokerServer;

/**
 * One in-process Kafka broker (KRaft, combined broker and controller) for {@code bin/modelwatch
 * demo} and the integration tests. No Docker, no ZooKeeper: it is Kafka's own
 * {@link KafkaClusterTestKit}, the harness Kafka tests itself with.
 *
 * <p>The broker listens on an ephemeral port; {@link #bootstrapServers()} says which
 * ({@code localhost:PORT}). The test kit pre-binds its broker and controller ports on all
 * interfaces (no way to choose in 4.2), so the plaintext, unauthenticated broker is reachable from
 * the network while it runs: fine for a demo and tests, never for data that matters. All data
 * lives in a temporary directory that {@link #close()} deletes.
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start()) {
 *     kafka.createTopic("predictions", 4);
 *     kafka.createCompactedTopic("monitor-control", 1);
 *     ... kafka.bootstrapServers() ...
 * }
 * }</pre>
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    /**
     * The broker's {@code transaction.max.timeout.ms}: Kafka's own default, 15 minutes, as on a
     * production broker. A transactional producer asking for more is refused at
     * {@code initTransactions()}. Flink's {@code KafkaSink} asks for one hour unless the job sets
     * {@code transaction.timeout.ms}, so a job that forgets fails here as it would in production.
     */
    public static final int TRANSACTION_MAX_TIMEOUT_MS = 900_000;

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

    private final Path baseDir;
    private final KafkaClusterTestKit cluster;
    private final Admin admin;
    private final String bootstrapServers;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook = new Thread(this::close, "modelwatch-kafka-shutdown");

    private EmbeddedKafkaCluster(Path baseDir, KafkaClusterTestKit cluster) {
        this.baseDir = baseDir;
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "modelwatch-embedded-admin");
        this.admin = Admin.create(props);
    }

    /**
     * Formats, starts and waits until the broker is ready to serve clients. If the JVM exits
     * without {@link #close()} (Ctrl-C in the demo), a shutdown hook stops the broker and deletes
     * its data.
     */
    public static EmbeddedKafkaCluster start() {
        Path baseDir;
        try {
            baseDir = Files.createTempDirectory("modelwatch-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp directory for Kafka", e);
        }
        KafkaClusterTestKit cluster = null;
        EmbeddedKafkaCluster started = null;
        boolean ready = false;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    // The test kit defaults to the newest, still unstable metadata version; a
                    // real 4.x broker runs the latest production one.
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .setBaseDirectory(baseDir)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            brokerConfig().forEach(builder::setConfigProp);
            cluster = builder.setDeleteOnClose(true).build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            started = new EmbeddedKafkaCluster(baseDir, cluster);
            started.awaitBrokerVisible();
            Runtime.getRuntime().addShutdownHook(started.shutdownHook);
            ready = true;
            return started;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the embedded Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("embedded Kafka broker did not start: " + e, e);
        } finally {
            if (!ready) {
                // Also on Errors (a missing class): no broker threads or temp dirs left behind.
                try {
                    if (started != null) {
                        started.close();
                    } else if (cluster != null) {
                        cluster.close();
                    }
                } catch (Exception ignored) {
                    // the start failure is what the caller needs to see
                }
                deleteRecursively(baseDir);
            }
        }
    }

    /**
     * Kafka's storage formatter prints the whole bootstrap metadata to {@code System.out}, which
     * would open every demo with a screenful of records; nothing else runs yet, so stdout is
     * muted for the few milliseconds formatting takes.
     */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            cluster.format();
        } finally {
            System.setOut(stdout);
        }
    }

    /**
     * What makes a one-broker cluster behave like a production cluster for modelwatch: internal
     * topics that fit on one broker, exactly-once transactions, no implicit topics.
     */
    static Map<String, Object> brokerConfig() {
        return Map.ofEntries(
                // Internal topics default to 3 replicas: with one broker, group offsets and
                // transactions would wait forever for replicas that never come.
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                // 50 partitions each by default; a few are enough here and start faster.
                Map.entry("offsets.topic.num.partitions", "4"),
                Map.entry("transaction.state.log.num.partitions", "4"),
                Map.entry("transaction.max.timeout.ms", String.valueOf(TRANSACTION_MAX_TIMEOUT_MS)),
                // Every topic is created on purpose (createTopic), as in production; a typo in a
                // topic flag must not silently create an empty topic.
                Map.entry("auto.create.topics.enable", "false"),
                // A consumer group in a test or the demo should not wait 3 s for more members.
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("num.partitions", "1"),
                Map.entry("default.replication.factor", "1"),
                Map.entry("min.insync.replicas", "1"));
    }

    /** {@code host:port} of the broker's client listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates a topic (delete retention) and waits until every partition has a leader. */
    public void createTopic(String name, int partitions) {
        create(new NewTopic(name, partitions, (short) 1));
    }

    /**
     * Creates a log-compacted topic, as {@code monitor-control} is: the latest command per key is
     * kept forever. Waits until every partition has a leader.
     */
    public void createCompactedTopic(String name, int partitions) {
        create(new NewTopic(name, partitions, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    }

    private void create(NewTopic topic) {
        try {
            admin.createTopics(List.of(topic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitLeaders(topic.name(), topic.numPartitions());
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + topic.name() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + topic.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + topic.name(), e);
        }
    }

    /**
     * createTopics completes when the controller has committed the topic; the broker applies it
     * a moment later, first to its metadata cache (what clients are told) and then to its replica
     * manager (what accepts writes). A producer that comes in between is told
     * NOT_LEADER_OR_FOLLOWER and retries with a warning. So wait until the broker leads every
     * partition, checked in-process: the broker offers no notification, hence a short poll.
     */
    private void awaitLeaders(String topic, int partitions) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        for (BrokerServer broker : cluster.brokers().values()) {
            for (int p = 0; p < partitions; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                while (!servesAsLeader(broker, tp)) {
                    if (System.nanoTime() > deadline) {
                        throw new TimeoutException("broker does not lead " + tp + " after " + ADMIN_TIMEOUT);
                    }
                    TimeUnit.MILLISECONDS.sleep(5);
                }
            }
        }
    }

    private static boolean servesAsLeader(BrokerServer broker, TopicPartition tp) {
        if (broker.metadataCache().getLeaderAndIsr(tp.topic(), tp.partition()).isEmpty()) {
            return false;
        }
        scala.Option<Partition> partition = broker.replicaManager().onlinePartition(tp);
        return partition.isDefined() && partition.get().isLeader();
    }

    /**
     * Stops the broker as a broker process going down would: clients get "connection refused"
     * until {@link #startBroker()}; its logs, committed offsets and transaction state stay on
     * disk. The controller keeps running. For the fault-tolerance tests (a broker outage).
     */
    public void stopBroker() {
        for (BrokerServer broker : cluster.brokers().values()) {
            broker.shutdown();
            broker.awaitShutdown();
        }
    }

    /**
     * Starts the broker stopped by {@link #stopBroker()} again, on the same port with the same
     * data, and waits until it leads every partition again (the transaction coordinator and the
     * group coordinator load their state from their topics on the way).
     */
    public void startBroker() {
        try {
            for (BrokerServer broker : cluster.brokers().values()) {
                broker.startup();
            }
            cluster.waitForReadyBrokers();
            awaitBrokerVisible();
            Map<String, TopicDescription> topics = admin
                    .describeTopics(admin.listTopics(new ListTopicsOptions()
                            .listInternal(true)).names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                    .allTopicNames().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            for (TopicDescription t : topics.values()) {
                awaitLeaders(t.name(), t.partitions().size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting the embedded Kafka broker", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("embedded Kafka broker did not restart: " + e, e);
        }
    }

    /** The broker is "ready" to the test kit before its own metadata lists itself. */
    private void awaitBrokerVisible() throws InterruptedException, ExecutionException, TimeoutException {
        admin.describeCluster().nodes().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the broker and controller and deletes all their data. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException alreadyShuttingDownOrNotAdded) {
            // close() runs from the hook itself, or start() failed before adding it
        }
        RuntimeException failure = null;
        try {
            admin.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            RuntimeException stopFailure = new IllegalStateException("embedded Kafka did not stop cleanly", e);
            if (failure == null) {
                failure = stopFailure;
            } else {
                failure.addSuppressed(stopFailure);
            }
        }
        deleteRecursively(baseDir);
        if (failure != null) {
            throw failure;
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
