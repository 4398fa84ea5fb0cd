package io.modelwatch.bench;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.monitor.LearningChunks;
import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * The model monitor's live state of one model version, by state and by component, per numeric
 * feature (docs/benchmarks.md, "The model monitor's state by component"), built with the job's own
 * classes the way the monitor builds it: the reference being learned ("learning", a
 * {@link ModelProfile} after 600 and 5,000 events), the events written beside it as learning
 * chunks ({@link LearningChunks}, one per write-back of 10 events), an open window of 10, 60 and
 * 1,000 events (unbinned while the reference is learned, binned on it after), and the complete
 * reference ({@link ReferenceBuilder#learned} from the 5,000 events, at the default 10 numeric
 * and 20 category bins). Every figure is canonical savepoint bytes (the state's own serialised
 * form, uncompressed).
 *
 * <p>Each shape is a model of {@value #NUMERIC} numeric features of one kind, the bench
 * workload's {@value #CATEGORICAL} categorical features and a score prediction, except where the
 * shape says otherwise: the bench workload itself ({@link Workload}: normal, log-normal and
 * integer counts in turn, each printed with 4 decimals), Gaussian values at full precision, 0/1
 * flags (30% ones), counts that are almost always 0 (Poisson 0.05), the workload's features 80%
 * missing, and the workload with hard 0/1 predictions. Per shape one line of totals per numeric
 * feature (state bytes / {@value #NUMERIC}), then the components of the learning profile (600
 * events) and of a 60-event window: the counters (with format and presence bytes), Welford's
 * moments, the numeric values (the few values kept before a sketch, or the KLL sketch), the exact
 * distinct values, the top-K categories and the bin counts, summed over the numeric features and
 * divided by their number; "rest" is the model's own part (names, counts, the prediction's and
 * the categorical features' profiles).
 *
 * <p>{@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
 * io.modelwatch.bench.StateBytesPerFeature} (build with {@code mvn -B -ntp -q -DskipTests package
 * -pl benchmarks -am} first).
 */
public final class StateBytesPerFeature {
    private static final int NUMERIC = 20;
    private static final int CATEGORICAL = 5;
    private static final int REFERENCE_EVENTS = 5000;
    private static final int LEARNING_EVENTS = 600;
    private static final int CHUNK_EVENTS = 10;
    private static final int[] WINDOW_EVENTS = {10, 60, 1000};
    private static final String[] VALUES = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    private static final long START = 1_764_144_000_000L;

    /** A numeric feature's value (NaN: missing), from the feature's index and a random source. */
    private interface FeatureValue {
        double next(int feature, SplittableRandom r);
    }

    private record Shape(String name, FeatureValue feature, ToDoubleFunction<SplittableRandom> prediction) {}

    private StateBytesPerFeature() {}

    public static void main(String[] args) {
        ToDoubleFunction<SplittableRandom> score = r -> fourDecimals(r.nextDouble());
        FeatureValue workload = (f, r) -> fourDecimals(switch (f % 3) {
            case 0 -> gaussian(r);
            case 1 -> Math.exp(gaussian(r));
            default -> Math.floor(-Math.log(1 - r.nextDouble()) * 5);
        });
        List<Shape> shapes = List.of(
                new Shape("bench workload (4 decimals)", workload, score),
                new Shape("Gaussian, full precision", (f, r) -> gaussian(r), score),
                new Shape("0/1 flags (30% ones)", (f, r) -> r.nextDouble() < 0.3 ? 1 : 0, score),
                new Shape("counts, Poisson 0.05", (f, r) -> poisson(r, 0.05), score),
                new Shape("workload, 80% missing", (f, r) -> r.nextDouble() < 0.8 ? Double.NaN : workload.next(f, r),
                        score),
                new Shape("workload, hard 0/1 predictions", workload, r -> r.nextDouble() < 0.3 ? 1 : 0));
        System.out.printf(Locale.ROOT, "bytes per numeric feature (state of one model version / %d)%n", NUMERIC);
        System.out.printf(Locale.ROOT, "%-32s %9s %9s %11s %8s %8s %8s %9s %8s %8s %8s%n", "shape", "learn600",
                "learn5000", "chunk/event", "warm10", "warm60", "warm1000", "reference", "win10", "win60", "win1000");
        List<String> parts = new ArrayList<>();
        for (Shape shape : shapes) {
            parts.add(measure(shape));
        }
        System.out.println();
        System.out.println("components, bytes per numeric feature: counters moments values distinct categories bins | rest");
        parts.forEach(System.out::println);
    }

    private static String measure(Shape shape) {
        SplittableRandom r = new SplittableRandom(1);
        String[] names = new String[NUMERIC + CATEGORICAL];
        for (int f = 0; f < NUMERIC; f++) {
            names[f] = "n" + f;
        }
        for (int c = 0; c < CATEGORICAL; c++) {
            names[NUMERIC + c] = "c" + c;
        }
        List<PredictionEvent> events = new ArrayList<>();
        for (int i = 0; i < REFERENCE_EVENTS + 1000; i++) {
            events.add(event(shape, r, names, START + 1000L * i));
        }
        ModelProfile learning = new ModelProfile();
        ModelProfile learning600 = null;
        for (int i = 0; i < REFERENCE_EVENTS; i++) {
            learning.add(events.get(i));
            if (i + 1 == LEARNING_EVENTS) {
                learning600 = ModelProfile.fromBytes(learning.toBytes());
            }
        }
        long chunkBytes = 0;
        for (int i = 0; i < LEARNING_EVENTS; i += CHUNK_EVENTS) {
            chunkBytes += LearningChunks.of(events.subList(i, i + CHUNK_EVENTS)).length;
        }
        double chunkPerEvent = (double) chunkBytes / LEARNING_EVENTS;
        ReferenceProfile reference = ReferenceBuilder.learned(learning, 10, 20);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-32s %9d %9d %11.1f", shape.name(),
                perFeature(learning600.toBytes().length), perFeature(learning.toBytes().length),
                chunkPerEvent / NUMERIC));
        ModelProfile warm60 = null;
        ModelProfile window60 = null;
        for (int n : WINDOW_EVENTS) {
            ModelProfile warm = new ModelProfile();
            for (int i = 0; i < n; i++) {
                warm.add(events.get(i));
            }
            line.append(String.format(Locale.ROOT, " %8d", perFeature(warm.toBytes().length)));
            if (n == 60) {
                warm60 = warm;
            }
        }
        line.append(String.format(Locale.ROOT, " %9d", perFeature(reference.toBytes().length)));
        for (int n : WINDOW_EVENTS) {
            ModelProfile window = ModelProfile.against(reference);
            for (int i = 0; i < n; i++) {
                window.add(events.get(REFERENCE_EVENTS + i), reference);
            }
            line.append(String.format(Locale.ROOT, " %8d", perFeature(window.toBytes().length)));
            if (n == 60) {
                window60 = window;
            }
        }
        System.out.println(line);
        return String.format(Locale.ROOT, "%-32s learning 600: %s%n%-32s warm-up window 60: %s%n%-32s window 60: %s",
                shape.name(), parts(learning600), "", parts(warm60), "", parts(window60));
    }

    private static String parts(ModelProfile p) {
        FeatureProfile.PartSizes sum = new FeatureProfile.PartSizes(0, 0, 0, 0, 0, 0);
        for (int f = 0; f < NUMERIC; f++) {
            sum = sum.plus(p.features().get("n" + f).partSizes());
        }
        int rest = p.toBytes().length - sum.total();
        return String.format(Locale.ROOT, "%5d %5d %5d %5d %5d %5d | %5d", perFeature(sum.counters()),
                perFeature(sum.moments()), perFeature(sum.values()), perFeature(sum.distinct()),
                perFeature(sum.categories()), perFeature(sum.bins()), perFeature(rest));
    }

    private static PredictionEvent event(Shape shape, SplittableRandom r, String[] names, long timestamp) {
        byte[] kinds = new byte[names.length];
        double[] numeric = new double[names.length];
        String[] categorical = new String[names.length];
        for (int f = 0; f < NUMERIC; f++) {
            double v = shape.feature().next(f, r);
            kinds[f] = Double.isNaN(v) ? ValueKind.MISSING : ValueKind.NUMERIC;
            numeric[f] = Double.isNaN(v) ? 0 : v;
        }
        for (int c = 0; c < CATEGORICAL; c++) {
            int k = (int) Math.min(9, Math.floor(-Math.log(1 - r.nextDouble()) * 2.5));
            kinds[NUMERIC + c] = ValueKind.CATEGORICAL;
            categorical[NUMERIC + c] = VALUES[k];
        }
        return new PredictionEvent("model", "1", "model-" + timestamp, timestamp, names, kinds, numeric, categorical,
                ValueKind.NUMERIC, shape.prediction().applyAsDouble(r), null);
    }

    private static int perFeature(long bytes) {
        return (int) Math.round((double) bytes / NUMERIC);
    }

    /** As the bench's JSON prints it ({@code %.4f}) and the parser reads it back. */
    private static double fourDecimals(double v) {
        return Double.parseDouble(String.format(Locale.ROOT, "%.4f", v));
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    private static double poisson(SplittableRandom r, double mean) {
        double limit = Math.exp(-mean);
        double product = r.nextDouble();
        int k = 0;
        while (product > limit) {
            product *= r.nextDouble();
            k++;
        }
        return k;
    }
}
