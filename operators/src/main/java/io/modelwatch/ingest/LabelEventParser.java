package io.modelwatch.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.ValueKind;

/** Parses a {@code labels} record per docs/topics.md; never throws, like {@link PredictionEventParser}. */
public final class LabelEventParser {
    /** Either a label or the reason there is none. */
    public record Result(LabelEvent label, String error) {
        public boolean ok() {
            return label != null;
        }
    }

    private LabelEventParser() {}

    public static Result parse(byte[] value) {
        if (value == null || value.length == 0) {
            return new Result(null, "value: empty record");
        }
        JsonNode root;
        try (JsonParser p = InputJson.MAPPER.createParser(value)) {
            root = InputJson.MAPPER.readTree(p);
            if (!InputJson.endsAfterValue(p)) {
                return new Result(null, InputJson.TRAILING_CONTENT);
            }
        } catch (Exception e) {
            return new Result(null, "not valid JSON: " + InputJson.firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            return new Result(null, "not a JSON object");
        }
        String modelId = InputJson.textField(root, "modelId");
        if (modelId == null) {
            return new Result(null, "modelId: required string missing");
        }
        String problem = InputJson.checkId("modelId", modelId);
        if (problem != null) {
            return new Result(null, problem);
        }
        JsonNode pid = root.get("predictionId");
        if (pid == null || pid.isNull() || !(pid.isTextual() || pid.isIntegralNumber()) || pid.asText().isEmpty()) {
            return new Result(null, "predictionId: required string missing");
        }
        JsonNode ts = root.get("timestamp");
        if (ts == null || ts.isNull()) {
            return new Result(null, "timestamp: required field missing");
        }
        long timestamp;
        try {
            timestamp = Timestamps.parse(ts);
        } catch (IllegalArgumentException e) {
            return new Result(null, "timestamp: not ISO-8601 or epoch millis");
        }
        JsonNode label = root.get("label");
        if (label == null || label.isNull()) {
            return new Result(null, "label: required field missing");
        }
        if (label.isNumber()) {
            double d = label.doubleValue();
            if (!Double.isFinite(d)) {
                return new Result(null, "label: not a finite number");
            }
            return new Result(new LabelEvent(modelId, pid.asText(), timestamp, ValueKind.NUMERIC, d, null), null);
        }
        if (label.isTextual() || label.isBoolean()) {
            return new Result(new LabelEvent(modelId, pid.asText(), timestamp, ValueKind.CATEGORICAL, 0, label.asText()),
                    null);
        }
        return new Result(null, "label: must be a number, string or boolean");
    }
}
