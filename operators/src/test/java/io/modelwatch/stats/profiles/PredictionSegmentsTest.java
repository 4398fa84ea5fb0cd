package io.modelwatch.stats.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.stats.sketches.StateBytes;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PredictionSegmentsTest {

    /** PredictionSegments' format 1, as the previous build wrote it. */
    private static byte[] formatOne(PredictionSegments p) {
        return StateBytes.of(out -> {
            out.writeByte(1);
            out.writeInt(p.segments());
            for (int i = 0; i <= p.segments(); i++) {
                for (double x : p.cell(i)) {
                    out.writeDouble(x);
                }
            }
        });
    }

    /**
     * Format 2 holds what format 1 held: a window's 70 segments, most of them empty, with 4-decimal
     * scores, and one of full-precision predictions, read back from either format to the segments
     * format 2 writes, cell for cell; the window's is a fraction of format 1's bytes.
     */
    @Test
    void format1AndFormat2ReadBackToTheSameSegments() {
        SplittableRandom r = new SplittableRandom(2);
        PredictionSegments window = new PredictionSegments(70);
        PredictionSegments full = new PredictionSegments(8);
        for (int i = 0; i < 60; i++) {
            double score = Math.round(r.nextDouble() * 1e4) / 1e4;
            window.addTotal(score);
            window.add(r.nextInt(10), score);
            window.add(10 + r.nextInt(10), score);
            double y = r.nextGaussian();
            full.addTotal(y);
            full.add(r.nextInt(8), y);
        }
        for (PredictionSegments p : new PredictionSegments[] {window, full, new PredictionSegments(0)}) {
            byte[] now = StateBytes.of(p::writeTo);
            assertThat(now[0]).isEqualTo((byte) 2);
            PredictionSegments old = StateBytes.read(formatOne(p), PredictionSegments::readFrom);
            PredictionSegments back = StateBytes.read(now, PredictionSegments::readFrom);
            assertThat(StateBytes.of(old::writeTo)).isEqualTo(now);
            for (int i = 0; i <= p.segments(); i++) {
                assertThat(back.cell(i)).containsExactly(p.cell(i));
                assertThat(old.cell(i)).containsExactly(p.cell(i));
            }
        }
        assertThat(StateBytes.of(window::writeTo).length).isLessThan(formatOne(window).length / 3);
    }
}
