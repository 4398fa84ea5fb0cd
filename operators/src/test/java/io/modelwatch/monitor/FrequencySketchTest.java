package io.modelwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The count-min sketch of {@link FrequencySketch} against counts known exactly. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FrequencySketchTest {
    @Test
    void aFewKeysAreCountedExactlyAndCountsStopAtFifteen() {
        FrequencySketch sketch = new FrequencySketch(1_000); // a sample of 10,000: no halving here
        for (int k = 0; k < 10; k++) {
            for (int i = 0; i < k; i++) {
                sketch.increment("model-" + k + "/1");
            }
        }
        for (int k = 0; k < 10; k++) {
            assertThat(sketch.frequency("model-" + k + "/1")).as("key %d", k).isEqualTo(k);
        }
        assertThat(sketch.frequency("never-seen")).isZero();
        for (int i = 0; i < 100; i++) {
            sketch.increment("hot");
        }
        assertThat(sketch.frequency("hot")).isEqualTo(FrequencySketch.MAX_COUNT);
    }

    @Test
    void anEstimateIsNeverBelowTheTrueCountAndMostlyEqualToIt() {
        // 4,000 keys, each counted 1 + k % 5 times (12,000 additions, fewer than the sample of a
        // cache of 2,000: no halving), on rows of 8,192 counters.
        int keys = 4_000;
        FrequencySketch wide = new FrequencySketch(2_000); // sample 20,000: no halving
        for (int k = 0; k < keys; k++) {
            for (int i = 0; i <= k % 5; i++) {
                wide.increment("model-" + k + "/1");
            }
        }
        int exact = 0;
        for (int k = 0; k < keys; k++) {
            int f = wide.frequency("model-" + k + "/1");
            assertThat(f).as("key %d", k).isGreaterThanOrEqualTo(1 + k % 5);
            if (f == 1 + k % 5) {
                exact++;
            }
        }
        // Half a key per counter (4,000 keys on rows of 8,192 counters): an estimate is exact unless
        // each of the key's four counters is shared, which is (1 - e^(-0.49))^4 = 2.3% of keys.
        assertThat(exact).isGreaterThan(keys * 9 / 10);
    }

    @Test
    void everyCounterIsHalvedOnceASampleIsComplete() {
        FrequencySketch sketch = new FrequencySketch(1); // width 1,024, a sample of 10 additions
        for (int i = 0; i < 9; i++) {
            sketch.increment("a");
        }
        assertThat(sketch.frequency("a")).isEqualTo(9);
        sketch.increment("b"); // the tenth addition completes the sample
        assertThat(sketch.frequency("a")).isEqualTo(4);
        assertThat(sketch.frequency("b")).isZero();
    }
}
