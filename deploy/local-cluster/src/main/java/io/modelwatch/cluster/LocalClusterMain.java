package io.modelwatch.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Command line of {@code start.sh}: {@code start --work-dir DIR [--slots N]} starts a {@link LocalFlinkCluster},
 * writes the process ids to {@code DIR/pids} and the REST address to {@code DIR/rest-address}, prints
 * the web UI's URL and exits, leaving the cluster running. {@code stop.sh} stops it by those pids.
 */
public final class LocalClusterMain {

    private LocalClusterMain() {}

    public static void main(String[] args) throws IOException {
        Path workDir = null;
        int slots = 2;
        if (args.length == 0 || !args[0].equals("start")) {
            usage("expected the command 'start'");
        }
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--work-dir" -> workDir = Path.of(value(args, ++i));
                case "--slots" -> slots = Integer.parseInt(value(args, ++i));
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (workDir == null) {
            usage("--work-dir is required");
        }
        Path pids = workDir.resolve("pids");
        if (Files.exists(pids)) {
            usage(pids + " exists: is a cluster already running there? Stop it with stop.sh first.");
        }

        long start = System.nanoTime();
        LocalFlinkCluster cluster = LocalFlinkCluster.start(workDir, slots);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        cluster.detach();
        Files.writeString(pids, cluster.jobManagerPid() + "\n" + cluster.taskManagerPid() + "\n");
        Files.writeString(workDir.resolve("rest-address"), cluster.restAddress() + "\n");

        System.out.printf("Flink session cluster up in %.1f s (JobManager pid %d, TaskManager pid %d, %d slots)%n",
                took.toMillis() / 1000.0, cluster.jobManagerPid(), cluster.taskManagerPid(), slots);
        System.out.println("Web UI and REST API: http://" + cluster.restAddress());
        System.out.println("FLINK_CONF_DIR:      " + cluster.configDir());
        System.out.println("Logs:                " + cluster.logDir());
        System.out.println("Stop with:           stop.sh --work-dir " + workDir);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: start --work-dir DIR [--slots N]");
        System.exit(2);
    }
}
