package io.modelwatch.cli;

import io.modelwatch.jobs.UsageException;
import io.modelwatch.jobs.Topics;
import io.modelwatch.bench.Workload;
import io.modelwatch.cli.BenchCommand.Settings;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.jobs.FlinkSettings;
import io.modelwatch.jobs.JobConfig;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.model.ModelKey;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/**
 * {@code bin/modelwatch bench --grid}: the job at its default flags and thresholds on the traffic
 * users have, cell by cell: models x events per model-minute, references still learning or given
 * up front (complete), labels off or on; each cell against the pass-through baseline on the same
 * data in the same run, then one table (docs/benchmarks.md).
 *
 * <p>Every cell gets the same number of events ({@code --events}); a cell where that leaves a
 * model fewer than {@link #MIN_WINDOWS} one-minute windows is left out (it would measure the
 * start of the job, not its steady state).
 */
final class BenchGrid {
    static final long DEFAULT_EVENTS_PER_CELL = 2_000_000;
    /** The table reports the last pass: the first of a cell runs with the JIT compiler still busy. */
    static final int DEFAULT_PASSES = 2;
    static final int MIN_WINDOWS = 3;
    /** How late (event time) a label comes after its prediction; well inside the 24 h horizon. */
    static final Duration LABEL_DELAY = Duration.ofMinutes(10);

    private BenchGrid() {}

    /**
     * One cell. {@code references} (model key to reference bytes, as {@code run --references} gives
     * them) is null while the references are learned from the traffic.
     */
    record Cell(int models, double perModelMinute, boolean completeReferences, double labelFraction, long events,
            Map<String, byte[]> references) {
        double windowsPerModel() {
            return events / (double) models / perModelMinute;
        }

        String name() {
            return String.format(Locale.ROOT, "%,d models, %s events per model-minute, references %s, labels %s",
                    models, number(perModelMinute), completeReferences ? "complete" : "learning",
                    labelFraction > 0 ? "on" : "off");
        }
    }

    /** What the command line asked for; {@link #build} makes the cells. */
    static final class Spec {
        int[] models = {1_000, 10_000, 100_000};
        double[] rates = {1, 10, 60, 500};
        boolean[] completeReferences = {false, true};
        boolean[] labels = {false, true};
        double labelFraction = 0.1;
        boolean liveState = true;

        void set(String flag, String value) {
            String[] parts = value.split(",");
            switch (flag) {
                case "--grid-models" -> models = Arrays.stream(parts).mapToInt(p -> Integer.parseInt(p.trim())).toArray();
                case "--grid-rates" -> rates = Arrays.stream(parts).mapToDouble(p -> Double.parseDouble(p.trim())).toArray();
                case "--grid-references" -> completeReferences = choices(flag, parts, "learning", "complete");
                case "--grid-labels" -> labels = choices(flag, parts, "off", "on");
                case "--label-fraction" -> labelFraction = Double.parseDouble(value);
                default -> throw new IllegalArgumentException(flag);
            }
            if (Arrays.stream(models).anyMatch(m -> m < 1) || Arrays.stream(rates).anyMatch(r -> !(r > 0))
                    || !(labelFraction > 0 && labelFraction <= 1)) {
                throw new UsageException(flag + ": models and rates must be positive, --label-fraction in (0, 1]");
            }
        }

