package io.modelwatch.jobs;

import io.modelwatch.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Before the job starts: is Kafka there, and does every topic exist and may we use it? A job
 * started against a missing topic would sit idle (inputs) or fail at its first checkpoint
 * (outputs); a one-line message naming the flag is kinder. Uses the same security settings as
 * the job ({@code --kafka-properties}), whose values are never printed.
 */
public final class KafkaPreflight {
    static final long TIMEOUT_SECONDS = 30;

    private KafkaPreflight() {}

    public static void check(RunOptions o) {
        Map<String, String> topics = new LinkedHashMap<>();
        topics.put(o.topics().predictions(), "--predictions-topic");
        topics.putIfAbsent(o.topics().labels(), "--labels-topic");
        topics.putIfAbsent(o.topics().control(), "--control-topic");
        topics.putIfAbsent(o.topics().triggers(), "--triggers-topic");
        topics.putIfAbsent(o.topics().health(), "--health-topic");
        topics.putIfAbsent(o.topics().deadLetters(), "--dead-letters-topic");
        Properties p = new Properties();
        p.putAll(o.kafkaProperties());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_SECONDS * 1000));
        try (Admin admin = Admin.create(p)) {
            try {
                admin.describeCluster().clusterId().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new ConfigException("--bootstrap-servers: no Kafka broker answered at " + o.bootstrapServers()
                        + " within " + TIMEOUT_SECONDS + "s (" + rootMessage(e) + ")");
            }
            var described = admin.describeTopics(topics.keySet()).topicNameValues();
            for (Map.Entry<String, String> t : topics.entrySet()) {
                try {
                    described.get(t.getKey()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        throw new ConfigException(t.getValue() + ": topic '" + t.getKey() + "' does not exist on "
                                + o.bootstrapServers() + " (create it, or name another with " + t.getValue() + ")");
                    }
                    if (e.getCause() instanceof TopicAuthorizationException) {
                        throw new ConfigException(t.getValue() + ": not authorised to use topic '" + t.getKey()
                                + "' (check the ACLs of the principal in --kafka-properties)");
                    }
                    throw new ConfigException(t.getValue() + ": cannot describe topic '" + t.getKey() + "': "
                            + rootMessage(e));
                } catch (TimeoutException e) {
                    throw new ConfigException(t.getValue() + ": no answer about topic '" + t.getKey() + "' within "
                            + TIMEOUT_SECONDS + "s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ConfigException("interrupted while checking the Kafka topics");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while checking Kafka");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage().lines().findFirst().orElse(""));
    }
}
