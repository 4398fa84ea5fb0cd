package io.modelwatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.ValueKind;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LabelEventParserTest {
    static LabelEventParser.Result parse(String json) {
        return LabelEventParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parsesTheContractExampleAndCategoricalLabels() {
        LabelEvent l = parse("{\"modelId\": \"churn\", \"predictionId\": \"c0ffee-0001\", \"timestamp\": \"2026-11-26T15:30:00Z\", \"label\": 1}").label();
        assertThat(l.modelId()).isEqualTo("churn");
        assertThat(l.labelKind()).isEqualTo(ValueKind.NUMERIC);
        assertThat(l.numericLabel()).isEqualTo(1.0);
        assertThat(parse("{\"modelId\":\"m\",\"predictionId\":\"p\",\"timestamp\":1,\"label\":true}").label()
                .categoricalLabel()).isEqualTo("true");
    }

    @Test
    void badLabelsNameTheField() {
        assertThat(parse("{\"modelId\":\"m\",\"timestamp\":1,\"label\":1}").error())
                .isEqualTo("predictionId: required string missing");
        assertThat(parse("{\"modelId\":\"m\",\"predictionId\":\"p\",\"timestamp\":1}").error())
                .isEqualTo("label: required field missing");
        assertThat(parse("{\"modelId\":\"m\",\"predictionId\":\"p\",\"label\":1}").error())
                .isEqualTo("timestamp: required field missing");
        assertThat(parse("[]").error()).isEqualTo("not a JSON object");
    }

    @Test
    void contentAfterTheObjectIsADeadLetterButWhitespaceIsNot() {
        String label = "{\"modelId\":\"m\",\"predictionId\":\"p\",\"timestamp\":1,\"label\":1}";
        assertThat(parse(label + label).error()).isEqualTo(InputJson.TRAILING_CONTENT);
        assertThat(parse(label + " }{\"garbage\": true").error()).isEqualTo(InputJson.TRAILING_CONTENT);
        assertThat(parse(label + "\n").ok()).isTrue();
    }
}