        private static boolean[] choices(String flag, String[] parts, String no, String yes) {
            boolean[] out = new boolean[parts.length];
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i].trim();
                if (!p.equals(no) && !p.equals(yes)) {
                    throw new UsageException(flag + ": '" + p + "' is neither " + no + " nor " + yes);
                }
                out[i] = p.equals(yes);
            }
            return out;
        }

        Plan build(long eventsPerCell, int passes) {
            List<Cell> cells = new ArrayList<>();
            List<String> leftOut = new ArrayList<>();
            for (int m : models) {
                for (double r : rates) {
                    for (boolean complete : completeReferences) {
                        for (boolean l : labels) {
                            Cell c = new Cell(m, r, complete, l ? labelFraction : 0, eventsPerCell, null);
                            if (eventsPerCell < m || c.windowsPerModel() < MIN_WINDOWS) {
                                leftOut.add(c.name());
                            } else {
                                cells.add(c);
                            }
                        }
                    }
                }
            }
            return new Plan(cells, leftOut, passes, liveState);
        }
    }

    record Plan(List<Cell> cells, List<String> leftOut, int passes, boolean liveState) {}

    /** One cell's figures: its last pass, and the live state (null when not measured). */
    record Result(Cell cell, BenchCommand.Run baseline, BenchCommand.Run monitor, BenchCommand.LiveState live) {}

    static int run(Settings base, Plan plan) throws Exception {
        ThresholdsConfig thresholds = ThresholdsConfig.defaultConfig();
        System.out.printf(Locale.ROOT, "modelwatch bench --grid: %d cells of %,d events (%d numeric + %d categorical "
                + "features, every event with a predictionId), default flags and thresholds, parallelism %d, "
                + "checkpoints every %s, %d pass(es) per cell (the table shows the last)%n", plan.cells().size(),
                plan.cells().isEmpty() ? 0 : plan.cells().get(0).events(), base.numeric(), base.categorical(),
                base.parallelism(), io.modelwatch.config.DurationParser.format(base.checkpointInterval()),
                plan.passes());
        for (String c : plan.leftOut()) {
            System.out.println("  left out (fewer than " + MIN_WINDOWS + " windows per model): " + c);
        }
        if (plan.cells().isEmpty()) {
            throw new UsageException("--grid: no cell left with at least " + MIN_WINDOWS + " windows per model; "
                    + "raise --events");
        }
        Settings settings = new Settings(base.models(), base.events(), base.numeric(), base.categorical(),
                base.parallelism(), base.checkpointInterval(), base.baseline(), plan.passes(), false, 0,
                base.duration(), base.driftAfter(), base.window(), base.outOfOrderness(), null, base.openProfiles());
        Workload workload = settings.workload();
        byte[] reference = null;
        List<Result> results = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < plan.cells().size(); i++) {
            Cell cell = plan.cells().get(i);
            System.out.printf(Locale.ROOT, "%n=== cell %d of %d: %s (%,d events, %.1f windows per model; %.0f min "
                    + "so far)%n", i + 1, plan.cells().size(), cell.name(), cell.events(), cell.windowsPerModel(),
                    (System.nanoTime() - t0) / 60e9);
            if (cell.completeReferences()) {
                if (reference == null) {
                    reference = reference(workload, thresholds.defaults());
                }
                Map<String, byte[]> refs = new HashMap<>();
                for (int m = 0; m < cell.models(); m++) {
                    refs.put(ModelKey.of(BenchCommand.modelId(m), "1"), reference);
                }
                cell = new Cell(cell.models(), cell.perModelMinute(), true, cell.labelFraction(), cell.events(), refs);
            }
            Result r = cell(settings.withCell(cell), thresholds, plan.liveState());
            results.add(r);
            System.out.println("  " + row(r, base));
        }
        System.out.printf(Locale.ROOT, "%ngrid summary (%d cells, %.0f min; the last pass of each cell; ratio of "
                + "modelwatch to the pass-through baseline on the same data: wall time / CPU time; per core: "
                + "modelwatch events/s over %d cores; state: canonical savepoint of the running job after every "
                + "event, per model and per model and numeric feature without the label join's predictions waiting "
                + "for their labels, the label join's bytes per waiting prediction, and the performance monitor's per window "
                + "report kept for revisions, included in state/model):%n", results.size(),
                (System.nanoTime() - t0) / 60e9, Runtime.getRuntime().availableProcessors());
        System.out.println(HEADER);
        for (Result r : results) {
            System.out.println(row(r, base));
        }
        return 0;
    }

    static final String HEADER = String.format(Locale.ROOT,
            "%-8s %7s %-8s %-6s %10s %8s %10s %10s %11s %9s %8s %5s %11s %9s %9s %8s",
            "models", "ev/m-min", "refs", "labels", "events", "windows", "baseline/s", "monitor/s", "ratio w/cpu",
            "per core", "us/event", "JIT", "state/model", "/num.feat", "B/waiting", "B/report");

    static String row(Result r, Settings base) {
        Cell c = r.cell();
        double perSecond = r.monitor().eventsPerSecond(c.events());
        String ratio = r.baseline() == null ? "-" : String.format(Locale.ROOT, "%.2f/%.2f",
                perSecond / r.baseline().eventsPerSecond(c.events()), r.baseline().cpuSeconds() / r.monitor().cpuSeconds());
        // The live state apart from the predictions waiting for their labels, whose price is per
        // waiting prediction (their number is bounded by the predictions with an id within the
        // label horizon, not by the models).
        BenchCommand.LiveState live = r.live();
        String state = live == null ? "-" : String.format(Locale.ROOT, "%,d", live.restBytes() / c.models());
        String perFeature = live == null || base.numeric() == 0 ? "-"
                : String.format(Locale.ROOT, "%,d", live.restBytes() / c.models() / base.numeric());
        String perWaiting = live == null || live.waitingPredictions() <= 0 ? "-"
                : String.format(Locale.ROOT, "%,d", live.bytesPerWaitingPrediction());
        // Included in state/model; apart, since a version keeps label.horizon / window.size of
        // them (1,440 at the defaults) however short the run.
        String perReport = live == null || live.reportsKept() <= 0 ? "-"
                : String.format(Locale.ROOT, "%,d", live.bytesPerReportKept());
        // The JIT compiler's share of modelwatch's CPU in the pass shown: near zero once the code
        // has settled, which is what the figures beside it are meant to be.
        Double jit = r.monitor().cpuByTask().get("JIT compiler");
        String jitShare = jit == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * jit / r.monitor().cpuSeconds());
        return String.format(Locale.ROOT, "%-8s %7s %-8s %-6s %10s %8.1f %10s %10s %11s %9s %8.1f %5s %11s %9s %9s %8s",
                String.format(Locale.ROOT, "%,d", c.models()), number(c.perModelMinute()),
                c.completeReferences() ? "complete" : "learning", c.labelFraction() > 0 ? "on" : "off",
                String.format(Locale.ROOT, "%,d", c.events()), c.windowsPerModel(),
                r.baseline() == null ? "-" : String.format(Locale.ROOT, "%,.0f", r.baseline().eventsPerSecond(c.events())),
                String.format(Locale.ROOT, "%,.0f", perSecond), ratio,
                String.format(Locale.ROOT, "%,.0f", perSecond / Runtime.getRuntime().availableProcessors()),
                r.monitor().cpuSeconds() * 1e6 / c.events(), jitShare, state, perFeature, perWaiting, perReport);
    }

    private static String number(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** One cell: its own broker and data, one embedded cluster for its passes, then the live state. */
    private static Result cell(Settings s, ThresholdsConfig thresholds, boolean liveState) throws Exception {
        Topics topics = Topics.defaults();
        try (EmbeddedKafkaCluster kafka = BenchCommand.broker(topics)) {
            long labels = BenchCommand.fill(kafka.bootstrapServers(), topics.predictions(), topics.labels(), s);
            Path dir = Files.createTempDirectory("modelwatch-bench-grid-");
            int port = BenchCommand.freePort();
            Configuration clusterConf = FlinkSettings.embedded(FlinkSettings.of(BenchCommand.options(
                    kafka.bootstrapServers(), s, thresholds, dir.resolve("cluster"), true,
                    JobConfig.DEFAULT_OUT_OF_ORDERNESS, null)));
            clusterConf.setString("rest.port", String.valueOf(port));
            BenchCommand.PassResult last = null;
            try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(clusterConf).setNumTaskManagers(1).setNumSlotsPerTaskManager(s.parallelism())
                    .build())) {
                cluster.start();
                for (int pass = 1; pass <= s.passes(); pass++) {
                    System.out.printf(Locale.ROOT, "pass %d of %d%n", pass, s.passes());
                    last = BenchCommand.pass(kafka, cluster, port, s, thresholds, dir.resolve("pass-" + pass),
                            "bench-" + pass);
                }
            }
            BenchCommand.LiveState live = liveState
                    ? BenchCommand.liveState(kafka, s, thresholds, dir.resolve("live-state"), labels) : null;
            return new Result(s.cell(), last.baseline(), last.monitor(), live);
        }
    }

    /**
     * A complete reference of the workload's distribution, learned from the default
     * {@code reference.events} events as {@code modelwatch profile} learns one (the same for every
     * model: the bench's models share the distribution).
     */
    static byte[] reference(Workload workload, Thresholds t) {
        SplittableRandom random = new SplittableRandom(4242);
        List<io.modelwatch.model.PredictionEvent> events = new ArrayList<>();
        for (int i = 0; i < t.referenceEvents(); i++) {
            String json = workload.json(random, "reference", BenchCommand.START_MILLIS + i);
            PredictionEventParser.Result p = PredictionEventParser.parse(json.getBytes(StandardCharsets.UTF_8));
            events.add(p.event());
        }
        return ReferenceBuilder.fromData(events, t.numericBins(), t.categoryBins()).toBytes();
    }
}
