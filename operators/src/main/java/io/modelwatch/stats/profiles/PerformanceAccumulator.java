package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.ReproducibleKll;
import io.modelwatch.stats.sketches.RunningMoments;
import io.modelwatch.stats.sketches.VarLongs;
import io.modelwatch.stats.sketches.StateBytes;
import io.modelwatch.model.HealthReport.ClassMetrics;
import io.modelwatch.model.HealthReport.Performance;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.tests.HistogramBinningCalibration;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * Mergeable performance statistics of labelled predictions. The problem type follows the values:
 *
 * <ul>
 *   <li>a categorical prediction is a class: accuracy and, per class, a confusion count (true
 *       positives, false positives, false negatives) giving precision, recall and F1;
 *   <li>a numeric prediction with a binary label (0/1, true/false) is a score: the class is
 *       score >= 0.5; a KLL sketch of the scores of each label gives AUC, and a histogram of
 *       scores on [0, 1] per label the expected calibration error (Naeini et al. 2015, 10
 *       equal-width bins);
 *   <li>a numeric prediction with another numeric label is a regression: MAE, RMSE, bias, and
 *       Welford moments of the absolute error for the decay test.
 * </ul>
 *
 * <p>AUC is the Mann-Whitney probability {@code P(S+ > S-) + P(S+ = S-) / 2} (Hanley and McNeil
 * 1982), computed from the two sketches as the mean over the positives' scores of the
 * negatives' mid-CDF: exact while each sketch holds its values as they are (fewer than about
 * {@value #SCORE_SKETCH_K} of each class, so every window of a few hundred labels), and otherwise
 * off by at most the sum of the two sketches' rank errors (replacing either distribution by one
 * whose CDF is within {@code e} everywhere moves the integral of a [0, 1]-valued monotone
 * function by at most {@code e}; {@link #aucErrorBound()}, about 0.027 at 99% confidence). Scores
 * are used as they are, outside [0, 1] too (a margin or a logit ranks as well as a probability).
 * Accumulators restored from format 1 have only the 50-bin histogram, clamped to [0, 1], and
 * their AUC is read from that histogram (equal-width bins, so biased toward 0.5 at low prevalence).
 *
 * <p>Label lag (label time - prediction time, seconds) goes into a KLL sketch. At most
 * {@link #MAX_CLASSES} classes are tracked; further ones count only towards accuracy.
 */
public final class PerformanceAccumulator {
    static final int MAX_CLASSES = 20;
    static final int SCORE_BINS = 50;
    static final int CALIBRATION_BINS = 10;
    private static final int LAG_SKETCH_K = 100;
    /** Sketch accuracy of each label's scores (AUC); as {@link FeatureProfile#SKETCH_K}. */
    static final int SCORE_SKETCH_K = 200;
    /**
     * Format 2 adds the score sketches of each label. Format 3 writes the same fields compactly:
     * counts as varints, and of the score histogram only its occupied bins (index, positives,
     * negatives, score sum). The histogram was 1,200 of a window's some 1,500 bytes whatever its
     * labels: the performance monitor keeps one accumulator per window that has labels, for the
     * label horizon (a day of one-minute windows at the defaults), and a window of a few labels
     * occupies a few of the 50 bins. Formats 1 and 2 are still read.
     */
    private static final byte FORMAT = 3;

    private long labeled;
    private long unlabeled;
    private long classified;
    private long correct;
    private final LinkedHashMap<String, long[]> confusion = new LinkedHashMap<>();
    private long[] positives;
    private long[] negatives;
    private double[] scoreSums;
    /** Scores of positives and of negatives; null when the histogram holds scores they lack (format 1). */
    private KllDoublesSketch positiveScores;
    private KllDoublesSketch negativeScores;
    private long regressed;
    private double errorSum;
    private double squaredErrorSum;
    private RunningMoments absoluteError = new RunningMoments();
    private KllDoublesSketch lagSeconds;

    public void add(LabelOutcome o) {
        if (!o.matched()) {
            unlabeled++;
            return;
        }
        labeled++;
        if (lagSeconds == null) {
            lagSeconds = KllDoublesSketch.newHeapInstance(LAG_SKETCH_K);
        }
        ReproducibleKll.update(lagSeconds, Math.max(0, o.labelTimestamp() - o.predictionTimestamp()) / 1000.0);
        String label = o.labelKind() == ValueKind.NUMERIC ? numberText(o.numericLabel()) : o.categoricalLabel();
        if (o.predictionKind() == ValueKind.CATEGORICAL) {
            classify(o.categoricalPrediction(), label);
            return;
        }
        double score = o.numericPrediction();
        Boolean binary = binary(o);
        if (binary != null) {
            classify(score >= 0.5 ? "1" : "0", binary ? "1" : "0");
            if (positives == null) {
                positives = new long[SCORE_BINS];
                negatives = new long[SCORE_BINS];
                scoreSums = new double[SCORE_BINS];
                positiveScores = KllDoublesSketch.newHeapInstance(SCORE_SKETCH_K);
                negativeScores = KllDoublesSketch.newHeapInstance(SCORE_SKETCH_K);
            }
            if (positiveScores != null) {
                ReproducibleKll.update(binary ? positiveScores : negativeScores, score);
            }
            int bin = (int) Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(score * SCORE_BINS)));
            (binary ? positives : negatives)[bin]++;
            scoreSums[bin] += Math.min(1, Math.max(0, score));
        } else if (o.labelKind() == ValueKind.NUMERIC) {
            double err = score - o.numericLabel();
            regressed++;
            errorSum += err;
            squaredErrorSum += err * err;
            absoluteError.add(Math.abs(err));
        }
    }

    static Boolean binary(LabelOutcome o) {
        if (o.labelKind() == ValueKind.NUMERIC) {
            double y = o.numericLabel();
            return y == 1.0 ? Boolean.TRUE : y == 0.0 ? Boolean.FALSE : null;
        }
        return switch (o.categoricalLabel().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1" -> Boolean.TRUE;
            case "false", "0" -> Boolean.FALSE;
            default -> null;
        };
    }

    static String numberText(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
    }

    private void classify(String predicted, String actual) {
        classified++;
        if (predicted.equals(actual)) {
            correct++;
            counts(actual)[0]++;
        } else {
            counts(predicted)[1]++;
            counts(actual)[2]++;
        }
    }

    private long[] counts(String cls) {
        long[] c = confusion.get(cls);
        if (c == null) {
            if (confusion.size() >= MAX_CLASSES) {
                return new long[3];
            }
            c = new long[3];
            confusion.put(cls, c);
        }
        return c;
    }

    public void merge(PerformanceAccumulator o) {
        labeled += o.labeled;
        unlabeled += o.unlabeled;
        classified += o.classified;
        correct += o.correct;
        for (Map.Entry<String, long[]> e : o.confusion.entrySet()) {
            long[] c = counts(e.getKey());
            for (int i = 0; i < 3; i++) {
                c[i] += e.getValue()[i];
            }
        }
        if (o.positives != null) {
            if (positives == null) {
                positives = new long[SCORE_BINS];
                negatives = new long[SCORE_BINS];
                scoreSums = new double[SCORE_BINS];
                if (o.positiveScores != null) {
                    positiveScores = KllDoublesSketch.newHeapInstance(SCORE_SKETCH_K);
                    negativeScores = KllDoublesSketch.newHeapInstance(SCORE_SKETCH_K);
                }
            }
            if (o.positiveScores == null) {
                positiveScores = null;
                negativeScores = null;
            } else if (positiveScores != null) {
                ReproducibleKll.merge(positiveScores, o.positiveScores);
                ReproducibleKll.merge(negativeScores, o.negativeScores);
            }
            for (int i = 0; i < SCORE_BINS; i++) {
                positives[i] += o.positives[i];
                negatives[i] += o.negatives[i];
                scoreSums[i] += o.scoreSums[i];
            }
        }
        regressed += o.regressed;
        errorSum += o.errorSum;
        squaredErrorSum += o.squaredErrorSum;
        absoluteError.merge(o.absoluteError);
        if (o.lagSeconds != null) {
            if (lagSeconds == null) {
                lagSeconds = KllDoublesSketch.newHeapInstance(LAG_SKETCH_K);
            }
            ReproducibleKll.merge(lagSeconds, o.lagSeconds);
        }
    }

    public long labeled() {
        return labeled;
    }

    /**
     * Histogram binning ({@link HistogramBinningCalibration}) of the scores with binary labels
     * counted here, in {@code bins} equal-width bins (a divisor of the 50 bins kept: each is a run
     * of them, so the fit needs no state of its own), a bin with fewer than
     * {@code minLabelsPerBin} labels trusting its scores; null without such scores.
     */
    public HistogramBinningCalibration calibration(int bins, int minLabelsPerBin) {
        if (positives == null || SCORE_BINS % bins != 0) {
            return null;
        }
        long[] pos = new long[bins];
        long[] tot = new long[bins];
        int per = SCORE_BINS / bins;
        for (int i = 0; i < SCORE_BINS; i++) {
            pos[i / per] += positives[i];
            tot[i / per] += positives[i] + negatives[i];
        }
        return new HistogramBinningCalibration(pos, tot, minLabelsPerBin);
    }

    public long classified() {
        return classified;
    }

    public long errors() {
        return classified - correct;
    }

    public long regressed() {
        return regressed;
    }

    /** Welford moments of |prediction - label| of regressions. */
    public RunningMoments absoluteError() {
        return absoluteError;
    }

    public Double accuracy() {
        return classified == 0 ? null : (double) correct / classified;
    }

    public Double mae() {
        return regressed == 0 ? null : absoluteError.mean();
    }

    /** Area under the ROC curve (see the class comment); null without both classes. */
    public Double auc() {
        if (positives == null) {
            return null;
        }
        if (positiveScores != null) {
            if (positiveScores.isEmpty() || negativeScores.isEmpty()) {
                return null;
            }
            return auc(positiveScores, negativeScores);
        }
        long p = 0;
        long n = 0;
        for (int i = 0; i < SCORE_BINS; i++) {
            p += positives[i];
            n += negatives[i];
        }
        if (p == 0 || n == 0) {
            return null;
        }
        double u = 0;
        long negativesBelow = 0;
        for (int i = 0; i < SCORE_BINS; i++) {
            u += positives[i] * (negativesBelow + 0.5 * negatives[i]);
            negativesBelow += negatives[i];
        }
        return u / ((double) p * n);
    }

    /**
     * AUC from the two sketches: the weighted mean, over the positives' retained scores, of the
     * negatives' mid-CDF {@code (P(S- < s) + P(S- <= s)) / 2}.
     */
    static double auc(KllDoublesSketch positive, KllDoublesSketch negative) {
        var it = positive.getSortedView().iterator();
        double sum = 0;
        double weight = 0;
        while (it.next()) {
            double s = it.getQuantile();
            double w = it.getWeight();
            double below = negative.getRank(s, QuantileSearchCriteria.EXCLUSIVE);
            double atMost = negative.getRank(s, QuantileSearchCriteria.INCLUSIVE);
            sum += w * (below + atMost) / 2;
            weight += w;
        }
        return sum / weight;
    }

    /**
     * How far {@link #auc()} may be from the exact AUC of the scores seen: 0 while both sketches
     * hold their values exactly, else the sum of their normalised rank errors (99% confidence
     * each); null without an AUC from sketches.
     */
    public Double aucErrorBound() {
        if (positiveScores == null || positiveScores.isEmpty() || negativeScores.isEmpty()) {
            return null;
        }
        return error(positiveScores) + error(negativeScores);
    }

    private static double error(KllDoublesSketch s) {
        return s.isEstimationMode() ? s.getNormalizedRankError(false) : 0;
    }

    /** Expected calibration error: sum over 10 score bins of weight x |mean score - share positive|. */
    public Double calibrationError() {
        if (positives == null) {
            return null;
        }
        int group = SCORE_BINS / CALIBRATION_BINS;
        long total = 0;
        double ece = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            long count = 0;
            long pos = 0;
            double sum = 0;
            for (int i = b * group; i < (b + 1) * group; i++) {
                count += positives[i] + negatives[i];
                pos += positives[i];
                sum += scoreSums[i];
            }
            if (count > 0) {
                ece += count * Math.abs(sum / count - (double) pos / count);
                total += count;
            }
        }
        return total == 0 ? null : ece / total;
    }

    /** The summary of a span of {@code events} predictions: those without a label count as unlabelled. */
    public Performance summary(PerformanceAccumulator reference, boolean decayed, long events) {
        Performance p = summary(reference, decayed);
        return new Performance(p.labeled(), Math.max(p.unlabeled(), events - labeled), p.accuracy(), p.classes(), p.auc(),
                p.calibrationError(), p.mae(), p.rmse(), p.bias(), p.labelLagP50Seconds(), p.labelLagP95Seconds(),
                p.referenceAccuracy(), p.referenceMae(), p.decayed(), p.segments());
    }

    public Performance summary(PerformanceAccumulator reference, boolean decayed) {
        ClassMetrics[] classes = confusion.entrySet().stream().map(e -> {
            long tp = e.getValue()[0];
            long fp = e.getValue()[1];
            long fn = e.getValue()[2];
            Double precision = tp + fp == 0 ? null : (double) tp / (tp + fp);
            Double recall = tp + fn == 0 ? null : (double) tp / (tp + fn);
            Double f1 = precision == null || recall == null || precision + recall == 0 ? null
                    : 2 * precision * recall / (precision + recall);
            return new ClassMetrics(e.getKey(), tp + fn, precision, recall, f1);
        }).sorted(java.util.Comparator.comparing(ClassMetrics::label)).toArray(ClassMetrics[]::new);
        Double p50 = null;
        Double p95 = null;
        if (lagSeconds != null && !lagSeconds.isEmpty()) {
            p50 = lagSeconds.getQuantile(0.5, QuantileSearchCriteria.INCLUSIVE);
            p95 = lagSeconds.getQuantile(0.95, QuantileSearchCriteria.INCLUSIVE);
        }
        return new Performance(labeled, unlabeled, accuracy(), classes.length == 0 ? null : classes, auc(),
                calibrationError(), mae(), regressed == 0 ? null : Math.sqrt(squaredErrorSum / regressed),
                regressed == 0 ? null : errorSum / regressed, p50, p95,
                reference == null ? null : reference.accuracy(), reference == null ? null : reference.mae(), decayed);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        VarLongs.writeUnsigned(out, labeled);
        VarLongs.writeUnsigned(out, unlabeled);
        VarLongs.writeUnsigned(out, classified);
        VarLongs.writeUnsigned(out, correct);
        VarLongs.writeUnsigned(out, confusion.size());
        for (Map.Entry<String, long[]> e : confusion.entrySet()) {
            out.writeUTF(e.getKey());
            for (long v : e.getValue()) {
                VarLongs.writeUnsigned(out, v);
            }
        }
        out.writeBoolean(positives != null);
        if (positives != null) {
            int occupied = 0;
            for (int i = 0; i < SCORE_BINS; i++) {
                if (occupied(i)) {
                    occupied++;
                }
            }
            VarLongs.writeUnsigned(out, occupied);
            for (int i = 0; i < SCORE_BINS; i++) {
                if (occupied(i)) {
                    out.writeByte(i);
                    VarLongs.writeUnsigned(out, positives[i]);
                    VarLongs.writeUnsigned(out, negatives[i]);
                    out.writeDouble(scoreSums[i]);
                }
            }
        }
        VarLongs.writeUnsigned(out, regressed);
        out.writeDouble(errorSum);
        out.writeDouble(squaredErrorSum);
        absoluteError.writeTo(out);
        out.writeBoolean(lagSeconds != null);
        if (lagSeconds != null) {
            byte[] b = lagSeconds.toByteArray();
            VarLongs.writeUnsigned(out, b.length);
            out.write(b);
        }
        out.writeBoolean(positiveScores != null);
        if (positiveScores != null) {
            for (KllDoublesSketch sk : new KllDoublesSketch[] {positiveScores, negativeScores}) {
                byte[] b = sk.toByteArray();
                VarLongs.writeUnsigned(out, b.length);
                out.write(b);
            }
        }
    }

    /** The stored fields as they are, sketches as their bytes (tests write earlier formats from them). */
    record Fields(long labeled, long unlabeled, long classified, long correct, Map<String, long[]> confusion,
            long[] positives, long[] negatives, double[] scoreSums, long regressed, double errorSum,
            double squaredErrorSum, RunningMoments absoluteError, byte[] lagSeconds, byte[] positiveScores,
            byte[] negativeScores) {}

    Fields fields() {
        return new Fields(labeled, unlabeled, classified, correct, confusion, positives, negatives, scoreSums,
                regressed, errorSum, squaredErrorSum, absoluteError,
                lagSeconds == null ? null : lagSeconds.toByteArray(),
                positiveScores == null ? null : positiveScores.toByteArray(),
                negativeScores == null ? null : negativeScores.toByteArray());
    }

    /** Whether score bin {@code i} holds anything (its sum compared bit for bit, so nothing is lost). */
    private boolean occupied(int i) {
        return positives[i] != 0 || negatives[i] != 0 || Double.doubleToRawLongBits(scoreSums[i]) != 0;
    }

    public static PerformanceAccumulator readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format < 1 || format > FORMAT) {
            throw new IOException("PerformanceAccumulator: unknown format " + format);
        }
        return format == FORMAT ? readCompact(in) : readFixed(in, format);
    }

    /** Format 3 ({@link #FORMAT}). */
    private static PerformanceAccumulator readCompact(DataInput in) throws IOException {
        PerformanceAccumulator a = new PerformanceAccumulator();
        a.labeled = VarLongs.readUnsigned(in, "labeled");
        a.unlabeled = VarLongs.readUnsigned(in, "unlabeled");
        a.classified = VarLongs.readUnsigned(in, "classified");
        a.correct = VarLongs.readUnsigned(in, "correct");
        long n = VarLongs.readUnsigned(in, "classes");
        if (n > MAX_CLASSES) {
            throw new IOException("PerformanceAccumulator: " + n + " classes, at most " + MAX_CLASSES);
        }
        for (int i = 0; i < n; i++) {
            String k = in.readUTF();
            a.confusion.put(k, new long[] {VarLongs.readUnsigned(in, "confusion"),
                    VarLongs.readUnsigned(in, "confusion"), VarLongs.readUnsigned(in, "confusion")});
        }
        if (in.readBoolean()) {
            a.positives = new long[SCORE_BINS];
            a.negatives = new long[SCORE_BINS];
            a.scoreSums = new double[SCORE_BINS];
            long occupied = VarLongs.readUnsigned(in, "score bins");
            for (long j = 0; j < occupied; j++) {
                int i = in.readUnsignedByte();
                if (i >= SCORE_BINS) {
                    throw new IOException("PerformanceAccumulator: score bin " + i + " of " + SCORE_BINS);
                }
                a.positives[i] = VarLongs.readUnsigned(in, "positives");
                a.negatives[i] = VarLongs.readUnsigned(in, "negatives");
                a.scoreSums[i] = in.readDouble();
            }
        }
        a.regressed = VarLongs.readUnsigned(in, "regressed");
        a.errorSum = in.readDouble();
        a.squaredErrorSum = in.readDouble();
        a.absoluteError = RunningMoments.readFrom(in);
        if (in.readBoolean()) {
            a.lagSeconds = KllDoublesSketch.heapify(Memory.wrap(sketchBytes(in)));
        }
        if (in.readBoolean()) {
            a.positiveScores = KllDoublesSketch.heapify(Memory.wrap(sketchBytes(in)));
            a.negativeScores = KllDoublesSketch.heapify(Memory.wrap(sketchBytes(in)));
        }
        return a;
    }

    private static byte[] sketchBytes(DataInput in) throws IOException {
        byte[] b = new byte[Math.toIntExact(VarLongs.readUnsigned(in, "sketch length"))];
        in.readFully(b);
        return b;
    }

    /** Formats 1 and 2: fixed-width counts and the whole score histogram. */
    private static PerformanceAccumulator readFixed(DataInput in, byte format) throws IOException {
        PerformanceAccumulator a = new PerformanceAccumulator();
        a.labeled = in.readLong();
        a.unlabeled = in.readLong();
        a.classified = in.readLong();
        a.correct = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String k = in.readUTF();
            a.confusion.put(k, new long[] {in.readLong(), in.readLong(), in.readLong()});
        }
        if (in.readBoolean()) {
            a.positives = new long[SCORE_BINS];
            a.negatives = new long[SCORE_BINS];
            a.scoreSums = new double[SCORE_BINS];
            for (int i = 0; i < SCORE_BINS; i++) {
                a.positives[i] = in.readLong();
                a.negatives[i] = in.readLong();
                a.scoreSums[i] = in.readDouble();
            }
        }
        a.regressed = in.readLong();
        a.errorSum = in.readDouble();
        a.squaredErrorSum = in.readDouble();
        a.absoluteError = RunningMoments.readFrom(in);
        if (in.readBoolean()) {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            a.lagSeconds = KllDoublesSketch.heapify(Memory.wrap(b));
        }
        if (format >= 2 && in.readBoolean()) {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            a.positiveScores = KllDoublesSketch.heapify(Memory.wrap(b));
            b = new byte[in.readInt()];
            in.readFully(b);
            a.negativeScores = KllDoublesSketch.heapify(Memory.wrap(b));
        }
        return a;
    }

    public byte[] toBytes() {
        return StateBytes.of(this::writeTo);
    }

    public static PerformanceAccumulator fromBytes(byte[] bytes) {
        return StateBytes.read(bytes, PerformanceAccumulator::readFrom);
    }
}
