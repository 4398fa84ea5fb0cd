package io.modelwatch.testing;

import io.modelwatch.jobs.RunOptions;
import io.modelwatch.jobs.FlinkSettings;
import io.modelwatch.jobs.KafkaEndpoints;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * One in-process Kafka broker per test class with the contract's topics under their default
 * names ({@code predictions} with two partitions, so watermarks come from more than one), and a
 * read_committed reader of the outputs.
 */
public abstract class KafkaTestBase {
    /**
     * {@code --idleness} of the tests whose input is in the topic before the job starts. Short,
     * so an empty labels topic stops holding back the watermark soon; not shorter, because a
     * source reader starved of CPU for longer than this on a loaded machine has its partitions
     * marked idle, the other reader's watermark runs ahead and the starved partition's events
     * arrive late (observed at 2 s with load averages of 30 to 60). Production's default is 1 min.
     */
    public static final String IDLENESS = "8s";

    public static final List<String> TOPICS =
            List.of("predictions", "labels", "monitor-control", "retrain-triggers", "model-health", "dead-letters");

    protected static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaCluster.start();
        for (String t : TOPICS) {
            if (t.equals("monitor-control")) {
                kafka.createCompactedTopic(t, 1);
            } else {
                kafka.createTopic(t, t.equals("predictions") ? 2 : 1);
            }
        }
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    /**
     * A Flink MiniCluster for a test class: one TaskManager with two slots, enough for the jobs'
     * parallelism of 2 (the default of one slot would leave them waiting for resources).
     * Register it in the class: {@code @RegisterExtension static final MiniClusterExtension FLINK = miniCluster();}
     */
    protected static MiniClusterExtension miniCluster() {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());
    }

    /** Everything committed to {@code topic}, as {@code type}, each record checked against its schema ({@link ContractSchemas}). */
    protected static <T> List<T> read(String topic, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.readAll(kafka.bootstrapServers(), topic)) {
            out.add(ContractSchemas.read(r.value(), type));
        }
        return out;
    }

    /**
     * Submits the job {@code run} would start with these flags (the same graph, Kafka sources and
     * exactly-once sinks) to the test's MiniCluster, and returns without waiting for it.
     */
    public static JobClient submit(RunOptions o) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.of(o));
        MonitoringJob.build(env, KafkaEndpoints.sources(o), KafkaEndpoints.sinks(o), o.jobConfig());
        return env.executeAsync(o.jobName());
    }

    /**
     * Cancels a job and waits until it has ended. The cancel's acknowledgement comes while tasks are
     * still cancelled (a checkpoint may still be writing to the test's directory, which JUnit then
     * fails to delete); the job's result completes once every task has ended.
     */
    public static void cancelAndAwait(JobClient job) throws Exception {
        job.cancel().get(2, TimeUnit.MINUTES);
        try {
            job.getJobExecutionResult().get(2, TimeUnit.MINUTES);
        } catch (ExecutionException cancelled) {
            // The result of a cancelled job: ended.
        }
    }
}
