package io.modelwatch.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class SignalWatermarkAlignerTest {
    @Test
    void passesRecordsAndWatermarksButNeverAnnouncesIdleness() throws Exception {
        try (var harness = new OneInputStreamOperatorTestHarness<String, String>(new SignalWatermarkAligner<>())) {
            harness.open();
            harness.processElement(new StreamRecord<>("a", 10));
            harness.processWatermark(new Watermark(60_000));
            harness.processWatermarkStatus(WatermarkStatus.IDLE);
            harness.processWatermarkStatus(WatermarkStatus.ACTIVE);
            harness.processElement(new StreamRecord<>("b", 60_000));
            harness.processWatermark(new Watermark(120_000));

            assertThat(harness.getOutput()).containsExactly(new StreamRecord<>("a", 10), new Watermark(60_000),
                    new StreamRecord<>("b", 60_000), new Watermark(120_000));
        }
    }
}
