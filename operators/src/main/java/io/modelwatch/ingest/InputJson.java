package io.modelwatch.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The JSON reading rules every input topic shares (predictions, labels, control commands): the
 * parser's features and limits, one value per record, ids, and one-line reasons.
 */
public final class InputJson {
    /** The JSON features every input topic is read with. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            // Python's json.dumps writes NaN and Infinity; a feature with such a value is a
            // data-quality finding to count, not a record to reject.
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static {
        // A single hostile record must not make the parser allocate without bound.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64)
                .maxStringLength(1_000_000)
                .build());
    }

    /**
     * The reason of a record that holds more than one JSON value, such as two events concatenated
     * ({@code {...}{...}}) or an object followed by anything but whitespace: reading the first value
     * and ignoring the rest would lose the second event silently.
     */
    public static final String TRAILING_CONTENT =
            "not one JSON object: more content after its end (several records concatenated?)";

    /**
     * Whether nothing but whitespace follows the value {@code p} has just read. Anything else
     * (another value, a stray bracket, bytes that are not JSON) means the record is not one JSON
     * value. Never throws.
     */
    public static boolean endsAfterValue(JsonParser p) {
        try {
            return p.nextToken() == null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A field of an object read as a tree, when it is text; otherwise null. */
    public static String textField(JsonNode root, String name) {
        JsonNode n = root.get(name);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    /** Why {@code id} cannot be a model id or version, or null when it can. */
    public static String checkId(String field, String id) {
        if (id.isEmpty()) {
            return field + ": must not be empty";
        }
        if (id.length() > PredictionEventParser.MAX_MODEL_ID_LENGTH) {
            return field + ": longer than " + PredictionEventParser.MAX_MODEL_ID_LENGTH + " characters";
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return field + ": contains a control character";
            }
        }
        return null;
    }

    /** The first line of an exception message, for a one-line dead-letter reason. */
    public static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private InputJson() {}
}
