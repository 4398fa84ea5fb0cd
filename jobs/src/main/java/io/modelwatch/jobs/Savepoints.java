package io.modelwatch.jobs;

import java.nio.file.Path;
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
    public static String stop(JobClient job, Path dir, Duration timeout) throws Exception {
        String path = job.stopWithSavepoint(false, dir.toAbsolutePath().toUri().toString(), SavepointFormatType.CANONICAL)
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        job.getJobExecutionResult().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return path;
    }
}
