package io.modelwatch.evaluation;

import io.modelwatch.jobs.Flags;
import java.util.Set;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/evaluate [--events N] [--replicas R] [--seed S] [--ci] [--out FILE]}: runs every
 * scenario through the job, prints progress and the result tables, checks the goals, and exits 0
 * when they all hold, 1 when one does not, 2 on bad usage.
 */
public final class Evaluate {
    static final String USAGE = "usage: evaluate [--events 1000000] [--replicas 20] [--seed 42] [--ci] [--out FILE]"
            + " [--only SCENARIO_PREFIX[,PREFIX...]] [--show-flags]";

    private Evaluate() {}

    /** Every window flagged where nothing had changed, with the statistics that flagged it. */
    static void printFalseFlags(List<ModelRun> runs, EvaluationRun.Result result) {
        java.util.Map<String, ModelRun> byId = new java.util.HashMap<>();
        runs.forEach(r -> byId.put(r.modelId(), r));
        System.out.println("\nwindows flagged before any change:");
        result.reports().stream()
                .filter(r -> r.status().equals(io.modelwatch.model.HealthReport.DRIFTING) && r.revision() == 0)
                .filter(r -> Baselines.end(r) <= byId.get(r.modelId()).scoredChangeStart())
                .sorted(java.util.Comparator.comparing(io.modelwatch.model.HealthReport::modelId)
                        .thenComparing(io.modelwatch.model.HealthReport::windowEnd))
                .forEach(r -> {
                    StringBuilder sb = new StringBuilder("  " + r.modelId() + " " + r.windowEnd() + " (" + r.events()
                            + " events):");
                    java.util.List<io.modelwatch.model.HealthReport.FeatureHealth> all =
                            new java.util.ArrayList<>(java.util.List.of(r.features()));
                    all.add(r.prediction());
                    for (io.modelwatch.model.HealthReport.FeatureHealth f : all) {
                        for (io.modelwatch.model.HealthReport.DriftStatistic d : f.drift()) {
                            if (d.drifted()) {
                                sb.append(String.format(Locale.ROOT, " %s.%s=%.4g(>=%s)", f.name(), d.statistic(),
                                        d.value(), d.threshold()));
                            }
                        }
                    }
                    System.out.println(sb);
                });
    }

    public static void main(String[] args) throws Exception {
        // What the flags set, in the order given (--ci replaces the sizes set before it).
        var given = new Object() {
            EvaluationRun.Settings s = EvaluationRun.Settings.full();
            Path out;
            String only;
            boolean showFlags;
        };
        try {
            boolean read = Flags.parse(args, Set.of("--ci", "--show-flags"), (flag, v) -> {
                EvaluationRun.Settings s = given.s;
                switch (flag) {
                    case "--ci" -> given.s = EvaluationRun.Settings.ci();
                    case "--events" -> given.s = new EvaluationRun.Settings(Flags.longInteger(flag, v), s.replicas(),
                            s.preDriftWindows(), s.postDriftWindows(), s.seed(), s.parallelism());
                    case "--replicas" -> given.s = new EvaluationRun.Settings(s.stationaryEvents(), Flags.integer(flag, v),
                            s.preDriftWindows(), s.postDriftWindows(), s.seed(), s.parallelism());
                    case "--seed" -> given.s = new EvaluationRun.Settings(s.stationaryEvents(), s.replicas(),
                            s.preDriftWindows(), s.postDriftWindows(), Flags.longInteger(flag, v), s.parallelism());
                    case "--out" -> given.out = Path.of(v);
                    case "--only" -> given.only = v;
                    case "--show-flags" -> given.showFlags = true;
                    default -> throw Flags.unknown(flag);
                }
            });
            if (!read) {
                System.out.println(USAGE);
                return;
            }
        } catch (RuntimeException e) {
            System.err.println("evaluate: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        }
        EvaluationRun.Settings s = given.s;
        Path out = given.out;
        String only = given.only;
        boolean showFlags = given.showFlags;

        // Several prefixes, comma-separated: a change and its stationary counterpart together.
        List<String> prefixes = only == null ? List.of() : List.of(only.split(","));
        List<ModelRun> runs = EvaluationRun.plan(s).stream()
                .filter(r -> prefixes.isEmpty() || prefixes.stream().anyMatch(r.scenario().name()::startsWith)).toList();
        if (runs.isEmpty()) {
            System.err.println("evaluate: no scenario starts with '" + only + "'");
            System.exit(2);
        }
        try {
            EvaluationRun.requireTrafficPastSilence(runs);
        } catch (IllegalArgumentException e) {
            System.err.println("evaluate: " + e.getMessage());
            System.exit(2);
        }
        long total = runs.stream().mapToLong(ModelRun::events).sum();
        System.out.printf(Locale.ROOT, "evaluate: %d models, %,d events (%,d per stationary scenario, %d replicas "
                + "per change)%n", runs.size(), total, s.stationaryEvents(), s.replicas());
        Thread progress = new Thread(() -> {
            long startNanos = System.nanoTime();
            try {
                while (true) {
                    Thread.sleep(10_000);
                    long n = ScenarioSource.EMITTED.get();
                    double secs = (System.nanoTime() - startNanos) / 1e9;
                    long t = ScenarioSource.EVENT_TIME.get();
                    System.out.printf(Locale.ROOT, "  %5.1f%%  %,d events  %,.0f/s  event time %s%n",
                            100.0 * n / total, n, n / secs, t == Long.MIN_VALUE ? "-" : Instant.ofEpochMilli(t));
                }
            } catch (InterruptedException e) {
                // done
            }
        }, "evaluate-progress");
        progress.setDaemon(true);
        progress.start();
        EvaluationRun.Result result = EvaluationRun.execute(s, runs);
        progress.interrupt();

        List<Scoring.ScenarioScore> scores = Scoring.score(result);
        if (showFlags) {
            printFalseFlags(runs, result);
        }
        String report = Report.markdown(s, result, scores);
        System.out.println();
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report, StandardCharsets.UTF_8);
            System.out.println("written to " + out);
        }
        List<String> failures = Goals.check(scores);
        List<String> margins = Goals.margins(scores);
        if (failures.isEmpty()) {
            System.out.println("goals: all met");
        } else {
            System.out.println("goals NOT met:");
            failures.forEach(f -> System.out.println("  - " + f));
        }
        if (!margins.isEmpty()) {
            System.out.println("margins not met:");
            margins.forEach(f -> System.out.println("  - " + f));
        }
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
