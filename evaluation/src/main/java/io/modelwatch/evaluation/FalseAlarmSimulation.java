package io.modelwatch.evaluation;

import io.modelwatch.jobs.Flags;
import java.util.Set;
import io.modelwatch.config.Thresholds;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.QualityEvaluator;
import io.modelwatch.detect.SequentialEvidence;
import io.modelwatch.detect.SequentialMonitor;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The false-alarm rate at the defaults as an expected run time: how many years of one-minute
 * windows pass, per model version, before an unchanged model raises a retraining trigger
 * (docs/detection.md, "False triggers as a run time").
 *
 * <p>For every feature kind and reference size it draws {@code references} model versions. Each
 * learns its reference from {@code n} events of a stationary stream, as the job does (first
 * {@code n} events, frozen from the learning profile), and then judges {@code windows} windows of
 * 1,000 events (the default {@code window.minEvents}) of the same stream, in order, through the
 * detection code the job runs per window: {@link SequentialMonitor}, {@link DriftEvaluator} and
 * {@link QualityEvaluator}, and sends on the signals the job sends
 * ({@link WindowVerdict#judge}, weighted by {@code EvidenceWeight}). Every window
 * also gets the job's early-close look ({@link WindowVerdict#decisive}) at its 500th event,
 * as on a stream whose minute boundary falls there; a decisive span is judged at once. All windows
 * of one version share its reference, so the correlation an unlucky reference causes is in the
 * simulation. The escalation is the job's CEP rule ({@code EscalationPattern}) per reason:
 * signals whose weights sum to {@code escalation.windows} (3) with window ends less than
 * {@code escalation.within} (10 minutes) apart make a trigger, the windows of a match never start
 * another, and a trigger is followed by {@code escalation.cooldown} (24 h) of silence.
 *
 * <p>Two estimates come out. The direct one counts triggers. The simulated time is short against
 * the years being measured, so there is also one through the escalation rule
 * ({@link #completesMatch(double[], int, int)}): windows independently weigh w or more with
 * probability {@code atLeast[w]}, a window completes a match when it signals and the weights of
 * the 9 windows before it make up the rest. {@code q = atLeast[1]} is taken at the upper end of its
 * one-sided 95% confidence interval from all signalled windows of the kind and size (exact Poisson
 * bound: 3 / windows when none signalled); the heavier tail from {@link #weightTail}. The table
 * reports the larger of the two rates as years per false trigger. Two things this cannot see by
 * itself, and what covers them: windows that signal in runs (the sequential detectors carry state)
 * are triggers, which the direct count sees; and references unlucky enough to make their version's
 * windows signal again and again, rarer than one in the number of versions simulated, are bounded
 * by the reference margins of the floors ({@link DriftEvaluator#REFERENCE_STANDARD_ERRORS}: one in
 * a million per share). The largest number of signalled windows of any one version is reported,
 * to show whether signals cluster.
 *
 * <p>Run: {@code bin/false-alarms [--references R] [--windows W] [--sizes 180,500,5000]
 * [--kinds continuous,...] [--seed S]}.
 */
public final class FalseAlarmSimulation {
    static final int WINDOW_EVENTS = 1000;
    static final long MINUTE = 60_000;
    static final double WINDOWS_PER_YEAR = 365.25 * 24 * 60;

    /** One stationary feature kind: fills feature x (and the prediction) of one event. */
    public enum Kind {
        CONTINUOUS("normal"),
        HEAVY_TAILED("Cauchy"),
        DISCRETE("Poisson(3) count"),
        DOMINANT("99% zero, 1% log-normal"),
        RARE_FLAG("0/1 flag, 1% ones"),
        MISSING_60("normal, 60% missing"),
        CATEGORIES_300("300 categories, Zipf"),
        HARD_LABEL("prediction a hard 0/1 label, 20% ones"),
        CORRELATED("12 features tied by a Gaussian copula (pairwise 0.5, 0.8 in one pair): normal, Cauchy, count, "
                + "99% zero, 1% flag (these two not in the joint summary), 60% missing; the pair tests' null"),
        SCORE_ESTIMATED("calibrated score sigmoid(x), x normal with sd 3.4 (accuracy 0.85), "
                + "performance.estimatedDecay on: the estimated decay's null");

        final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    private static final double[] ZIPF_300 = Draws.zipfCumulative(300, 1.0);
    private static final String[] CITIES = new String[300];

    static {
        for (int i = 0; i < CITIES.length; i++) {
            CITIES[i] = "c" + i;
        }
    }

    static final String[] CORRELATED_NAMES = {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
        "x11"};

    /**
     * Every feature kind of the suite at once, pairwise correlated: feature {@code i} reads
     * {@code z_i = sqrt(1/2) f + sqrt(1/2) e_i} (one common factor, so every pair has copula
     * correlation 1/2), x1 is {@code 0.8 z_0 + 0.6 e} instead; the marginals are normal (x0, x1, x6),
     * Cauchy (x2, x7: z over an independent normal), a count (x3, x8: floor of z + 3, at least 0),
     * 99% zero (x4), a 1% flag (x5), normal with 60% missing (x9, x10), and log-normal (x11).
     */
    static PredictionEvent correlatedEvent(SplittableRandom r, long timestamp) {
        double f = r.nextGaussian();
        int n = CORRELATED_NAMES.length;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = Math.sqrt(0.5) * f + Math.sqrt(0.5) * r.nextGaussian();
        }
        z[1] = 0.8 * z[0] + 0.6 * r.nextGaussian();
        byte[] kinds = new byte[n];
        java.util.Arrays.fill(kinds, ValueKind.NUMERIC);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i) {
                case 2, 7 -> z[i] / r.nextGaussian();
                case 3, 8 -> Math.max(0, Math.floor(z[i] + 3));
                case 4 -> z[i] > 2.326 ? Math.exp(z[i]) : 0;
                case 5 -> z[i] > 2.326 ? 1 : 0;
                case 11 -> Math.exp(z[i]);
                default -> z[i];
            };
        }
        for (int i : new int[] {9, 10}) {
            if (r.nextDouble() < 0.6) {
                kinds[i] = ValueKind.MISSING;
                x[i] = 0;
            }
        }
        return new PredictionEvent("sim", "1", "p", timestamp, CORRELATED_NAMES, kinds, x, new String[n],
                ValueKind.NUMERIC, r.nextDouble(), null);
    }

    static PredictionEvent event(Kind kind, SplittableRandom r, long timestamp) {
        if (kind == Kind.CORRELATED) {
            return correlatedEvent(r, timestamp);
        }
        byte k = ValueKind.NUMERIC;
        double x = 0;
        String c = null;
        switch (kind) {
            case CONTINUOUS, HARD_LABEL -> x = r.nextGaussian();
            case SCORE_ESTIMATED -> x = 3.4 * r.nextGaussian();
            case HEAVY_TAILED -> x = Draws.cauchy(r);
            case DISCRETE -> x = Draws.poisson(r, 3);
            case DOMINANT -> x = r.nextDouble() < 0.99 ? 0 : Draws.logNormal(r, 0, 1);
            case RARE_FLAG -> x = r.nextDouble() < 0.01 ? 1 : 0;
            case MISSING_60 -> {
                if (r.nextDouble() < 0.6) {
                    k = ValueKind.MISSING;
                } else {
                    x = r.nextGaussian();
                }
            }
            case CATEGORIES_300 -> {
                k = ValueKind.CATEGORICAL;
                c = CITIES[Draws.fromCumulative(r, ZIPF_300)];
            }
            default -> throw new IllegalArgumentException(kind.name());
        }
        double prediction = kind == Kind.HARD_LABEL ? (r.nextDouble() < 0.2 ? 1 : 0)
                : kind == Kind.SCORE_ESTIMATED ? Draws.sigmoid(x) : r.nextDouble();
        return new PredictionEvent("sim", "1", "p", timestamp, new String[] {"x"}, new byte[] {k},
                new double[] {x}, new String[] {c}, ValueKind.NUMERIC, prediction, null);
    }

    /**
     * The outcome for one kind and reference size.
     *
     * @param heavyWindows signalled windows with a signal of weight 2 or more
     * @param closedEarly windows the early-close look judged at half their events
     */
    public record Result(Kind kind, int referenceEvents, int references, long windows, long signalledWindows,
            long heavyWindows, long closedEarly, long triggers, int mostInOneVersion, Map<String, Long> evidence) {
        /** Triggers per window: the larger of the direct and the escalation-rule estimate. */
        double rate() {
            Thresholds t = Thresholds.defaults();
            double q = Math.min(1, poissonUpper95(signalledWindows) / windows);
            double viaRule = completesMatch(weightTail(q, (double) heavyWindows / windows, t), t.escalationWindows(),
                    (int) (t.escalationWithin().toMillis() / MINUTE));
            return Math.max((double) triggers / windows, viaRule);
        }

        double years() {
            return 1 / (rate() * WINDOWS_PER_YEAR);
        }
    }

    /**
     * P(weight >= w) of a window, w = 1..k, for the escalation-rule estimate: {@code q} for w = 1;
     * for w >= 2 the larger of the share of windows seen with weight 2 or more and
     * {@code q alpha^(w-1)}. The latter is EvidenceWeight's bound (weight w needs a p-value at most
     * alpha^w, where one flag needs alpha), scaled by how far the measured flag rate q is above
     * alpha's own: it assumes that the p-values' tail below alpha is no worse calibrated than at
     * alpha, which the run cannot check below one in its number of windows. alpha is the larger of
     * {@code drift.fdr} and {@code quality.pValue}. Without weights, every window weighs 1.
     */
    static double[] weightTail(double q, double heavySeen, Thresholds t) {
        int k = t.escalationWindows();
        double alpha = Math.max(t.falseDiscoveryRate(), t.qualityPValue());
        double[] atLeast = new double[k + 1];
        atLeast[0] = 1;
        atLeast[1] = q;
        for (int w = 2; w <= k; w++) {
            atLeast[w] = t.escalationWeighted() ? Math.min(q, Math.max(heavySeen, q * Math.pow(alpha, w - 1))) : 0;
        }
        return atLeast;
    }

    /**
     * The escalation of one reason, as {@code EscalationPattern} decides it: signals whose
     * weights ({@link DriftSignal#windowsCounted()}) sum to {@code escalation.windows} and whose
     * windows end less than {@code escalation.within} apart make a match; skip past the last
     * signal; a match within {@code escalation.cooldown} of the last trigger is silenced.
     */
    static final class Escalation {
        final int windows;
        final int within;
        final int cooldown;
        final boolean weighted;
        /** Open signals: {window, weight}. */
        final List<int[]> open = new ArrayList<>();
        int lastTrigger = Integer.MIN_VALUE / 2;
        long triggers;

        Escalation(Thresholds t) {
            windows = t.escalationWindows();
            within = (int) (t.escalationWithin().toMillis() / MINUTE);
            cooldown = (int) (t.cooldown().toMillis() / MINUTE);
            weighted = t.escalationWeighted();
        }

        void signal(int window) {
            signal(window, 1);
        }

        void signal(int window, int weight) {
            // CEP's within: the last window's end is less than T after the first's.
            open.removeIf(w -> window - w[0] >= within);
            open.add(new int[] {window, weighted ? weight : 1});
            if (open.stream().mapToInt(w -> w[1]).sum() >= windows) {
                open.clear();
                if (window - lastTrigger >= cooldown) {
                    triggers++;
                    lastTrigger = window;
                }
            }
        }
    }

    public static Result run(Kind kind, int referenceEvents, int references, int windows, long seed,
            PrintStream progress) {
        return run(kind, referenceEvents, references, windows, seed, thresholdsFor(kind), progress);
    }

    /**
     * The defaults, with {@code performance.estimatedDecay} on for {@link Kind#SCORE_ESTIMATED}
     * (off by default, so the other kinds' uniform scores never signal an estimated decay).
     */
    static Thresholds thresholdsFor(Kind kind) {
        return kind == Kind.SCORE_ESTIMATED
                ? io.modelwatch.config.ThresholdsParser.parse("defaults:\n  performance:\n    estimatedDecay: true\n")
                        .defaults()
                : Thresholds.defaults();
    }

    /**
     * One row: {@code references} versions of {@code windows} windows each. Every window's signals
     * are those the job sends ({@link WindowVerdict#judge}: weights from
     * {@code EvidenceWeight}); every window gets the job's early-close look
     * ({@link WindowVerdict#decisive}) at its {@code window.minEvents / 2}-th event, as on a
     * stream whose minute boundary falls there, and a decisive span is judged there.
     */
    static Result run(Kind kind, int referenceEvents, int references, int windows, long seed, Thresholds t,
            PrintStream progress) {
        long signalled = 0;
        long heavy = 0;
        long closedEarly = 0;
        long triggers = 0;
        int most = 0;
        Map<String, Long> evidence = new TreeMap<>();
        int look = t.minWindowEvents() / 2;
        for (int v = 0; v < references; v++) {
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + referenceEvents * 7919L + v * 31L
                    + kind.ordinal());
            long time = 0;
            ModelProfile learned = new ModelProfile();
            for (int i = 0; i < referenceEvents; i++) {
                learned.add(event(kind, r, time));
                time += MINUTE / WINDOW_EVENTS;
            }
            ReferenceProfile ref = ReferenceBuilder.learned(learned, t.numericBins(), t.categoryBins());
            SequentialMonitor sequential = new SequentialMonitor();
            Map<String, Escalation> escalations = new TreeMap<>();
            int flagged = 0;
            for (int w = 0; w < windows; w++) {
                long start = time;
                long seenBefore = referenceEvents + (long) w * WINDOW_EVENTS;
                ModelProfile window = ModelProfile.against(ref);
                for (int i = 0; i < WINDOW_EVENTS; i++) {
                    window.add(event(kind, r, time), ref);
                    time += MINUTE / WINDOW_EVENTS;
                    if (i + 1 == look && WindowVerdict.decisive(ref, window, t,
                            context(referenceEvents, start, time, seenBefore + i + 1))) {
                        closedEarly++;
                        break;
                    }
                }
                List<DriftSignal> signals = judge(ref, window, sequential, t,
                        context(referenceEvents, start, time, seenBefore + window.events()));
                // As the monitor does (ReferenceLifecycle.learnJoint): a learned reference's pair
                // correlations come from the judged windows after it, until it holds as many events.
                if (ref.joint() != null && !ref.jointComplete() && window.joint() != null) {
                    ref = ref.withJointFrom(window.joint(), referenceEvents);
                }
                for (DriftSignal s : signals) {
                    for (Evidence e : s.evidence()) {
                        evidence.merge(e.statistic(), 1L, Long::sum);
                    }
                    escalations.computeIfAbsent(s.reason(), x -> new Escalation(t)).signal(w, s.windowsCounted());
                }
                if (!signals.isEmpty()) {
                    flagged++;
                    if (signals.stream().anyMatch(s -> s.windowsCounted() > 1)) {
                        heavy++;
                    }
                }
            }
            signalled += flagged;
            most = Math.max(most, flagged);
            for (Escalation e : escalations.values()) {
                triggers += e.triggers;
            }
            if (progress != null && (v + 1) % Math.max(1, references / 10) == 0) {
                progress.printf(Locale.ROOT, "  %s n=%d: %d/%d versions, %d signalled windows, %d triggers%n", kind,
                        referenceEvents, v + 1, references, signalled, triggers);
            }
        }
        return new Result(kind, referenceEvents, references, (long) references * windows, signalled, heavy,
                closedEarly, triggers, most, evidence);
    }

    /** One judged span, as the monitor judges it: the weighted signals it sends to the escalation. */
    static List<DriftSignal> judge(ReferenceProfile ref, ModelProfile window, SequentialMonitor sequential,
            Thresholds t, DriftEvaluator.Context c) {
        List<SequentialEvidence> seq = sequential.update(ref, window, t);
        return WindowVerdict.judge(ref, window, t, c, seq, null).signals();
    }

    static DriftEvaluator.Context context(int referenceEvents, long start, long end, long eventsSeen) {
        return new DriftEvaluator.Context("sim", "1", start, end, eventsSeen, 0, 0, "sim");
    }

    /** The upper end of the one-sided 95% confidence interval of a Poisson mean after {@code k} events. */
    static double poissonUpper95(long k) {
        double lo = 0;
        double hi = k + 10 + 10 * Math.sqrt(k + 1.0);
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            // P(X <= k) at mean mid; decreasing in mid
            double atMost = 1 - io.modelwatch.stats.tests.PoissonTail.atLeast(k + 1, mid);
            if (atMost > 0.05) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    /**
     * Probability that a window completes a match when windows get weights independently, with
     * {@code atLeast[w]} = P(weight >= w) (weight 0: no signal): it signals, and its weight plus
     * those of the {@code within - 1} windows before it sum to at least k (an upper bound on the
     * match rate: skipping past a match and the cooldown only lower it). With every weight 1 this
     * is {@code q P(Binomial(within - 1, q) >= k - 1)}.
     */
    static double completesMatch(double[] atLeast, int k, int within) {
        double[] exactly = new double[k + 1];
        for (int w = 0; w <= k; w++) {
            exactly[w] = atLeast[w] - (w < k ? atLeast[w + 1] : 0);
        }
        // sums of the windows before, capped at k: P(sum = s)
        double[] sum = new double[k + 1];
        sum[0] = 1;
        for (int i = 0; i < within - 1; i++) {
            double[] next = new double[k + 1];
            for (int s0 = 0; s0 <= k; s0++) {
                for (int w = 0; w <= k; w++) {
                    next[Math.min(k, s0 + w)] += sum[s0] * exactly[w];
                }
            }
            sum = next;
        }
        double p = 0;
        for (int w = 1; w <= k; w++) {
            double enough = 0;
            for (int s0 = Math.max(0, k - w); s0 <= k; s0++) {
                enough += sum[s0];
            }
            p += exactly[w] * Math.min(1, enough);
        }
        return p;
    }

    /** {@link #completesMatch(double[], int, int)} with every signalled window weighing 1. */
    static double completesMatch(double q, int k, int within) {
        double[] atLeast = new double[k + 1];
        atLeast[0] = 1;
        atLeast[1] = q;
        return completesMatch(atLeast, k, within);
    }

    static String table(List<Result> results) {
        StringBuilder b = new StringBuilder();
        b.append("| feature kind | reference events | versions x windows | signalled windows | of weight >= 2 "
                + "| closed early | most in one version | triggers | years per false trigger "
                + "| evidence of signalled windows |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %s | %,d | %d x %d | %d | %d | %d | %d | %d | %s | %s |%n",
                    r.kind().description, r.referenceEvents(), r.references(), r.windows() / r.references(),
                    r.signalledWindows(), r.heavyWindows(), r.closedEarly(), r.mostInOneVersion(), r.triggers(),
                    years(r.years()),
                    r.evidence().isEmpty() ? "-" : r.evidence().toString().replaceAll("[{}]", "")));
        }
        return b.toString();
    }

    static String years(double y) {
        if (y >= 1e6) {
            return String.format(Locale.ROOT, "%.1e", y);
        }
        return String.format(Locale.ROOT, "%,.0f", y);
    }

    public static void main(String[] args) {
        String usage = "usage: false-alarms [--references R] [--windows W] [--sizes 180,500,5000] "
                + "[--kinds continuous,heavy_tailed,...] [--seed S]";
        var f = new Object() {
            int references = 100;
            int windows = 300;
            long seed = 17;
            List<Integer> sizes = List.of(180, 500, 5000);
            List<Kind> kinds = List.of(Kind.values());
        };
        try {
            boolean read = Flags.parse(args, Set.of(), (flag, v) -> {
                switch (flag) {
                    case "--references" -> f.references = Flags.integer(flag, v);
                    case "--windows" -> f.windows = Flags.integer(flag, v);
                    case "--seed" -> f.seed = Flags.longInteger(flag, v);
                    case "--sizes" -> f.sizes = java.util.Arrays.stream(v.split(","))
                            .map(n -> Flags.integer(flag, n.trim())).toList();
                    case "--kinds" -> f.kinds = java.util.Arrays.stream(v.split(","))
                            .map(k -> Kind.valueOf(k.trim().toUpperCase(Locale.ROOT).replace('-', '_'))).toList();
                    default -> throw Flags.unknown(flag);
                }
            });
            if (!read) {
                System.out.println(usage);
                return;
            }
        } catch (RuntimeException e) {
            System.err.println("false-alarms: " + e.getMessage() + "\n" + usage);
            System.exit(2);
        }
        int references = f.references;
        int windows = f.windows;
        long seed = f.seed;
        List<Integer> sizes = f.sizes;
        List<Kind> kinds = f.kinds;
        List<Result> results = new ArrayList<>();
        long started = System.nanoTime();
        for (Kind kind : kinds) {
            for (int n : sizes) {
                Result r = run(kind, n, references, windows, seed, System.err);
                results.add(r);
                System.err.printf(Locale.ROOT, "%s n=%d: %d triggers, %d signalled of %d windows, %s years per false "
                        + "trigger (%.0f s so far)%n", kind, n, r.triggers(), r.signalledWindows(), r.windows(),
                        years(r.years()), (System.nanoTime() - started) / 1e9);
            }
        }
        System.out.print(table(results));
        double worst = results.stream().mapToDouble(Result::years).min().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "%nsummary: %d kinds x %d reference sizes, %d versions x %d windows each; "
                + "%d false triggers; the shortest expected run time is %s years per model version%n",
                kinds.size(), sizes.size(), references, windows,
                results.stream().mapToLong(Result::triggers).sum(), years(worst));
    }
}
