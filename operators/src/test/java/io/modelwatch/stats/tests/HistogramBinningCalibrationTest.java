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
}
