package io.modelwatch.evaluation;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.FeatureHealth;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Detectors that modelwatch is compared with, replayed on the same health reports the job wrote
 * (so they see exactly the same windows), each followed by the same escalation as the job: a
 * trigger when 3 flagged windows fall within 10 minutes, then quiet for the cooldown.
 */
final class Baselines {
    /** Naive mean rule: |window mean - reference mean| >= this many reference sds (Cohen's "small"). */
    static final double NAIVE_SDS = 0.2;
    /** The PSI rule modelwatch used before this suite existed, and most dashboards use. */
    static final double PSI_WARNING = 0.1;
    /** Evidently's default for numeric features with more than 1000 values: normed Wasserstein >= 0.1. */
    static final double EVIDENTLY_WASSERSTEIN = 0.1;
    /**
     * Evidently's default for categorical features with more than 1000 values: Jensen-Shannon
     * distance >= 0.1, taken with natural logarithms (scipy's default); the reports give it in
     * bits, larger by 1/sqrt(ln 2).
     */
    static final double EVIDENTLY_JENSEN_SHANNON_BITS = 0.1 / Math.sqrt(Math.log(2));
    static final double TESTS_ONLY_FDR = 0.001;
    static final int ESCALATION_WINDOWS = 3;
    static final long ESCALATION_WITHIN_MS = 10 * 60_000;
    static final long COOLDOWN_MS = 24 * 3600_000L;
    static final int MIN_WINDOW_EVENTS = 1000;

    private Baselines() {}

    /** A window a baseline flagged, and the signal it found strongest. */
    record Flag(long windowEnd, String strongest) {}

    /** A replayed trigger: when, and the signal the detector found strongest in that window. */
    record Trigger(long detectedAt, String strongest) {}

    /**
     * Flags windows whose mean of some numeric feature or of the prediction moved by at least
     * {@link #NAIVE_SDS} reference standard deviations; the reference mean and sd are pooled from
     * the warm-up spans' summaries (the last report of each), what a user of a plain dashboard would have.
     */
    static List<Flag> naiveMean(List<HealthReport> reports) {
        Map<String, double[]> ref = new HashMap<>(); // name -> {n, mean, m2}
        // A low-traffic warm-up sends a report per window of the span so far (docs/topics.md):
        // only a span's last report is pooled, so that each event counts once.
        Map<String, HealthReport> warmUpSpans = new LinkedHashMap<>();
        List<Flag> flags = new ArrayList<>();
        for (HealthReport r : reports) {
            if (r.status().equals(HealthReport.WARMING_UP)) {
                warmUpSpans.put(r.windowStart(), r);
                continue;
            }
            for (HealthReport span : warmUpSpans.values()) {
                for (FeatureHealth f : all(span)) {
                    if (f.mean() != null && f.stddev() != null && f.count() > 1) {
                        pool(ref.computeIfAbsent(f.name(), k -> new double[3]), f.count(), f.mean(), f.stddev());
                    }
                }
            }
            warmUpSpans.clear();
            if (!evaluated(r)) {
                continue;
            }
            String strongest = null;
            double best = 0;
            for (FeatureHealth f : all(r)) {
                double[] m = ref.get(f.name());
                if (m == null || f.mean() == null || m[0] < 2) {
                    continue;
                }
                double sd = Math.sqrt(m[2] / (m[0] - 1));
                double z = sd > 0 ? Math.abs(f.mean() - m[1]) / sd : 0;
                if (z >= NAIVE_SDS && z > best) {
                    best = z;
                    strongest = signal(r, f);
                }
            }
            if (strongest != null) {
                flags.add(new Flag(end(r), strongest));
            }
        }
        return flags;
    }

    /** Flags windows where some feature's or the prediction's PSI reaches {@link #PSI_WARNING}. */
    static List<Flag> psi(List<HealthReport> reports) {
        List<Flag> flags = new ArrayList<>();
        for (HealthReport r : reports) {
            if (!evaluated(r)) {
                continue;
            }
            String strongest = null;
            double best = 0;
            for (FeatureHealth f : all(r)) {
                if (f.drift() == null || f.count() * 2 < MIN_WINDOW_EVENTS) {
                    continue;
                }
                for (DriftStatistic d : f.drift()) {
                    if (d.statistic().equals("psi") && d.value() >= PSI_WARNING && d.value() > best) {
                        best = d.value();
                        strongest = signal(r, f);
                    }
                }
            }
            if (strongest != null) {
                flags.add(new Flag(end(r), strongest));
            }
        }
        return flags;
    }

