package io.modelwatch.testing;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.ClassMetrics;
import io.modelwatch.model.HealthReport.Control;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.EscalationState;
import io.modelwatch.model.HealthReport.EstimatedMetric;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.HealthReport.Joint;
import io.modelwatch.model.HealthReport.PairHealth;
import io.modelwatch.model.HealthReport.Performance;
import io.modelwatch.model.HealthReport.PredictionShift;
import io.modelwatch.model.HealthReport.Quantiles;
import io.modelwatch.model.HealthReport.QualityCounts;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.model.HealthReport.SegmentFinding;
import io.modelwatch.model.HealthReport.ShiftSegment;
import io.modelwatch.model.HealthReport.Upgrade;
import io.modelwatch.model.ScoreHistogram;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Health reports with every field drawn at random, for serializer tests: any reference field may
 * be null (an array's elements too), arrays may be empty, doubles include NaN, the infinities,
 * -0.0, subnormal and extreme values, strings include quotes, escapes, control characters and
 * characters outside the BMP.
 */
public final class RandomHealthReports {
    private static final double[] SPECIAL = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0,
        0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1e-300, 1e21, 1e-7, 0.1, 123456789.125, -1, 1e7,
        9_999_999, -9_999_999, 1e-3, 0x1p63};
    private static final String[] STRINGS = {"", "churn", "NUMERIC", "psi", "a\"b", "back\\slash", "tab\tnew\nline",
        "\u0000\u001f", "région", "日本語", "emoji \uD83D\uDE00", "</script>", "2026-11-26T12:04:00Z", " "};

    private final SplittableRandom random;
    /** Chance of null for each nullable field and array element. */
    private final double nulls;

    public RandomHealthReports(long seed, double nulls) {
        this.random = new SplittableRandom(seed);
        this.nulls = nulls;
    }

    public HealthReport next() {
        return new HealthReport(string(), string(), string(), string(), string(), anyLong(), anyLong(), anyLong(),
                array(FeatureHealth[]::new, this::feature, 30), nullable(this::feature), nullable(this::quality),
                nullable(this::escalation), string(), random.nextInt(), nullable(this::performance),
                nullable(this::control), nullable(this::upgrade), nullable(this::estimate), nullable(this::joint),
                nullable(this::shift));
    }

    private FeatureHealth feature() {
        return new FeatureHealth(string(), string(), anyLong(), anyLong(), anyLong(), boxed(), boxed(), boxed(),
                boxed(), nullable(() -> new Quantiles(anyDouble(), anyDouble(), anyDouble(), anyDouble(), anyDouble())),
                array(CategoryCount[]::new, () -> new CategoryCount(string(), anyLong()), 6),
                array(DriftStatistic[]::new, () -> new DriftStatistic(string(), anyDouble(), boxed(), random.nextBoolean()),
                        8));
    }

    private QualityCounts quality() {
        return new QualityCounts(anyLong(), anyLong(), anyLong(), anyLong(), anyLong(), anyLong(), anyLong(), boxed(),
                array(QualityFinding[]::new,
                        () -> new QualityFinding(string(), string(), anyDouble(), anyDouble(), anyDouble()), 4));
    }

    private EscalationState escalation() {
        return new EscalationState(random.nextInt(), random.nextInt(), string());
    }

    private Performance performance() {
        return new Performance(anyLong(), anyLong(), boxed(),
                array(ClassMetrics[]::new, () -> new ClassMetrics(string(), anyLong(), boxed(), boxed(), boxed()), 4),
                boxed(), boxed(), boxed(), boxed(), boxed(), boxed(), boxed(), boxed(), boxed(), random.nextBoolean(),
                array(SegmentFinding[]::new, () -> new SegmentFinding(string(), string(), string(), string(),
                        anyDouble(), anyDouble(), string(), anyLong(), anyDouble(), anyDouble(), anyDouble()), 4));
    }

    private Control control() {
        return new Control(string(), string(), strings(), string(), string(), string(), string());
    }

    private Upgrade upgrade() {
        return new Upgrade(string(), strings());
    }

    private EstimatedPerformance estimate() {
        return new EstimatedPerformance(anyDouble(), string(), anyLong(), nullable(this::metric),
                nullable(this::metric), nullable(this::metric), nullable(this::metric), nullable(this::metric), boxed(),
                random.nextBoolean(), string(), random.nextDouble() < nulls ? null : anyLong(),
                nullable(this::histogram), nullable(this::histogram));
    }

    private EstimatedMetric metric() {
        return new EstimatedMetric(anyDouble(), anyDouble(), anyDouble());
    }

    private ScoreHistogram histogram() {
        long[] counts = new long[ScoreHistogram.CELLS];
        double[] means = new double[ScoreHistogram.CELLS];
        for (int c = 0; c < counts.length; c++) {
            counts[c] = anyLong();
            means[c] = anyDouble();
        }
        return new ScoreHistogram(counts, means);
    }

    private Joint joint() {
        return new Joint(strings(), random.nextInt(), array(PairHealth[]::new, () -> new PairHealth(string(), string(),
                boxed(), anyLong(), boxed(), anyLong(), boxed(), anyDouble(), anyDouble(), anyDouble(),
                random.nextBoolean()), 6));
    }

    private PredictionShift shift() {
        return new PredictionShift(string(), anyDouble(), anyDouble(), random.nextInt(),
                array(ShiftSegment[]::new, () -> new ShiftSegment(string(), string(), string(), anyDouble(),
                        anyDouble(), anyDouble(), anyDouble(), anyLong(), anyDouble(), anyDouble(), anyDouble()), 4));
    }

    private <T> T nullable(Supplier<T> value) {
        return random.nextDouble() < nulls ? null : value.get();
    }

    private <T> T[] array(IntFunction<T[]> create, Supplier<T> element, int maxLength) {
        if (random.nextDouble() < nulls) {
            return null;
        }
        T[] array = create.apply(random.nextInt(maxLength + 1));
        for (int i = 0; i < array.length; i++) {
            array[i] = nullable(element);
        }
        return array;
    }

    private String[] strings() {
        return array(String[]::new, this::anyString, 5);
    }

    private String string() {
        return nullable(this::anyString);
    }

    private String anyString() {
        if (random.nextBoolean()) {
            return STRINGS[random.nextInt(STRINGS.length)];
        }
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(20);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(4);
            s.append(kind == 0 ? (char) random.nextInt(0x20) : kind == 1 ? (char) random.nextInt(0x80, 0xd800)
                    : (char) random.nextInt(0x20, 0x7f));
        }
        return s.toString();
    }

    private Double boxed() {
        return random.nextDouble() < nulls ? null : anyDouble();
    }

    private double anyDouble() {
        return switch (random.nextInt(4)) {
            case 0 -> SPECIAL[random.nextInt(SPECIAL.length)];
            case 1 -> Double.longBitsToDouble(random.nextLong()); // any bit pattern (NaN payloads come back as NaN)
            case 2 -> random.nextInt(-1000, 1000);
            default -> random.nextDouble();
        };
    }

    private long anyLong() {
        return switch (random.nextInt(3)) {
            case 0 -> random.nextLong();
            case 1 -> random.nextInt(-10, 100_000);
            default -> random.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
        };
    }
}
