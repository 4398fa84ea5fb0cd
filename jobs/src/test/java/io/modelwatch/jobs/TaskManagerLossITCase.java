package io.modelwatch.jobs;

import java.util.concurrent.TimeUnit;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.testing.KafkaTestBase;
import io.modelwatch.testing.RecoveryScenario;
import java.nio.file.Path;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TaskManager running every task of the job is lost mid-stream, with reports written but not
 * yet committed: the job restarts by itself from its last checkpoint (the restart strategy of
 * {@link FlinkSettings}) on a spare TaskManager, and what it commits, read with read_committed, is
 * exactly what an undisturbed run of the same input commits: no report or trigger lost with the
 * TaskManager, none doubled by the replay.
 */
class TaskManagerLossITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    /** The window of this minute is in flight when the TaskManager goes; the drift escalates after it. */
    static final int FAULT_MINUTE = 7;

    @Test
    void jobRestartsFromItsLastCheckpointAndCommitsEveryOutputExactlyOnce(
            @InjectMiniCluster MiniCluster flink, @TempDir Path dir) throws Exception {
        RecoveryScenario scenario = new RecoveryScenario(kafka, "tm-loss", dir);
        scenario.send(0, 4);
        JobClient job = scenario.start();
        try {
            // Checkpoints have completed and reports are committed before the fault.
            scenario.awaitWindow(3);
            scenario.feed(4, FAULT_MINUTE);

            scenario.send(FAULT_MINUTE, FAULT_MINUTE + 1);
            // A replacement joins first, as a spare of a standalone cluster would. (Started only
            // after the loss, the MiniCluster left the restarted job without slots in about one
            // run in three: no task was deployed for the 90 s the test waits.)
            flink.startTaskManager();
            scenario.awaitWindowWritten(FAULT_MINUTE);
            flink.terminateTaskManager(0).get(2, TimeUnit.MINUTES);

            // The rest of the traffic arrives while the job restarts and after.
            scenario.awaitWindow(FAULT_MINUTE);
            scenario.feed(FAULT_MINUTE + 1, RecoveryScenario.MINUTES);
            assertThat(flink.getExecutionGraph(job.getJobID()).get().getFailureInfo())
                    .as("the job failed and restarted").isNotNull();
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            cancelAndAwait(job);
        }

        scenario.runReference();
        scenario.assertSameOutputsAsReference();
    }
}
