package io.modelwatch.stats.profiles;

import io.modelwatch.stats.sketches.ByteArrayDataOutput;
import io.modelwatch.stats.sketches.RunningMoments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwatch.model.HealthReport.Performance;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ValueKind;
import org.junit.jupiter.api.Test;

class PerformanceAccumulatorTest {
    static LabelOutcome score(double s, int label) {
        return new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 0, 60_000, ValueKind.NUMERIC, s, null, ValueKind.NUMERIC,
                label, null);
    }

    static LabelOutcome clazz(String predicted, String actual) {
        return new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 0, 1000, ValueKind.CATEGORICAL, 0, predicted,
                ValueKind.CATEGORICAL, 0, actual);
    }

    static LabelOutcome regression(double predicted, double actual) {
        return new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 0, 1000, ValueKind.NUMERIC, predicted, null,
                ValueKind.NUMERIC, actual, null);
    }

    @Test
    void aucIsTheMannWhitneyStatistic() {
        // Positives at 0.9, 0.7, 0.35; negatives at 0.6, 0.2. Pairs ranked right: (0.9>0.6, 0.9>0.2,
        // 0.7>0.6, 0.7>0.2, 0.35>0.2) = 5 of 6 -> AUC = 5/6. Accuracy at 0.5: 0.9, 0.7 right, 0.35 wrong,
        // 0.6 wrong, 0.2 right -> 3/5.
        PerformanceAccumulator a = new PerformanceAccumulator();
        for (double s : new double[] {0.9, 0.7, 0.35}) a.add(score(s, 1));
        for (double s : new double[] {0.6, 0.2}) a.add(score(s, 0));
        assertThat(a.auc()).isCloseTo(5.0 / 6, within(1e-12));
        assertThat(a.accuracy()).isCloseTo(0.6, within(1e-12));
    }

    @Test
    void calibrationErrorOfAPerfectlyCalibratedAndAnOverconfidentModel() {
        // Scores 0.25 with 1 positive in 4: mean score equals the positive share -> ECE 0.
        PerformanceAccumulator calibrated = new PerformanceAccumulator();
        for (int i = 0; i < 4; i++) calibrated.add(score(0.25, i == 0 ? 1 : 0));
        assertThat(calibrated.calibrationError()).isCloseTo(0, within(1e-12));
        // Scores 0.95 with half positive: |0.95 - 0.5| = 0.45.
        PerformanceAccumulator overconfident = new PerformanceAccumulator();
        for (int i = 0; i < 4; i++) overconfident.add(score(0.95, i % 2));
        assertThat(overconfident.calibrationError()).isCloseTo(0.45, within(1e-12));
    }

    @Test
    void perClassPrecisionRecallAndF1() {
        // cat: predicted 3 times (2 right), actual 3 times -> precision 2/3, recall 2/3.
        // dog: predicted 1 time (1 right), actual 2 times -> precision 1, recall 1/2, F1 2/3.
        PerformanceAccumulator a = new PerformanceAccumulator();
        a.add(clazz("cat", "cat"));
        a.add(clazz("cat", "cat"));
        a.add(clazz("cat", "dog"));
        a.add(clazz("dog", "dog"));
        a.add(clazz("bird", "cat"));
        Performance p = a.summary(null, false);
        assertThat(p.accuracy()).isCloseTo(0.6, within(1e-12));
        var dog = java.util.Arrays.stream(p.classes()).filter(c -> c.label().equals("dog")).findFirst().orElseThrow();
        assertThat(dog.precision()).isEqualTo(1.0);
        assertThat(dog.recall()).isEqualTo(0.5);
        assertThat(dog.f1()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(dog.support()).isEqualTo(2);
    }

    @Test
    void regressionMaeRmseBiasAndLag() {
        // Errors +1, -3: MAE 2, RMSE sqrt(5), bias -1.
        PerformanceAccumulator a = new PerformanceAccumulator();
        a.add(regression(11, 10));
        a.add(regression(7, 10));
        Performance p = a.summary(null, false);
        assertThat(p.mae()).isCloseTo(2, within(1e-12));
        assertThat(p.rmse()).isCloseTo(Math.sqrt(5), within(1e-12));
        assertThat(p.bias()).isCloseTo(-1, within(1e-12));
        assertThat(p.labelLagP50Seconds()).isEqualTo(1.0);
    }

    @Test
    void mergesAndRoundTrips() {
        PerformanceAccumulator a = new PerformanceAccumulator();
        PerformanceAccumulator b = new PerformanceAccumulator();
        a.add(score(0.9, 1));
        b.add(score(0.1, 0));
        b.add(new LabelOutcome(LabelOutcome.EXPIRED, "m", "1", 0, 0, ValueKind.NUMERIC, 0.3, null, ValueKind.MISSING, 0, null));
        a.merge(b);
        PerformanceAccumulator c = PerformanceAccumulator.fromBytes(a.toBytes());
        Performance p = c.summary(null, false);
        assertThat(p.labeled()).isEqualTo(2);
        assertThat(p.unlabeled()).isEqualTo(1);
        assertThat(p.auc()).isEqualTo(1.0);
    }

    /** The Mann-Whitney AUC counted over every pair: the definition, for reference values. */
    static double exactAuc(double[] pos, double[] neg) {
        double u = 0;
        for (double p : pos) {
            for (double n : neg) {
                u += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }
        return u / ((double) pos.length * neg.length);
    }

    @Test
    void aucOfScoresInsideOneBinAndOutsideZeroOneIsExactNotClamped() {
        // All within 0.50..0.51 (one histogram bin: the binned AUC said 0.5), and margins beyond [0, 1].
        double[] pos = {0.509, 0.507, 3.0, -0.5};
        double[] neg = {0.501, 0.503, -2.0, 0.507};
        PerformanceAccumulator a = new PerformanceAccumulator();
        for (double s : pos) a.add(score(s, 1));
        for (double s : neg) a.add(score(s, 0));
        // pairs: 0.509 > all 4; 0.507 > 3, ties 1; 3.0 > 4; -0.5 > -2.0 only -> (4 + 3.5 + 4 + 1) / 16
        assertThat(exactAuc(pos, neg)).isEqualTo(12.5 / 16);
        assertThat(a.auc()).isCloseTo(12.5 / 16, within(1e-12));
        assertThat(a.aucErrorBound()).isZero();
    }

    @Test
    void aucOfARareClassInALargeWindowIsWithinTheStatedBound() {
        // 2% positives, scores normal with a 1.5 sd separation: the binned AUC was biased to 0.5.
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        int n = 50_000;
        double[] pos = new double[n / 50];
        double[] neg = new double[n - pos.length];
        PerformanceAccumulator a = new PerformanceAccumulator();
        PerformanceAccumulator half = new PerformanceAccumulator();
        for (int i = 0; i < pos.length; i++) {
            pos[i] = 0.05 + 0.02 * (r.nextGaussian() + 1.5);
            (i % 2 == 0 ? a : half).add(score(pos[i], 1));
        }
        for (int i = 0; i < neg.length; i++) {
            neg[i] = 0.05 + 0.02 * r.nextGaussian();
            (i % 2 == 0 ? a : half).add(score(neg[i], 0));
        }
        a.merge(half);
        double exact = exactAuc(pos, neg);
        assertThat(exact).isBetween(0.8, 0.9);
        assertThat(a.aucErrorBound()).isBetween(0.001, 0.03);
        assertThat(a.auc()).isCloseTo(exact, within(a.aucErrorBound()));
        PerformanceAccumulator back = PerformanceAccumulator.fromBytes(a.toBytes());
        assertThat(back.auc()).isEqualTo(a.auc());
    }

    /** Format 2 as the builds before format 3 wrote it (fixed-width counts, the whole histogram). */
    static byte[] format2(PerformanceAccumulator a) throws java.io.IOException {
        // The fields through the compact bytes' reader, then written the old way.
        PerformanceAccumulator.Fields f = a.fields();
        ByteArrayDataOutput out = new ByteArrayDataOutput(2048);
        out.writeByte(2);
        out.writeLong(f.labeled());
        out.writeLong(f.unlabeled());
        out.writeLong(f.classified());
        out.writeLong(f.correct());
        out.writeInt(f.confusion().size());
        for (java.util.Map.Entry<String, long[]> e : f.confusion().entrySet()) {
            out.writeUTF(e.getKey());
            for (long v : e.getValue()) {
                out.writeLong(v);
            }
        }
        out.writeBoolean(f.positives() != null);
        if (f.positives() != null) {
            for (int i = 0; i < PerformanceAccumulator.SCORE_BINS; i++) {
                out.writeLong(f.positives()[i]);
                out.writeLong(f.negatives()[i]);
                out.writeDouble(f.scoreSums()[i]);
            }
        }
        out.writeLong(f.regressed());
        out.writeDouble(f.errorSum());
        out.writeDouble(f.squaredErrorSum());
        f.absoluteError().writeTo(out);
        for (byte[][] sketches : new byte[][][] {{f.lagSeconds()}, {f.positiveScores(), f.negativeScores()}}) {
            out.writeBoolean(sketches[0] != null);
            if (sketches[0] != null) {
                for (byte[] b : sketches) {
                    out.writeInt(b.length);
                    out.write(b);
                }
            }
        }
        return out.toByteArray();
    }

    @Test
    void aWindowOfAFewLabelsIsWrittenInAFractionOfTheOldBytesAndFormat2StillReads() throws java.io.IOException {
        PerformanceAccumulator a = new PerformanceAccumulator();
        a.add(score(0.91, 1));
        a.add(score(0.12, 0));
        a.add(score(0.47, 1));
        a.add(score(0.05, 0));
        a.add(score(0.66, 0));
        a.add(score(0.88, 1));
        a.add(new LabelOutcome(LabelOutcome.EXPIRED, "m", "1", 0, 0, ValueKind.NUMERIC, 0.3, null, ValueKind.MISSING, 0, null));
        a.add(clazz("a", "b"));
        a.add(regression(2.5, 3.0));
        byte[] compact = a.toBytes();
        byte[] old = format2(a);
        // The histogram's 50 bins were 1,200 bytes whatever the labels; six labels occupy six.
        assertThat(old.length).isGreaterThan(1200);
        assertThat(compact.length).isLessThan(old.length / 2);
        for (byte[] bytes : new byte[][] {compact, old}) {
            PerformanceAccumulator back = PerformanceAccumulator.fromBytes(bytes);
            // The same accumulator: it writes the same bytes, and says the same.
            assertThat(back.toBytes()).isEqualTo(compact);
            assertThat(io.modelwatch.serde.Json.MAPPER.writeValueAsString(back.summary(null, false)))
                    .isEqualTo(io.modelwatch.serde.Json.MAPPER.writeValueAsString(a.summary(null, false)));
            assertThat(back.auc()).isEqualTo(a.auc());
            assertThat(back.calibrationError()).isEqualTo(a.calibrationError());
        }
    }

    @Test
    void anAccumulatorOfFormat1StillGivesItsHistogramAuc() throws java.io.IOException {
        ByteArrayDataOutput out = new ByteArrayDataOutput(2048);
        out.writeByte(1);
        out.writeLong(5); // labeled
        out.writeLong(0);
        out.writeLong(0);
        out.writeLong(0);
        out.writeInt(0); // no classes
        out.writeBoolean(true);
        for (int i = 0; i < PerformanceAccumulator.SCORE_BINS; i++) {
            out.writeLong(i == 45 || i == 35 ? 1 : 0); // positives at 0.9 and 0.7
            out.writeLong(i == 10 ? 2 : 0); // negatives at 0.2
            out.writeDouble(0);
        }
        out.writeLong(0);
        out.writeDouble(0);
        out.writeDouble(0);
        new RunningMoments().writeTo(out);
        out.writeBoolean(false);
        PerformanceAccumulator old = PerformanceAccumulator.fromBytes(out.toByteArray());
        assertThat(old.auc()).isEqualTo(1.0);
        assertThat(old.aucErrorBound()).isNull();
        // Merged with a new one, the histogram decides (the sketches would lack the old scores).
        PerformanceAccumulator now = new PerformanceAccumulator();
        now.add(score(0.1, 1));
        now.add(score(0.95, 0));
        old.merge(now);
        assertThat(old.aucErrorBound()).isNull();
        // Positives 0.9, 0.7, 0.1 against negatives 0.2, 0.2, 0.95: 4 of 9 pairs ranked right.
        assertThat(old.auc()).isCloseTo(4.0 / 9, within(1e-12));
    }
}
