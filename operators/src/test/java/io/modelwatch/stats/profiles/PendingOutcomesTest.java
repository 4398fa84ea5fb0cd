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

    static LabelOutcome numericOutcome(long labelTime, long segments, long numericNames, long numericValues) {
        return new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 1000, labelTime, ValueKind.NUMERIC, 0.7, null,
                ValueKind.NUMERIC, 1, null, segments, numericNames, numericValues);
    }

    /** One outcome as the build before numeric codes wrote it: format 2, its categorical code after it. */
    static byte[] format2(LabelOutcome o) throws Exception {
        byte[] f1 = format1(o);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(f1);
        out.writeLong(o.segments());
        byte[] b = bytes.toByteArray();
        b[0] = 2;
        return b;
    }

    @Test
    void outcomesKeepTheirNumericCodesAndThoseWithoutOneCostNothingMore() {
        LabelOutcome numeric = numericOutcome(3000, 5, 0x0001_0002_0003_0004L, 0x3F80_4000_C000_0000L);
        byte[] without = PendingOutcomes.append(null, numericOutcome(2000, 5, 0, 0));
        byte[] with = PendingOutcomes.append(without, numeric);
        assertThat(with.length - without.length).isEqualTo(without.length - 1 + 16);
        assertThat(PendingOutcomes.read(with, "m", "1")).containsExactly(numericOutcome(2000, 5, 0, 0), numeric);
    }

    @Test
    void aValueOfTheCategoricalCodeFormatReadsWithoutNumericCodesAndTakesNewOutcomes() throws Exception {
        byte[] old = format2(outcome(2000, 77));
        assertThat(PendingOutcomes.read(old, "m", "1")).containsExactly(outcome(2000, 77));
        LabelOutcome numeric = numericOutcome(3000, 5, 9, 0x3F80);
        assertThat(PendingOutcomes.read(PendingOutcomes.append(old, numeric), "m", "1"))
                .containsExactly(outcome(2000, 77), numeric);
        assertThat(PendingOutcomes.read(PendingOutcomes.concat(List.of(format2(outcome(1500, 3)),
                PendingOutcomes.append(null, numeric))), "m", "1")).containsExactly(outcome(1500, 3), numeric);
    }
}
