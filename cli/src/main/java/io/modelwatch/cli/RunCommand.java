package io.modelwatch.cli;

import io.modelwatch.jobs.RunOptions;
import io.modelwatch.jobs.FlinkSettings;
import io.modelwatch.jobs.KafkaPreflight;
import io.modelwatch.jobs.KafkaEndpoints;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.jobs.Savepoints;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import sun.misc.Signal;

/**
 * {@code bin/modelwatch run}. A bounded run (a backtest) ends by itself. An unbounded run ends
 * when the user stops it (Ctrl-C, SIGTERM, the terminal closing): the job is then stopped with a
 * savepoint into {@code --state-dir}/savepoints, and the path printed on stdout as one line,
 * {@value #SAVEPOINT_WRITTEN} PATH, so a later {@code run --from-savepoint PATH} with changed
 * thresholds or a new version continues with everything the monitor learned.
 *
 * <p>The signals are caught (not left to a JVM shutdown hook) so the savepoint is taken while the
 * embedded Flink is still whole: in a shutdown hook it would race Flink's own hooks, which close
 * the blob server and delete the task managers' working directories. A second Ctrl-C during the
 * savepoint cancels the job without one. Where signals cannot be caught (a JVM started with
 * {@code -Xrs}), a shutdown hook tries the same as a last resort.
 */
final class RunCommand {
    static final String SAVEPOINT_WRITTEN = "modelwatch: savepoint written to";
    private static final String[] SIGNALS = {"INT", "TERM", "HUP"};

    private final JobClient job;
    private final Path savepointDir;
    private final PrintStream out;
    private final PrintStream err;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CompletableFuture<String> stopped = new CompletableFuture<>();

    private RunCommand(JobClient job, Path savepointDir, PrintStream out, PrintStream err) {
        this.job = job;
        this.savepointDir = savepointDir;
        this.out = out;
        this.err = err;
    }

    static int run(RunOptions options, PrintStream out, PrintStream err) throws Exception {
        KafkaPreflight.check(options);
        if (options.stateDir() != null && options.fromSavepoint() == null) {
            // After a crash (kill -9, a lost machine) or a stop with a savepoint, the same
            // --state-dir continues where the last run left off.
            var latest = Savepoints.latestRestorePoint(options.stateDir());
            if (latest.isPresent()) {
                options = options.withFromSavepoint(latest.get().toUri().toString());
                err.println("modelwatch: resuming from " + latest.get() + " (the newest checkpoint or savepoint in"
                        + " --state-dir)");
            }
        }
        err.println("modelwatch: running " + (options.bounded() ? "bounded (backtest) " : "") + "against "
                + options.bootstrapServers() + ", thresholds " + options.thresholds().version()
                + (options.fromSavepoint() == null ? "" : ", from savepoint " + options.fromSavepoint()));
        if (options.bounded()) {
            MonitoringJob.run(options);
            err.println("modelwatch: done");
            return 0;
        }
        Path savepointDir;
        if (options.stateDir() != null) {
            savepointDir = options.stateDir().resolve("savepoints");
        } else {
            savepointDir = Files.createTempDirectory("modelwatch-savepoints-");
            err.println("modelwatch: no --state-dir: checkpoints stay in memory, and the savepoint taken on"
                    + " stop goes to " + savepointDir);
        }
        StreamExecutionEnvironment env = FlinkSettings.environment(options);
        MonitoringJob.build(env, KafkaEndpoints.sources(options), KafkaEndpoints.sinks(options), options.jobConfig());
        RunCommand run = new RunCommand(env.executeAsync(options.jobName()), savepointDir, out, err);
        run.catchStopSignals();
        err.println("modelwatch: job " + run.job.getJobID() + " running; Ctrl-C or SIGTERM stops it with a savepoint"
                + " into " + savepointDir);
        try {
            run.job.getJobExecutionResult().get();
        } catch (Exception e) {
            if (!run.stopping.get()) {
                throw e;
            }
            // Cancelled after a failed or aborted stop: reported below.
        }
        if (!run.stopping.get()) {
            err.println("modelwatch: the job ended by itself");
            return 0;
        }
        try {
            run.stopped.get();
            return 0;
        } catch (Exception e) {
            return 1;
        }
    }

    private void catchStopSignals() {
        try {
            for (String name : SIGNALS) {
                Signal.handle(new Signal(name), s -> onSignal());
            }
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::stopWithSavepoint, "modelwatch-savepoint-on-exit"));
        }
    }

    private void onSignal() {
        if (stopping.get()) {
            err.println("modelwatch: interrupted again: cancelling the job without a savepoint");
            job.cancel();
            stopped.completeExceptionally(new IllegalStateException("cancelled without a savepoint"));
            return;
        }
        // Off the signal dispatcher thread, so a second signal can still be handled.
        Thread t = new Thread(this::stopWithSavepoint, "modelwatch-stop-with-savepoint");
        t.start();
    }

    /** Stops the job with a savepoint and prints its path; idempotent. */
    void stopWithSavepoint() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        err.println("modelwatch: stopping with a savepoint into " + savepointDir + " (Ctrl-C again to cancel without one)");
        try {
            Files.createDirectories(savepointDir);
            String path = Savepoints.stop(job, savepointDir, Savepoints.STOP_TIMEOUT);
            out.println(SAVEPOINT_WRITTEN + " " + path);
            out.flush();
            stopped.complete(path);
        } catch (Exception e) {
            if (stopped.isDone()) {
                return;
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            err.println("modelwatch: stop with savepoint failed, cancelling the job: " + root);
            job.cancel();
            stopped.completeExceptionally(e);
        }
    }
}
