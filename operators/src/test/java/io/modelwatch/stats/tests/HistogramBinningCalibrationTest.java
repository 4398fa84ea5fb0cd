package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HistogramBinningCalibrationTest {
    @Test
    void aScoreMapsToTheShareOfPositivesInItsBin() {
        HistogramBinningCalibration c = HistogramBinningCalibration.fit(
                new double[] {0.05, 0.15, 0.12, 0.18, 0.95, 0.91, 0.55, 1.0},
                new boolean[] {false, true, false, false, true, true, false, false}, 10);
        assertThat(c.applyAsDouble(0.01)).isCloseTo(0.0, within(1e-12));      // bin 0: 0 of 1
        assertThat(c.applyAsDouble(0.11)).isCloseTo(1.0 / 3, within(1e-12));  // bin 1: 1 of 3
        assertThat(c.applyAsDouble(0.5)).isCloseTo(0.0, within(1e-12));       // bin 5: 0 of 1
        assertThat(c.applyAsDouble(0.99)).isCloseTo(2.0 / 3, within(1e-12));  // bin 9: 0.95, 0.91, 1.0
        assertThat(c.applyAsDouble(0.35)).isCloseTo(0.35, within(1e-12));     // empty bin: trusted
    }

    @Test
    void binsAreEqualWidthWithTheEndsClosed() {
        assertThat(HistogramBinningCalibration.bin(0.0, 10)).isZero();
        assertThat(HistogramBinningCalibration.bin(0.1, 10)).isEqualTo(1);
        assertThat(HistogramBinningCalibration.bin(1.0, 10)).isEqualTo(9);
        assertThat(HistogramBinningCalibration.bin(-0.2, 10)).isZero();
    }

    @Test
    void aBinWithFewerLabelsThanTheMinimumTrustsItsScores() {
        long[] pos = new long[10];
        long[] tot = new long[10];
        pos[3] = 10;
        tot[3] = 29;
        pos[6] = 12;
        tot[6] = 30;
        HistogramBinningCalibration c = new HistogramBinningCalibration(pos, tot, 30);
        assertThat(c.applyAsDouble(0.35)).isEqualTo(0.35); // 29 labels: too few
        assertThat(c.applyAsDouble(0.65)).isCloseTo(0.4, within(1e-12));
        assertThat(c.calibrated(3)).isFalse();
        assertThat(c.usable()).isTrue();
        assertThat(c.labels()).isEqualTo(59);
        assertThat(new HistogramBinningCalibration(pos, new long[] {0, 0, 0, 29, 0, 0, 29, 0, 0, 0}, 30).usable())
                .isFalse();
    }

    @Test
    void thePerformanceReferencesLabelCountsGiveTheCalibration() {
        io.modelwatch.stats.profiles.PerformanceAccumulator ref = new io.modelwatch.stats.profiles.PerformanceAccumulator();
        double[] scores = {0.05, 0.15, 0.12, 0.18, 0.95, 0.91, 0.55, 1.0, 0.199, 0.2};
        boolean[] labels = {false, true, false, false, true, true, false, false, true, true};
        for (int i = 0; i < scores.length; i++) {
            ref.add(new io.modelwatch.model.LabelOutcome(io.modelwatch.model.LabelOutcome.MATCHED, "m", "1", i, i + 1,
                    io.modelwatch.model.ValueKind.NUMERIC, scores[i], null, io.modelwatch.model.ValueKind.NUMERIC,
                    labels[i] ? 1 : 0, null));
        }
        // The accumulator's 50 bins in runs of 5: the same as fitting 10 bins to the scores.
        HistogramBinningCalibration fromReference = ref.calibration(10, 1);
        HistogramBinningCalibration fitted = HistogramBinningCalibration.fit(scores, labels, 10);
        for (int b = 0; b < 10; b++) {
            assertThat(fromReference.positives(b)).as("bin %d", b).isEqualTo(fitted.positives(b));
            assertThat(fromReference.labels(b)).as("bin %d", b).isEqualTo(fitted.labels(b));
        }
        assertThat(fromReference.labels(1)).isEqualTo(4); // 0.15, 0.12, 0.18, 0.199
        assertThat(new io.modelwatch.stats.profiles.PerformanceAccumulator().calibration(10, 1)).isNull();
    }
}
