package io.modelwatch.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Flink session cluster on this machine: one JobManager and one TaskManager, each its own JVM
 * process started from the jars a Flink distribution's {@code lib/} holds (assembled by this module
 * into {@code target/flink-lib}). Unlike a MiniCluster, the job jar is loaded by Flink's user-code
 * class loader on top of that classpath, exactly as in production, so a dependency missing from the
 * job jar or a savepoint that does not restore shows up here.
 *
 * <p>What {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} do, done in Java: compute the memory
 * parameters with {@code BashJavaUtils}, pass Flink's Java 17 {@code --add-opens} list, log to files,
 * and remember the processes so that {@link #close()} (or a JVM shutdown hook, if a test dies first)
 * stops exactly them.
 *
 * <pre>{@code
 * try (LocalFlinkCluster cluster = LocalFlinkCluster.start(tempDir, 2)) {
 *     String jobId = cluster.submit(jobJar, "io.modelwatch.jobs.MonitoringJob", args);
 *     cluster.awaitJobStatus(jobId, "RUNNING", Duration.ofMinutes(1));
 *     String savepoint = cluster.stopWithSavepoint(jobId, tempDir.resolve("sp"), Duration.ofMinutes(1));
 *     String upgraded = cluster.submit(newJobJar, "io.modelwatch.jobs.MonitoringJob", args, savepoint);
 * }
 * }</pre>
 */
public final class LocalFlinkCluster implements AutoCloseable {

    /** System property naming the directory of Flink's lib jars; overrides the location next to this class. */
    public static final String FLINK_LIB_PROPERTY = "modelwatch.flink.lib";
    /** Environment variable with the same meaning as {@link #FLINK_LIB_PROPERTY}. */
    public static final String FLINK_LIB_ENV = "MODELWATCH_FLINK_LIB";

    static final String JOB_MANAGER_MAIN =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    static final String BASH_JAVA_UTILS_MAIN = "org.apache.flink.runtime.util.bash.BashJavaUtils";
    private static final String BASH_JAVA_UTILS_RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";

    /**
     * The default {@code env.java.opts.all} of flink-dist 2.x's config.yaml ("required for Java 17
     * support"): Kryo, the closure cleaner and the network stack reflect into these JDK packages.
     */
    static final List<String> JAVA_17_OPTIONS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    /** Generous for two busy cores: an idle machine needs about 11 s. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration RESOURCE_PARAMS_TIMEOUT = Duration.ofMinutes(1);
    /** Time Flink gets to shut down cleanly on SIGTERM before it is killed. */
    private static final Duration GRACEFUL_STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STARTUP_POLL_TIMEOUT = Duration.ofSeconds(2);
    /** Running a job's main() to build its graph happens inside the upload-and-run request. */
    private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(2);
    private static final long POLL_MILLIS = 200;
    private static final Set<String> TERMINAL_JOB_STATES = Set.of("FINISHED", "FAILED", "CANCELED", "SUSPENDED");
    private static final int LOG_TAIL_LINES = 60;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path workDir;
    private final Path configDir;
    private final Path logDir;
    private final Path flinkLib;
    private final int slots;
    private final int rpcPort;
    private final int restPort;
    private final HttpClient http;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile Process jobManager;
    private volatile Process taskManager;

    private LocalFlinkCluster(Path workDir, int slots, Path flinkLib, int rpcPort, int restPort) {
        this.workDir = workDir.toAbsolutePath();
        this.configDir = this.workDir.resolve("conf");
        this.logDir = this.workDir.resolve("log");
        this.flinkLib = flinkLib.toAbsolutePath();
        this.slots = slots;
        this.rpcPort = rpcPort;
        this.restPort = restPort;
        this.http = HttpClient.newBuilder()
                // Flink's REST server speaks HTTP/1.1 only; no h2c upgrade attempts.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.shutdownHook = new Thread(this::destroyProcesses, "local-flink-cluster-shutdown");
    }

    /**
     * Starts a JobManager and a TaskManager with {@code slots} slots, with configuration, logs,
     * checkpoints and savepoints under {@code workDir}, and returns once the TaskManager has registered.
     * Flink's jars are taken from {@link #defaultFlinkLib()}.
     *
     * @throws IOException if the cluster does not come up within two minutes; everything started is
     *     stopped again and the message carries the tail of the logs
     */
    public static LocalFlinkCluster start(Path workDir, int slots) throws IOException {
        return start(workDir, slots, defaultFlinkLib());
    }

    /** As {@link #start(Path, int)}, with Flink's lib jars taken from {@code flinkLib}. */
    public static LocalFlinkCluster start(Path workDir, int slots, Path flinkLib) throws IOException {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, was " + slots);
        }
        for (int attempt = 1; ; attempt++) {
            int[] ports = freePorts(2);
            LocalFlinkCluster cluster = new LocalFlinkCluster(workDir, slots, flinkLib, ports[0], ports[1]);
            try {
                cluster.boot();
                return cluster;
            } catch (IOException e) {
                cluster.close();
                // The ports were free when picked, but another process on this shared machine may
                // have taken one before the JobManager bound it: once more with new ports.
                if (attempt >= 2 || !cluster.jobManagerCouldNotBind()) {
                    throw e;
                }
            } catch (RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
        }
    }

    /**
     * Where Flink's lib jars are: the {@value #FLINK_LIB_PROPERTY} system property, else the
     * {@value #FLINK_LIB_ENV} environment variable, else {@code target/flink-lib} of this module, found
     * from where this class was loaded ({@code target/classes} or the module's jar in {@code target/}).
     */
    public static Path defaultFlinkLib() {
        String configured = System.getProperty(FLINK_LIB_PROPERTY, System.getenv(FLINK_LIB_ENV));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        CodeSource codeSource = LocalFlinkCluster.class.getProtectionDomain().getCodeSource();
        if (codeSource == null || codeSource.getLocation() == null) {
            throw new IllegalStateException("Cannot locate Flink's lib directory; set -D" + FLINK_LIB_PROPERTY);
        }
        Path location;
        try {
            location = Path.of(codeSource.getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("Cannot locate Flink's lib directory; set -D" + FLINK_LIB_PROPERTY, e);
        }
        Path candidate = location.getParent().resolve("flink-lib"); // target/classes or target/x.jar -> target
        if (!Files.isDirectory(candidate)) {
            throw new IllegalStateException("No Flink lib directory at " + candidate + " (this class was loaded from "
                    + location + "). Build it with `mvn -pl deploy/local-cluster package`, or set -D"
                    + FLINK_LIB_PROPERTY + " / " + FLINK_LIB_ENV + ".");
        }
        return candidate;
    }

    public int restPort() {
        return restPort;
    }

    /** {@code localhost:PORT}, as {@code CliFrontend run -m} takes it. */
    public String restAddress() {
        return "localhost:" + restPort;
    }

    /** The directory holding config.yaml and log4j.properties; use it as {@code FLINK_CONF_DIR}. */
    public Path configDir() {
        return configDir;
    }

    /** jobmanager.log, taskmanager.log and the processes' stdout/stderr ({@code *.out}). */
    public Path logDir() {
        return logDir;
    }

    public Path workDir() {
        return workDir;
    }

    /** The default target of savepoints ({@code execution.checkpointing.savepoint-dir}). */
    public Path savepointDir() {
        return workDir.resolve("savepoints");
    }

    public long jobManagerPid() {
        return jobManager.pid();
    }

    public long taskManagerPid() {
        return taskManager.pid();
    }

    Process jobManagerProcess() {
        return jobManager;
    }

    Process taskManagerProcess() {
        return taskManager;
    }

    // ---------------------------------------------------------------------------------------------
    // Jobs, through the REST API (what the web UI and `flink run` use)
    // ---------------------------------------------------------------------------------------------

    /** Uploads {@code jobJar}, runs {@code entryClass} with {@code args} and returns the job id. */
    public String submit(Path jobJar, String entryClass, List<String> args) throws IOException {
        return submit(jobJar, entryClass, args, null, false, null);
    }

    /** As {@link #submit(Path, String, List)}, restoring from {@code savepointPath} (if not null). */
    public String submit(Path jobJar, String entryClass, List<String> args, String savepointPath)
            throws IOException {
        return submit(jobJar, entryClass, args, savepointPath, false, null);
    }

    /**
     * Uploads {@code jobJar} ({@code POST /jars/upload}) and runs it ({@code POST /jars/:jarid/run}).
     *
     * @param savepointPath savepoint or retained checkpoint to restore from; null to start empty
     * @param allowNonRestoredState whether state of operators no longer in the graph may be dropped
     * @param parallelism the job's default parallelism; null for the cluster's {@code parallelism.default}
     * @return the job id
     */
    public String submit(Path jobJar, String entryClass, List<String> args, String savepointPath,
            boolean allowNonRestoredState, Integer parallelism) throws IOException {
        String jarId = upload(jobJar);
        ObjectNode body = JSON.createObjectNode();
        body.put("entryClass", entryClass);
        body.putPOJO("programArgsList", List.copyOf(args));
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
            body.put("allowNonRestoredState", allowNonRestoredState);
        }
        if (parallelism != null) {
            body.put("parallelism", parallelism);
        }
        JsonNode response = send(HttpRequest.newBuilder(uri("/jars/" + jarId + "/run"))
                .timeout(SUBMIT_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(), 200);
        return requiredText(response, "jobid");
    }

    /** The job's status: INITIALIZING, CREATED, RUNNING, FINISHED, FAILED, CANCELED, ... */
    public String jobStatus(String jobId) throws IOException {
        return requiredText(get("/jobs/" + jobId), "state");
    }

    /**
     * Polls until the job is in {@code status}. For RUNNING it also waits until every task is running
     * (or finished), since only then can a savepoint be taken.
     *
     * @throws IOException if the time is up, or the job reached another terminal state (with its
     *     latest exception)
     */
    public void awaitJobStatus(String jobId, String status, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "unknown";
        while (true) {
            JsonNode job = getOrNull("/jobs/" + jobId);
            if (job != null) {
                last = requiredText(job, "state");
                if (last.equals(status) && (!"RUNNING".equals(status) || allTasksRunning(job))) {
                    return;
                }
                if (TERMINAL_JOB_STATES.contains(last) && !last.equals(status)) {
                    throw new IOException("Job " + jobId + " is " + last + ", not " + status + "."
                            + latestException(jobId));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("Job " + jobId + " not " + status + " within " + timeout + "; last status "
                        + last + "." + latestException(jobId));
            }
            pause();
        }
    }

    /**
     * Stops the job with a savepoint ({@code POST /jobs/:jobid/stop}, without draining, so event-time
     * windows stay open in the savepoint), waits until the job has stopped (FINISHED) and returns the
     * savepoint's path.
     *
     * @param targetDir where to write the savepoint; null for {@link #savepointDir()}
     * @throws IOException if the savepoint fails (with Flink's cause) or does not complete in time
     */
    public String stopWithSavepoint(String jobId, Path targetDir, Duration timeout) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (targetDir != null) {
            body.put("targetDirectory", targetDir.toAbsolutePath().toUri().toString());
        }
        body.put("drain", false);
        JsonNode trigger = send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "/stop"))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(), 202);
        String triggerId = requiredText(trigger, "request-id");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode result = get("/jobs/" + jobId + "/savepoints/" + triggerId);
            if ("COMPLETED".equals(result.path("status").path("id").asText())) {
                JsonNode operation = result.path("operation");
                if (operation.hasNonNull("location")) {
                    awaitTerminal(jobId, timeout, deadline);
                    return operation.get("location").asText();
                }
                JsonNode cause = operation.path("failure-cause");
                throw new IOException("Stop-with-savepoint of job " + jobId + " failed: "
                        + cause.path("class").asText("") + "\n" + cause.path("stack-trace").asText(cause.toString()));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("Stop-with-savepoint of job " + jobId + " not complete within " + timeout
                        + ": " + result);
            }
            pause();
        }
    }

    /** The savepoint is complete a moment before the job has stopped and given back its slots. */
    private void awaitTerminal(String jobId, Duration timeout, long deadline) throws IOException {
        while (!TERMINAL_JOB_STATES.contains(jobStatus(jobId))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("Job " + jobId + " took its savepoint but did not stop within " + timeout);
            }
            pause();
        }
    }

    /** Cancels the job ({@code PATCH /jobs/:jobid}); returns without waiting for CANCELED. */
    public void cancel(String jobId) throws IOException {
        send(HttpRequest.newBuilder(uri("/jobs/" + jobId))
                .timeout(REQUEST_TIMEOUT)
                .method("PATCH", BodyPublishers.noBody())
                .build(), 202);
    }

    /** {@code GET /overview}: taskmanagers, slots-total, slots-available, jobs-running, flink-version, ... */
    public JsonNode overview() throws IOException {
        return get("/overview");
    }

    /**
     * {@code GET} of any REST resource, e.g. {@code /jobs/:jobid/checkpoints}; see Flink's REST API
     * reference.
     */
    public JsonNode get(String path) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT).GET().build(), 200);
    }

    // ---------------------------------------------------------------------------------------------
    // Shutting down
    // ---------------------------------------------------------------------------------------------

    /**
     * Stops both processes: SIGTERM, so Flink shuts down cleanly, then SIGKILL after 15 s. Safe to call
     * more than once.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        destroyProcesses();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException alreadyShuttingDownOrNotRegistered) {
            // nothing to undo
        }
    }

    /**
     * Leaves the processes running after this JVM exits (for the command line): no shutdown hook, and
     * {@link #close()} does nothing. They are then stopped by their pids.
     */
    void detach() {
        closed.set(true);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // nothing to undo
        }
    }

    private void destroyProcesses() {
        // TaskManager first, as stop-cluster.sh does, so it does not spend the JobManager's shutdown
        // trying to reconnect; both get SIGTERM before either is waited for.
        List<Process> started = Stream.of(taskManager, jobManager).filter(p -> p != null).toList();
        started.forEach(Process::destroy);
        for (Process process : started) {
            try {
                if (!process.waitFor(GRACEFUL_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(GRACEFUL_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Starting
    // ---------------------------------------------------------------------------------------------

    private void boot() throws IOException {
        if (!Files.isDirectory(flinkLib) || classpath().isEmpty()) {
            throw new IOException("No Flink jars in " + flinkLib);
        }
        for (Path dir : List.of(configDir, logDir, workDir.resolve("tmp"), workDir.resolve("plugins"),
                workDir.resolve("checkpoints"), savepointDir())) {
            Files.createDirectories(dir);
        }
        Files.writeString(configDir.resolve("config.yaml"), configYaml());
        Files.writeString(configDir.resolve("log4j.properties"), log4jProperties());

        Runtime.getRuntime().addShutdownHook(shutdownHook);
        long startNanos = System.nanoTime();
        jobManager = launch("jobmanager", JOB_MANAGER_MAIN, resourceParams("GET_JM_RESOURCE_PARAMS"));
        // Computed while the JobManager boots.
        taskManager = launch("taskmanager", TASK_MANAGER_MAIN, resourceParams("GET_TM_RESOURCE_PARAMS"));
        awaitTaskManagerRegistered(startNanos + STARTUP_TIMEOUT.toNanos());
    }

    private String configYaml() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("jobmanager.rpc.address", "localhost");
        config.put("jobmanager.rpc.port", Integer.toString(rpcPort));
        config.put("jobmanager.bind-host", "localhost");
        config.put("jobmanager.memory.process.size", "1024m");
        config.put("jobmanager.execution.failover-strategy", "region");
        config.put("taskmanager.bind-host", "localhost");
        config.put("taskmanager.host", "localhost");
        config.put("taskmanager.numberOfTaskSlots", Integer.toString(slots));
        // The TaskManager refuses to start below about 1536m (fixed network, managed and metaspace sizes).
        config.put("taskmanager.memory.process.size", "1728m");
        config.put("rest.address", "localhost");
        config.put("rest.bind-address", "localhost");
        config.put("rest.port", Integer.toString(restPort));
        // The TaskManager's first registration attempt usually beats the ResourceManager; the retry
        // comes after this delay (default 10 s), which is most of the start-up time otherwise.
        config.put("cluster.registration.error-delay", "1s");
        config.put("parallelism.default", "1");
        config.put("state.backend.type", "rocksdb");
        config.put("execution.checkpointing.dir", quoted(workDir.resolve("checkpoints").toUri().toString()));
        config.put("execution.checkpointing.savepoint-dir", quoted(savepointDir().toUri().toString()));
        config.put("io.tmp.dirs", quoted(workDir.resolve("tmp").toString()));
        config.put("web.tmpdir", quoted(workDir.resolve("tmp").toString()));
        // Read by bin/flink when this directory is used as FLINK_CONF_DIR of a real distribution;
        // this class passes the same options itself.
        config.put("env.java.opts.all", quoted(String.join(" ", JAVA_17_OPTIONS)));
        StringBuilder yaml = new StringBuilder("# Written by ").append(LocalFlinkCluster.class.getName()).append('\n');
        config.forEach((key, value) -> yaml.append(key).append(": ").append(value).append('\n'));
        return yaml.toString();
    }

    /** Flink's standard conf/log4j.properties: everything at INFO into the file named by -Dlog.file. */
    private static String log4jProperties() {
        return """
                # Flink's standard log4j.properties (flink-dist conf/): one rolling file per process.
                monitorInterval=30
                rootLogger.level = INFO
                rootLogger.appenderRef.file.ref = MainAppender
                logger.pekko.name = org.apache.pekko
                logger.pekko.level = INFO
                logger.kafka.name = org.apache.kafka
                logger.kafka.level = INFO
                logger.hadoop.name = org.apache.hadoop
                logger.hadoop.level = WARN
                logger.zookeeper.name = org.apache.zookeeper
                logger.zookeeper.level = INFO
                logger.shaded_zookeeper.name = org.apache.flink.shaded.zookeeper3
                logger.shaded_zookeeper.level = INFO
                appender.main.name = MainAppender
                appender.main.type = RollingFile
                appender.main.append = true
                appender.main.fileName = ${sys:log.file}
                appender.main.filePattern = ${sys:log.file}.%i
                appender.main.layout.type = PatternLayout
                appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
                appender.main.policies.type = Policies
                appender.main.policies.size.type = SizeBasedTriggeringPolicy
                appender.main.policies.size.size = 100MB
                appender.main.policies.startup.type = OnStartupTriggeringPolicy
                appender.main.strategy.type = DefaultRolloverStrategy
                appender.main.strategy.max = ${env:MAX_LOG_FILE_NUMBER:-10}
                logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
                logger.netty.level = OFF
                """;
    }

    /** JVM options and {@code -D key=value} dynamic properties, as {@code BashJavaUtils} computes them. */
    private record ResourceParams(List<String> jvmOptions, List<String> dynamicProperties) {}

    /**
     * Runs {@code BashJavaUtils} as {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} do. Its
     * output has exactly two result lines: the JVM memory options (-Xmx, -Xms, -XX:MaxDirectMemorySize,
     * -XX:MaxMetaspaceSize) and the derived memory and CPU settings; a TaskManager started without the
     * latter exits with "taskmanager.cpu.cores is not set".
     */
    private ResourceParams resourceParams(String command) throws IOException {
        Path output = logDir.resolve("bash-java-utils-" + command + ".out");
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(logOptions(logDir.resolve("bash-java-utils-" + command + ".log")));
        cmd.addAll(List.of("-classpath", classpath(), BASH_JAVA_UTILS_MAIN, command, "--configDir", configDir.toString()));
        Process process = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        process.getOutputStream().close();
        try {
            if (!process.waitFor(RESOURCE_PARAMS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(command + " did not finish within " + RESOURCE_PARAMS_TIMEOUT);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw interrupted(e);
        }
        List<String> results = Files.readAllLines(output).stream()
                .filter(line -> line.startsWith(BASH_JAVA_UTILS_RESULT_PREFIX))
                .map(line -> line.substring(BASH_JAVA_UTILS_RESULT_PREFIX.length()).trim())
                .toList();
        if (process.exitValue() != 0 || results.size() != 2) {
            throw new IOException(command + " failed (exit code " + process.exitValue() + "):\n" + tail(output));
        }
        return new ResourceParams(tokens(results.get(0)), tokens(results.get(1)));
    }

    private Process launch(String name, String mainClass, ResourceParams params) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(params.jvmOptions());
        cmd.addAll(JAVA_17_OPTIONS);
        cmd.addAll(logOptions(logDir.resolve(name + ".log")));
        cmd.addAll(List.of("-classpath", classpath(), mainClass, "--configDir", configDir.toString()));
        cmd.addAll(params.dynamicProperties());
        Files.writeString(logDir.resolve(name + ".cmd"), String.join(" ", cmd) + "\n");
        ProcessBuilder builder = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".out").toFile()));
        builder.environment().put("FLINK_CONF_DIR", configDir.toString());
        builder.environment().put("FLINK_LOG_DIR", logDir.toString());
        builder.environment().put("FLINK_PLUGINS_DIR", workDir.resolve("plugins").toString());
        Process process = builder.start();
        process.getOutputStream().close(); // nothing reads stdin; do not tie the process to ours
        return process;
    }

    private boolean jobManagerCouldNotBind() {
        try {
            // "java.net.BindException: Could not start rest endpoint on any port in port range N"
            Path log = logDir.resolve("jobmanager.log");
            return Files.exists(log) && Files.readString(log).contains("java.net.BindException");
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> logOptions(Path logFile) {
        String config = logFile.getParent().getParent().resolve("conf").resolve("log4j.properties").toUri().toString();
        return List.of("-Dlog.file=" + logFile, "-Dlog4j.configuration=" + config, "-Dlog4j.configurationFile=" + config);
    }

    private void awaitTaskManagerRegistered(long deadlineNanos) throws IOException {
        String last = "no answer from " + uri("/overview");
        while (true) {
            for (Process process : List.of(jobManager, taskManager)) {
                if (!process.isAlive()) {
                    throw new IOException("The " + (process == jobManager ? "JobManager" : "TaskManager")
                            + " exited with code " + process.exitValue() + " during start-up." + logTails());
                }
            }
            try {
                // A short timeout: whatever answers on the port may not be Flink (a process that took
                // the port first accepts connections and never replies), and the processes must be
                // checked again soon.
                JsonNode overview = send(HttpRequest.newBuilder(uri("/overview")).timeout(STARTUP_POLL_TIMEOUT).GET().build(), 200);
                last = overview.toString();
                if (overview.path("taskmanagers").asInt() >= 1 && overview.path("slots-total").asInt() == slots) {
                    return;
                }
            } catch (ConnectException notListeningYet) {
                // the JobManager's REST endpoint is not up yet
            } catch (IOException e) {
                last = e.toString();
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new IOException("No TaskManager with " + slots + " slots registered within " + STARTUP_TIMEOUT
                        + "; last /overview: " + last + logTails());
            }
            pause();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    private String upload(Path jobJar) throws IOException {
        String boundary = "----modelwatch" + UUID.randomUUID();
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jobJar.getFileName() + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        JsonNode response = send(HttpRequest.newBuilder(uri("/jars/upload"))
                .timeout(SUBMIT_TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(BodyPublishers.concat(
                        BodyPublishers.ofString(head),
                        BodyPublishers.ofFile(jobJar),
                        BodyPublishers.ofString(tail)))
                .build(), 200);
        // {"filename": "/.../flink-web-upload/<uuid>_<name>.jar", "status": "success"}; the id is the file name.
        return Path.of(requiredText(response, "filename")).getFileName().toString();
    }

    private static boolean allTasksRunning(JsonNode job) {
        for (JsonNode vertex : job.path("vertices")) {
            String status = vertex.path("status").asText();
            if (!status.equals("RUNNING") && !status.equals("FINISHED")) {
                return false;
            }
        }
        return true;
    }

    private String latestException(String jobId) {
        try {
            JsonNode entries = get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries");
            if (entries.isEmpty()) {
                return "";
            }
            String trace = entries.get(0).path("stacktrace").asText();
            return "\nLatest exception:\n" + trace.lines().limit(40).collect(Collectors.joining("\n"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** GET, or null on 404 (a job just submitted may not be known yet). */
    private JsonNode getOrNull(String path) throws IOException {
        HttpResponse<String> response = exchange(HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT).GET().build());
        if (response.statusCode() == 404) {
            return null;
        }
        return parse(response, 200);
    }

    private JsonNode send(HttpRequest request, int expectedStatus) throws IOException {
        return parse(exchange(request), expectedStatus);
    }

    private HttpResponse<String> exchange(HttpRequest request) throws IOException {
        try {
            return http.send(request, BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    private static JsonNode parse(HttpResponse<String> response, int expectedStatus) throws IOException {
        if (response.statusCode() != expectedStatus) {
            throw new IOException(response.request().method() + " " + response.request().uri() + " answered "
                    + response.statusCode() + ": " + response.body());
        }
        return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private static String requiredText(JsonNode node, String field) throws IOException {
        if (!node.hasNonNull(field)) {
            throw new IOException("No \"" + field + "\" in " + node);
        }
        return node.get(field).asText();
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + restPort + path);
    }

    private String classpath() {
        try (Stream<Path> jars = Files.list(flinkLib)) {
            return jars.filter(jar -> jar.getFileName().toString().endsWith(".jar"))
                    .sorted()
                    .map(Path::toString)
                    .collect(Collectors.joining(java.io.File.pathSeparator));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> tokens(String line) {
        return Arrays.stream(line.trim().split("\\s+")).filter(token -> !token.isEmpty()).toList();
    }

    private static String quoted(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Free ports at the time of asking, all different (held open together, then released). */
    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private String logTails() {
        StringBuilder tails = new StringBuilder();
        for (String name : List.of("jobmanager.out", "jobmanager.log", "taskmanager.out", "taskmanager.log")) {
            Path file = logDir.resolve(name);
            if (Files.exists(file)) {
                tails.append("\n===== ").append(file).append(" (last ").append(LOG_TAIL_LINES).append(" lines) =====\n")
                        .append(tail(file));
            }
        }
        return tails.toString();
    }

    /** The last lines of a file, reading at most its last 64 KiB. */
    private static String tail(Path file) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long start = Math.max(0, length - 64 * 1024);
            byte[] bytes = new byte[(int) (length - start)];
            raf.seek(start);
            raf.readFully(bytes);
            List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    private static InterruptedIOException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        InterruptedIOException io = new InterruptedIOException("interrupted");
        io.initCause(e);
        return io;
    }
}
