package io.modelwatch.stats.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ValueKind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PendingOutcomesTest {
    static LabelOutcome outcome(long labelTime, long segments) {
        return new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 1000, labelTime, ValueKind.CATEGORICAL, 0, "yes",
                ValueKind.CATEGORICAL, 0, "no", segments);
    }

    /** One outcome as release 0.1.0 wrote it: format 1, no segment code. */
    static byte[] format1(LabelOutcome o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeByte(1 | 2 | 4); // matched, categorical prediction, categorical label
        out.writeLong(o.predictionTimestamp());
        out.writeLong(o.labelTimestamp());
        out.writeByte(o.predictionKind());
        out.writeDouble(o.numericPrediction());
        out.writeUTF(o.categoricalPrediction());
        out.writeByte(o.labelKind());
        out.writeDouble(o.numericLabel());
        out.writeUTF(o.categoricalLabel());
        return bytes.toByteArray();
    }

    @Test
    void outcomesKeepTheirSegmentCodes() {
        byte[] b = PendingOutcomes.append(null, outcome(3000, 42L << 16 | 7));
        b = PendingOutcomes.append(b, outcome(2000, 0));
        assertThat(PendingOutcomes.read(b, "m", "1")).containsExactly(outcome(2000, 0), outcome(3000, 42L << 16 | 7));
    }

    @Test
    void aValueOfRelease010ReadsWithoutSegmentsAndTakesNewOutcomes() throws Exception {
        byte[] old = format1(outcome(2000, 0));
        assertThat(PendingOutcomes.read(old, "m", "1")).containsExactly(outcome(2000, 0));
        byte[] appended = PendingOutcomes.append(old, outcome(3000, 99));
        assertThat(PendingOutcomes.read(appended, "m", "1")).containsExactly(outcome(2000, 0), outcome(3000, 99));
        byte[] joined = PendingOutcomes.concat(List.of(format1(outcome(1500, 0)), PendingOutcomes.append(null,
                outcome(2500, 5))));
        assertThat(PendingOutcomes.read(joined, "m", "1")).containsExactly(outcome(1500, 0), outcome(2500, 5));
    }
}
