package io.modelwatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFlinkClusterITCase {

    @TempDir
    Path workDir;

    @Test
    void startsOneTaskManagerWithTheRequestedSlotsAndStopsBothProcesses() throws Exception {
        long start = System.nanoTime();
        LocalFlinkCluster cluster = LocalFlinkCluster.start(workDir, 2);
        System.out.printf("LocalFlinkCluster start-up: %d ms%n", Duration.ofNanos(System.nanoTime() - start).toMillis());
        Process jobManager = cluster.jobManagerProcess();
        Process taskManager = cluster.taskManagerProcess();
        try {
            JsonNode overview = cluster.overview();
            assertThat(overview.path("taskmanagers").asInt()).isEqualTo(1);
            assertThat(overview.path("slots-total").asInt()).isEqualTo(2);
            assertThat(overview.path("flink-version").asText()).isEqualTo("2.2.0");
            assertThat(cluster.restAddress()).isEqualTo("localhost:" + cluster.restPort());
            assertThat(cluster.configDir().resolve("config.yaml")).exists();
            assertThat(cluster.logDir().resolve("jobmanager.log")).exists();
            assertThat(cluster.logDir().resolve("taskmanager.log")).exists();
            assertThat(jobManager.isAlive()).isTrue();
            assertThat(taskManager.isAlive()).isTrue();
        } finally {
            cluster.close();
        }

        assertThat(jobManager.isAlive()).isFalse();
        assertThat(taskManager.isAlive()).isFalse();
        cluster.close(); // a second close is harmless
    }
}