    /**
     * Evidently's default per-feature rule for samples above 1000 values, replayed from the
     * reported statistics: a numeric feature or the prediction drifts when its normed Wasserstein
     * distance reaches 0.1, a categorical one when its Jensen-Shannon distance does. (The reports
     * compute both on modelwatch's bins: W1 on the central 96% of the reference grid, JS on the
     * top 20 categories plus OTHER; Evidently uses all values.) Evidently then calls a dataset
     * drifted when half the features drift; this replay flags a window on any one, as a
     * per-feature monitor would.
     */
    static List<Flag> evidentlyStyle(List<HealthReport> reports) {
        List<Flag> flags = new ArrayList<>();
        for (HealthReport r : reports) {
            if (!evaluated(r)) {
                continue;
            }
            String strongest = null;
            double best = 0;
            for (FeatureHealth f : all(r)) {
                if (f.drift() == null || f.count() * 2 < MIN_WINDOW_EVENTS) {
                    continue;
                }
                boolean numeric = "NUMERIC".equals(f.type());
                for (DriftStatistic d : f.drift()) {
                    double strength = numeric && d.statistic().equals("wasserstein")
                            ? d.value() / EVIDENTLY_WASSERSTEIN
                            : !numeric && d.statistic().equals("jensen_shannon")
                                    ? d.value() / EVIDENTLY_JENSEN_SHANNON_BITS : 0;
                    if (strength >= 1 && strength > best) {
                        best = strength;
                        strongest = signal(r, f);
                    }
                }
            }
            if (strongest != null) {
                flags.add(new Flag(end(r), strongest));
            }
        }
        return flags;
    }

    /**
     * modelwatch's own tests without the effect floors: a window flags when any test's
     * Benjamini-Hochberg-adjusted p-value is at most 0.001. What a monitor built on tests alone
     * (p-values per feature, corrected for multiplicity, as Alibi Detect does) decides.
     */
    static List<Flag> testsOnly(List<HealthReport> reports) {
        List<Flag> flags = new ArrayList<>();
        for (HealthReport r : reports) {
            if (!evaluated(r)) {
                continue;
            }
            String strongest = null;
            double best = 1;
            for (FeatureHealth f : all(r)) {
                if (f.drift() == null || f.count() * 2 < MIN_WINDOW_EVENTS) {
                    continue;
                }
                for (DriftStatistic d : f.drift()) {
                    if ((d.statistic().equals("p_value") || d.statistic().equals("missing_p_value"))
                            && d.value() <= TESTS_ONLY_FDR && d.value() < best) {
                        best = d.value();
                        strongest = signal(r, f);
                    }
                }
            }
            if (strongest != null) {
                flags.add(new Flag(end(r), strongest));
            }
        }
        return flags;
    }

    /** The job's own per-window verdicts (DRIFTING), for flag rates. */
    static List<Flag> modelwatch(List<HealthReport> reports) {
        List<Flag> flags = new ArrayList<>();
        for (HealthReport r : reports) {
            if (r.status().equals(HealthReport.DRIFTING)) {
                flags.add(new Flag(end(r), null));
            }
        }
        return flags;
    }

    /**
     * The job's escalation replayed: CEP's "3 within 10 minutes" with relaxed contiguity, skip
     * past the last event of a match, then the cooldown.
     */
    static List<Trigger> escalate(List<Flag> flags) {
        List<Trigger> triggers = new ArrayList<>();
        List<Long> pending = new ArrayList<>();
        long lastTrigger = Long.MIN_VALUE;
        for (Flag f : flags) {
            // Window signals carry the timestamp windowEnd - 1; within() compares those.
            pending.removeIf(t -> f.windowEnd() - t >= ESCALATION_WITHIN_MS);
            pending.add(f.windowEnd());
            if (pending.size() >= ESCALATION_WINDOWS) {
                pending.clear();
                if (lastTrigger == Long.MIN_VALUE || f.windowEnd() - lastTrigger >= COOLDOWN_MS) {
                    triggers.add(new Trigger(f.windowEnd(), f.strongest()));
                    lastTrigger = f.windowEnd();
                }
            }
        }
        return triggers;
    }

    static boolean evaluated(HealthReport r) {
        return r.status().equals(HealthReport.OK) || r.status().equals(HealthReport.DRIFTING);
    }

    static long end(HealthReport r) {
        return Instant.parse(r.windowEnd()).toEpochMilli();
    }

    private static List<FeatureHealth> all(HealthReport r) {
        List<FeatureHealth> out = new ArrayList<>();
        if (r.features() != null) {
            out.addAll(List.of(r.features()));
        }
        if (r.prediction() != null) {
            out.add(r.prediction());
        }
        return out;
    }

    private static String signal(HealthReport r, FeatureHealth f) {
        return f == r.prediction() ? "prediction" : "feature:" + f.name();
    }

    /** Adds a window's (count, mean, sd) to pooled {n, mean, m2} (Chan et al.'s pairwise update). */
    private static void pool(double[] acc, long count, double mean, double sd) {
        double nB = count;
        double m2B = sd * sd * (count - 1);
        if (acc[0] == 0) {
            acc[0] = nB;
            acc[1] = mean;
            acc[2] = m2B;
            return;
        }
        double n = acc[0] + nB;
        double delta = mean - acc[1];
        acc[1] += delta * nB / n;
        acc[2] += m2B + delta * delta * acc[0] * nB / n;
        acc[0] = n;
    }
}
