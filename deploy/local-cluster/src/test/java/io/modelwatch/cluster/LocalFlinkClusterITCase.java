package io.modelwatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
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

    @Test
    void submitsStopsWithSavepointAndRestoresAJobJar() throws Exception {
        Path jobJar = jarOf(CountingJob.class, workDir.resolve("counting-job.jar"));
        Duration timeout = Duration.ofMinutes(1);
        try (LocalFlinkCluster cluster = LocalFlinkCluster.start(workDir.resolve("cluster"), 2)) {
            String first = cluster.submit(jobJar, CountingJob.class.getName(), List.of());
            cluster.awaitJobStatus(first, "RUNNING", timeout);

            String savepoint = cluster.stopWithSavepoint(first, workDir.resolve("savepoints"), timeout);
            assertThat(cluster.jobStatus(first)).isEqualTo("FINISHED");
            assertThat(Path.of(java.net.URI.create(savepoint)).resolve("_metadata")).exists();

            String second = cluster.submit(jobJar, CountingJob.class.getName(), List.of(), savepoint);
            cluster.awaitJobStatus(second, "RUNNING", timeout);
            JsonNode restored = cluster.get("/jobs/" + second + "/checkpoints").path("latest").path("restored");
            assertThat(restored.path("external_path").asText()).isEqualTo(savepoint);

            cluster.cancel(second);
            cluster.awaitJobStatus(second, "CANCELED", timeout);
        }
    }

    /** A job jar holding just {@code jobClass} and its nested classes, from this module's test classes. */
    private static Path jarOf(Class<?> jobClass, Path jar) throws Exception {
        Path classes = Path.of(jobClass.getProtectionDomain().getCodeSource().getLocation().toURI());
        String packageDir = jobClass.getPackageName().replace('.', '/');
        String prefix = jobClass.getSimpleName();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.list(classes.resolve(packageDir))) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches(prefix + "(\\$.*)?\\.class")).toList()) {
                out.putNextEntry(new JarEntry(packageDir + "/" + file.getFileName()));
                Files.copy(file, (OutputStream) out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
