package io.modelwatch.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

/** Stopping the job with a savepoint: how {@code bin/modelwatch run} ends and how tests upgrade. */
public final class Savepoints {
    /** Long enough for the state of thousands of model versions on a slow disk. */
    public static final Duration STOP_TIMEOUT = Duration.ofMinutes(10);

    private Savepoints() {}

    /**
     * Stops the job with a savepoint into {@code dir} and waits until it has ended. No drain: the
     * watermark is not advanced to the end of time, so open windows, half-learned references and
     * partial escalations stay in the savepoint instead of being flushed as if the input had
     * ended. Canonical format, so any state backend and a changed job can restore it. The Kafka
     * sinks commit their last transactions as part of the stop.
     *
     * @return the savepoint's path (a URI, as {@code --from-savepoint} takes it)
     */
    /**
     * The newest complete checkpoint or savepoint under {@code stateDir} (its {@code _metadata}
     * is written last, so a directory with one is complete): what {@code run --state-dir DIR}
     * resumes from after a crash (checkpoints are retained when the process dies or the job is
     * cancelled) or after a stop with a savepoint.
     */
    public static Optional<Path> latestRestorePoint(Path stateDir) throws IOException {
        List<Path> candidates = new ArrayList<>();
        Path checkpoints = stateDir.resolve("checkpoints");
        if (Files.isDirectory(checkpoints)) {
            try (Stream<Path> jobs = Files.list(checkpoints)) {
                for (Path job : jobs.toList()) {
                    if (Files.isDirectory(job)) {
                        try (Stream<Path> chks = Files.list(job)) {
                            chks.filter(p -> p.getFileName().toString().startsWith("chk-")).forEach(candidates::add);
                        }
                    }
                }
            }
        }
        Path savepoints = stateDir.resolve("savepoints");
        if (Files.isDirectory(savepoints)) {
            try (Stream<Path> s = Files.list(savepoints)) {
                s.forEach(candidates::add);
            }
        }
        Path newest = null;
        long newestTime = Long.MIN_VALUE;
        for (Path c : candidates) {
            Path metadata = c.resolve("_metadata");
            if (Files.isRegularFile(metadata)) {
                long t = Files.getLastModifiedTime(metadata).toMillis();
                if (t > newestTime) {
                    newest = c;
                    newestTime = t;
                }
            }
        }
        return Optional.ofNullable(newest);
    }

    public static String stop(JobClient job, Path dir, Duration timeout) throws Exception {
        String path = job.stopWithSavepoint(false, dir.toAbsolutePath().toUri().toString(), SavepointFormatType.CANONICAL)
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        job.getJobExecutionResult().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return path;
    }
}
