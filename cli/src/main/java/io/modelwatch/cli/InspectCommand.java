package io.modelwatch.cli;

import io.modelwatch.jobs.Flags;
import java.util.Set;
import io.modelwatch.jobs.UsageException;
import io.modelwatch.jobs.ModelState;
import io.modelwatch.jobs.SavepointInspector;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code bin/modelwatch inspect --savepoint PATH}: what the monitor has learned per model version,
 * read from a savepoint (or a retained checkpoint) without starting the job. To check a savepoint
 * before an upgrade, or to see which versions a deployment still tracks.
 */
final class InspectCommand {
    static final String USAGE = "usage: modelwatch inspect --savepoint PATH";

    private InspectCommand() {}

    static int run(String[] args, PrintStream out) throws Exception {
        String[] given = new String[1];
        boolean read = Flags.parse(args, Set.of(), (flag, v) -> {
            if (!flag.equals("--savepoint")) {
                throw Flags.unknown(flag);
            }
            given[0] = v;
        });
        if (!read) {
            out.println(USAGE);
            return 0;
        }
        String savepoint = given[0];
        if (savepoint == null || savepoint.isBlank()) {
            throw new UsageException("--savepoint: required (" + USAGE + ")");
        }
        if (!savepoint.contains("://") && !savepoint.startsWith("file:") && !Files.isDirectory(Path.of(savepoint))) {
            throw new UsageException("--savepoint: no such directory: " + savepoint);
        }
        Configuration conf = new Configuration();
        conf.setString("parallelism.default", "1");
        List<ModelState> states = SavepointInspector.read(StreamExecutionEnvironment.getExecutionEnvironment(conf), savepoint);
        print(states, out);
        return 0;
    }

    static void print(List<ModelState> states, PrintStream out) {
        String format = "%-24s %-10s %-10s %10s %12s %6s %8s %-24s%n";
        out.printf(format, "MODEL", "VERSION", "PHASE", "REFERENCE", "EVENTS SEEN", "OPEN", "DRIFTED", "LAST EVENT");
        for (ModelState s : states) {
            out.printf(format, s.modelId(), s.modelVersion(), s.phase(), s.referenceEvents(), s.eventsSeen(),
                    s.openWindows() + (s.accumulating() ? "+" : ""), s.recentDriftedWindows(),
                    s.lastEventTime() == null ? "-" : s.lastEventTime());
        }
        out.printf("%d model versions%n", states.size());
    }
}
