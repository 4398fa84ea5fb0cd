package io.modelwatch.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.util.Iterator;
import java.util.Map;

/**
 * The tree-based parser that {@link PredictionEventParser} replaced, kept as the oracle of
 * {@code PredictionEventParserEquivalenceTest}: the streaming parser must give the same event or
 * the same reason for every input (with the documented exception of duplicates nested in ignored
 * fields).
 */
final class TreePredictionEventParser {
    private TreePredictionEventParser() {}

    private static PredictionEventParser.Result fail(String error) {
        return new PredictionEventParser.Result(null, error);
    }

    private static PredictionEventParser.Result ok(PredictionEvent e) {
        return new PredictionEventParser.Result(e, null);
    }

    public static PredictionEventParser.Result parse(byte[] value) {
        if (value == null || value.length == 0) {
            return fail("value: empty record");
        }
        JsonNode root;
        try (JsonParser p = InputJson.MAPPER.createParser(value)) {
            root = InputJson.MAPPER.readTree(p);
            if (!InputJson.endsAfterValue(p)) {
                return fail(InputJson.TRAILING_CONTENT);
            }
        } catch (Exception e) {
            return fail("not valid JSON: " + InputJson.firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            return fail("not a JSON object");
        }
        try {
            return parseObject(root);
        } catch (RuntimeException e) {
            // Defensive: the checks below should make this unreachable, but a parser inside a
            // streaming job must never take the job down.
            return fail("unreadable record: " + InputJson.firstLine(String.valueOf(e.getMessage())));
        }
    }

    private static PredictionEventParser.Result parseObject(JsonNode root) {
        String modelId = InputJson.textField(root, "modelId");
        if (modelId == null) {
            return fail("modelId: required string missing");
        }
        String idProblem = InputJson.checkId("modelId", modelId);
        if (idProblem != null) {
            return fail(idProblem);
        }
        String version = PredictionEvent.DEFAULT_VERSION;
        JsonNode versionNode = root.get("modelVersion");
        if (versionNode != null && !versionNode.isNull()) {
            if (!versionNode.isTextual() && !versionNode.isIntegralNumber()) {
                return fail("modelVersion: must be a string");
            }
            version = versionNode.asText();
            String versionProblem = InputJson.checkId("modelVersion", version);
            if (versionProblem != null) {
                return fail(versionProblem);
            }
        }
        String predictionId = null;
        JsonNode pid = root.get("predictionId");
        if (pid != null && !pid.isNull()) {
            if (!pid.isTextual() && !pid.isIntegralNumber()) {
                return fail("predictionId: must be a string");
            }
            predictionId = pid.asText();
            if (predictionId.length() > PredictionEventParser.MAX_STRING_LENGTH) {
                return fail("predictionId: longer than " + PredictionEventParser.MAX_STRING_LENGTH + " characters");
            }
        }

        JsonNode ts = root.get("timestamp");
        if (ts == null || ts.isNull()) {
            return fail("timestamp: required field missing");
        }
        long timestamp;
        try {
            timestamp = Timestamps.parse(ts);
        } catch (IllegalArgumentException e) {
            return fail("timestamp: not ISO-8601 or epoch millis");
        }

        JsonNode prediction = root.get("prediction");
        if (prediction == null || prediction.isNull()) {
            return fail("prediction: required field missing");
        }
        byte predictionKind;
        double numericPrediction = 0;
        String categoricalPrediction = null;
        if (prediction.isNumber()) {
            predictionKind = ValueKind.NUMERIC;
            numericPrediction = prediction.doubleValue();
            if (!Double.isFinite(numericPrediction)) {
                return fail("prediction: not a finite number");
            }
        } else if (prediction.isTextual() || prediction.isBoolean()) {
            predictionKind = ValueKind.CATEGORICAL;
            categoricalPrediction = prediction.asText();
            if (categoricalPrediction.length() > PredictionEventParser.MAX_STRING_LENGTH) {
                return fail("prediction: longer than " + PredictionEventParser.MAX_STRING_LENGTH + " characters");
            }
        } else {
            return fail("prediction: must be a number, string or boolean");
        }

        JsonNode features = root.get("features");
        int n = 0;
        if (features != null && !features.isNull()) {
            if (!features.isObject()) {
                return fail("features: must be a JSON object");
            }
            n = features.size();
            if (n > PredictionEventParser.MAX_FEATURES_PER_RECORD) {
                // Caps keep one careless or hostile producer from growing state without bound
                // (docs/operations.md); what exceeds them is rejected with the reason, not cut.
                return fail("features: " + n + " features, more than " + PredictionEventParser.MAX_FEATURES_PER_RECORD);
            }
        }
        String[] names = new String[n];
        byte[] kinds = new byte[n];
        double[] numeric = new double[n];
        String[] categorical = new String[n];
        if (n > 0) {
            int i = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = features.fields(); it.hasNext(); i++) {
                Map.Entry<String, JsonNode> f = it.next();
                names[i] = f.getKey();
                if (names[i].length() > PredictionEventParser.MAX_STRING_LENGTH) {
                    return fail("features: a feature name is longer than " + PredictionEventParser.MAX_STRING_LENGTH + " characters");
                }
                JsonNode v = f.getValue();
                if (v == null || v.isNull()) {
                    kinds[i] = ValueKind.MISSING;
                } else if (v.isNumber()) {
                    double d = v.doubleValue();
                    kinds[i] = Double.isFinite(d) ? ValueKind.NUMERIC : ValueKind.NON_FINITE;
                    numeric[i] = Double.isFinite(d) ? d : 0;
                } else if (v.isTextual() || v.isBoolean()) {
                    kinds[i] = ValueKind.CATEGORICAL;
                    categorical[i] = v.asText();
                    if (categorical[i].length() > PredictionEventParser.MAX_STRING_LENGTH) {
                        return fail("features." + f.getKey() + ": value longer than " + PredictionEventParser.MAX_STRING_LENGTH
                                + " characters");
                    }
                } else {
                    return fail("features." + f.getKey()
                            + ": must be a number, string, boolean or null, not " + v.getNodeType());
                }
            }
        }
        return ok(new PredictionEvent(modelId, version, predictionId, timestamp, names, kinds,
                numeric, categorical, predictionKind, numericPrediction, categoricalPrediction));
    }

}
