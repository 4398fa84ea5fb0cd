package io.modelwatch.cli;

import io.modelwatch.jobs.UsageException;
import io.modelwatch.jobs.RunOptions;
import io.modelwatch.config.ConfigException;
import java.util.Arrays;

/**
 * {@code bin/modelwatch COMMAND [flags]}. Exit codes: 0 done, 2 bad usage or configuration (one
 * line on stderr naming the setting), 1 failure.
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "modelwatch: watches ML models in production and says when one needs retraining.",
            "",
            "commands:",
            "  demo [--duration 5m] [--models 12]   embedded Kafka + Flink + simulated models, some drifting",
            "  run --bootstrap-servers HOST:PORT ... the monitoring job on an embedded Flink against your Kafka",
            "                                        (run --help for all flags; --bounded for a backtest);",
            "                                        Ctrl-C stops it with a savepoint (--from-savepoint resumes)",
            "  inspect --savepoint PATH              per model version: reference, events seen, open windows",
            "  bootstrap --input training.jsonl --out DIR",
            "                                        a savepoint with references from training data,",
            "                                        for run --from-savepoint DIR (no warm-up)",
            "  bench [--models 1000] [--events 1000000] [--latency --rate N]  end-to-end throughput (vs a pass-through baseline) or latency",
            "  dashboard --bootstrap-servers ...   live web page of model health and triggers (see --help)",
            "  profile --input training.jsonl --model ID [--version V] --out reference.json",
            "                                        a reference profile from training data (for run --references)",
            "",
            "The job jar (jobs/target/modelwatch-job.jar) takes the same flags as 'run' under 'flink run'.");

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "run" -> {
                    if (Arrays.asList(rest).contains("--help")) {
                        System.out.println(RunOptions.USAGE);
                        return 0;
                    }
                    return RunCommand.run(RunOptions.parse(rest), System.out, System.err);
                }
                case "inspect" -> {
                    return InspectCommand.run(rest, System.out);
                }
                case "bootstrap" -> {
                    return BootstrapCommand.run(rest, System.out);
                }
                case "demo" -> {
                    return DemoCommand.run(rest);
                }
                case "bench" -> {
                    return BenchCommand.run(rest);
                }
                case "dashboard" -> {
                    return DashboardCommand.run(rest);
                }
                case "profile" -> {
                    return ProfileCommand.run(rest, System.out);
                }
                default -> throw new UsageException("unknown command '" + args[0] + "' (try --help)");
            }
        } catch (ConfigException e) {
            System.err.println("modelwatch: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            System.err.println("modelwatch: failed: " + root);
            e.printStackTrace(System.err);
            return 1;
        }
    }
}
