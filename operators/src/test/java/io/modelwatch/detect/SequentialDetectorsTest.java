package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SequentialDetectorsTest {
    /**
     * Montgomery, "Introduction to Statistical Quality Control" (6th ed., 2009), Example 9.1 /
     * Table 9.1: 20 observations from N(10, 1), then 10 from N(11, 1); target 10, k = 0.5, h = 5.
     */
    static final double[] MONTGOMERY = {9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47,
        10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62,
        11.31, 10.52};

    @Test
    void cusumAlarmsAtObservation29OfMontgomerysExample() {
        Cusum c = new Cusum();
        int alarmAt = -1;
        double before = 0;
        for (int i = 0; i < MONTGOMERY.length && alarmAt < 0; i++) {
            before = c.upper();
            if (c.add(MONTGOMERY[i], 10, 0.5, 5)) {
                alarmAt = i + 1;
            }
        }
        // C+ runs 0, 0, 0, 1.16, 2.82, 2.50, 0.04, 1.00, 0, ..., 4.47 at 28, then 4.47 + 0.81 = 5.28 > 5.
        assertThat(alarmAt).isEqualTo(29);
        assertThat(before + MONTGOMERY[28] - 10.5).isCloseTo(5.28, within(1e-9));
        // Reset after the alarm.
        assertThat(c.statistic()).isZero();
    }

    @Test
    void cusumWithAnAllowanceAboveTheNoiseNeverAlarmsOnTarget() {
        SplittableRandom r = new SplittableRandom(1);
        Cusum c = new Cusum();
        for (int i = 0; i < 100_000; i++) {
            assertThat(c.add(0.01 * r.nextGaussian(), 0, 0.035, 0.1)).isFalse();
        }
        // A shift of 0.07 accumulates 0.035 per observation: past 0.1 on the third.
        int n = 0;
        while (!c.add(0.07, 0, 0.035, 0.1)) {
            n++;
        }
        assertThat(n + 1).isEqualTo(3);
    }

    @Test
    void pageHinkleyByHand() {
        // x = 0, 0, 0, 0, 1, 1, 1 with delta 0: the running mean after 5, 6, 7 values is 1/5, 2/6, 3/7,
        // so m_T = 0.8, 0.8 + 2/3, 0.8 + 2/3 + 4/7 = 2.0381 while min m_t = 0: alarm at 7 with lambda 2.
        PageHinkley ph = new PageHinkley();
        double[] x = {0, 0, 0, 0, 1, 1};
        for (double v : x) {
            assertThat(ph.add(v, 0, 2, 1)).isFalse();
        }
        assertThat(ph.statistic()).isCloseTo(0.8 + 2.0 / 3, within(1e-12));
        assertThat(ph.add(1, 0, 2, 1)).isTrue();
        // A fall is found the same way.
        PageHinkley down = new PageHinkley();
        for (double v : new double[] {0, 0, 0, 0, -1, -1}) {
            down.add(v, 0, 2, 1);
        }
        assertThat(down.statistic()).isCloseTo(0.8 + 2.0 / 3, within(1e-12));
        // Not before minObservations.
        PageHinkley early = new PageHinkley();
        assertThat(early.add(0, 0, 0.1, 3)).isFalse();
        assertThat(early.add(5, 0, 0.1, 3)).isFalse();
        assertThat(early.add(5, 0, 0.1, 3)).isTrue();
    }

    @Test
    void pageHinkleyIgnoresAConstantOffsetButFindsAStep() {
        SplittableRandom r = new SplittableRandom(2);
        PageHinkley ph = new PageHinkley();
        for (int i = 0; i < 50_000; i++) {
            // Offset 0.3 from any reference: irrelevant to a test against the stream's own mean.
            assertThat(ph.add(0.3 + 0.01 * r.nextGaussian(), 0.035, 0.1, 5)).isFalse();
        }
        int n = 1;
        while (!ph.add(0.4 + 0.01 * r.nextGaussian(), 0.035, 0.1, 5)) {
            n++;
        }
        assertThat(n).isBetween(2, 4);
    }

    @Test
    void detectorStateRoundTrips() throws IOException {
        SplittableRandom r = new SplittableRandom(4);
        Cusum c = new Cusum();
        PageHinkley p = new PageHinkley();
        for (int i = 0; i < 1000; i++) {
            double x = r.nextDouble();
            c.add(x, 0.5, 0.1, 100);
            p.add(x, 0.1, 100, 5);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        c.writeTo(out);
        p.writeTo(out);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        Cusum c2 = Cusum.readFrom(in);
        PageHinkley p2 = PageHinkley.readFrom(in);
        assertThat(c2.statistic()).isEqualTo(c.statistic());
        assertThat(p2.statistic()).isEqualTo(p.statistic());
        // And they continue identically.
        for (int i = 0; i < 500; i++) {
            double x = r.nextDouble() * 0.5;
            assertThat(c2.add(x, 0.5, 0.1, 100)).isEqualTo(c.add(x, 0.5, 0.1, 100));
        }
        assertThat(bytes.size()).isLessThan(100);
    }
}
