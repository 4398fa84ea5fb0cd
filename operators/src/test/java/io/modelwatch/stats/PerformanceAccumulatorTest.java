package io.modelwatch.stats;

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
}
