package io.modelwatch.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ScoreHistogramTest {
    @Test
    void scoresAreCountedPerBinAndSideOfTheThresholdWithTheirMeans() {
        double[] scores = {0.02, 0.07, 0.71, 0.74, 0.79, 1.0, 0.3};
        double[] weights = {1, 3, 2, 2, 1, 5, 0.4};
        ScoreHistogram h = ScoreHistogram.of(scores, weights, 0.73);
        assertThat(h.counts()[0]).isEqualTo(4); // bin 0 below 0.73
        assertThat(h.means()[0]).isCloseTo((0.02 + 3 * 0.07) / 4, within(0.1 / 131_072));
        assertThat(h.counts()[14]).isEqualTo(2); // bin 7 below 0.73: 0.71
        assertThat(h.counts()[15]).isEqualTo(3); // bin 7 at or above: 0.74, 0.79
        assertThat(h.means()[15]).isCloseTo((2 * 0.74 + 0.79) / 3, within(0.1 / 131_072));
        assertThat(h.counts()[19]).isEqualTo(5); // 1.0 in the last bin
        assertThat(h.means()[19]).isLessThan(1.0).isCloseTo(1.0, within(0.1 / 65_536));
        assertThat(h.counts()[6]).as("0.4 of an event rounds to none").isZero();
        assertThat(h.total()).isEqualTo(14);
    }

    @Test
    void aMeansCodeGivesBackTheSameMean() {
        for (int cell = 0; cell < ScoreHistogram.CELLS; cell++) {
            for (int code : new int[] {0, 1, 12_345, 65_535}) {
                assertThat(ScoreHistogram.meanCode(cell, ScoreHistogram.mean(cell, code))).isEqualTo(code);
                assertThat(ScoreHistogram.bin(ScoreHistogram.mean(cell, code))).isEqualTo(cell / 2);
            }
        }
    }
}
