package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.testing.KafkaTestBase;
import io.modelwatch.testing.RecoveryScenario;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka broker goes down mid-stream, with reports written in a transaction not yet committed,
 * and comes back on the same address with the same data (as a restarted broker pod does): the
 * job carries on by itself, and what it commits, read with read_committed, is exactly what an
 * undisturbed run of the same input commits. The upstream producer keeps sending during the
 * outage, as a real one would.
 *
 * <p>With Kafka's default client timeouts a 20 s outage is ridden out without a restart: sends,
 * transaction commits and checkpoints wait for the broker (up to {@code max.block.ms}, 1 min)
 * and complete once it is back. A longer outage fails the job, which then restarts from its last
 * checkpoint with back-off until the broker answers (docs/operations.md); that path is the one
 * {@link TaskManagerLossITCase} exercises.
 */
class KafkaOutageITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final int OUTAGE_MINUTE = 7;

    @Test
    void outageShorterThanTheClientTimeoutsIsRiddenOutWithoutARestart(
            @InjectMiniCluster MiniCluster flink, @TempDir Path dir) throws Exception {
        RecoveryScenario scenario = new RecoveryScenario(kafka, "short-outage", dir);
        JobClient job = startAndFeedUntilTheOutage(scenario);
        try {
            outage(scenario, () -> assertThat(awaitFailure(flink, job.getJobID(), Duration.ofSeconds(20)))
                    .as("the job failed during a 20 s outage").isFalse());
            finish(scenario, job);
        } finally {
            cancelAndAwait(job);
        }
        scenario.runReference();
        scenario.assertSameOutputsAsReference();
    }

    /** Minutes 0..OUTAGE_MINUTE-1 processed, reports committed at checkpoints. */
    private static JobClient startAndFeedUntilTheOutage(RecoveryScenario scenario, String... args) throws Exception {
        scenario.send(0, 4);
        JobClient job = scenario.start(args);
        scenario.awaitWindow(3);
        scenario.feed(4, OUTAGE_MINUTE);
        return job;
    }

    /**
     * Sends the outage minute, stops the broker once its reports are written (not yet committed),
     * sends the next minute while it is down, runs {@code whileDown}, and starts the broker again.
     */
    private static void outage(RecoveryScenario scenario, Runnable whileDown) throws Exception {
        // The upstream producer is connected before the outage, as a real one is.
        try (TopicWriter upstream = new TopicWriter(kafka.bootstrapServers())) {
            scenario.minutes(OUTAGE_MINUTE, OUTAGE_MINUTE + 1).forEach(upstream::send);
            upstream.flush();
            scenario.awaitWindowWritten(OUTAGE_MINUTE);
            kafka.stopBroker();
            // A producer blocks in send() until it has the topic's metadata again (max.block.ms,
            // 1 min), so this one sends from a thread of its own, as an application would.
            CompletableFuture<Void> sending = CompletableFuture.runAsync(
                    () -> scenario.minutes(OUTAGE_MINUTE + 1, OUTAGE_MINUTE + 2).forEach(upstream::send));
            whileDown.run();
            kafka.startBroker();
            sending.get(2, TimeUnit.MINUTES);
            upstream.flush();
        }
    }

    /** The rest of the traffic, once the windows of the outage have been committed. */
    private static void finish(RecoveryScenario scenario, JobClient job) throws Exception {
        scenario.awaitWindow(OUTAGE_MINUTE);
        scenario.awaitWindow(OUTAGE_MINUTE + 1);
        scenario.feed(OUTAGE_MINUTE + 2, RecoveryScenario.MINUTES);
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    /**
     * Whether the job has failed (and so restarted) within {@code timeout}. The execution graph
     * offers no notification, hence a short poll.
     */
    static boolean awaitFailure(MiniCluster flink, JobID job, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (flink.getExecutionGraph(job).get().getFailureInfo() == null) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
            return true;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the job's status", e);
        }
    }
}
