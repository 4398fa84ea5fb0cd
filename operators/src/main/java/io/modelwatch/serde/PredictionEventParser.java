package io.modelwatch.serde;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Map;

/**
 * Parses a {@code predictions} record into a {@link PredictionEvent} per CONTRACT.md. It never
 * throws for bad input: it returns a {@link Result} holding either the event or a one-line reason
 * naming the offending field, which the caller turns into a dead letter.
 */
public final class PredictionEventParser {
    public static final int MAX_MODEL_ID_LENGTH = 200;
    /**
     * Longest feature name, prediction id or categorical value (characters). Names and categories
     * are kept in state (up to 64 categories of up to 200 features per model version), so this
     * bounds state per model; 200 is far beyond any real category or feature name.
     */
    public static final int MAX_STRING_LENGTH = 200;
    /** Most features one record may carry. */
    public static final int MAX_FEATURES_PER_RECORD = 1000;

    static final ObjectMapper MAPPER = JsonMapper.builder()
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

    /** Either an event or the reason there is none. */
    public record Result(PredictionEvent event, String error) {
        static Result ok(PredictionEvent e) {
            return new Result(e, null);
        }

        static Result fail(String error) {
            return new Result(null, error);
        }

        public boolean ok() {
            return event != null;
        }
    }

    private PredictionEventParser() {}

    public static Result parse(byte[] value) {
        if (value == null || value.length == 0) {
            return Result.fail("value: empty record");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(value);
        } catch (Exception e) {
            return Result.fail("not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            return Result.fail("not a JSON object");
        }
        try {
            return parseObject(root);
        } catch (RuntimeException e) {
            // Defensive: the checks below should make this unreachable, but a parser inside a
            // streaming job must never take the job down.
            return Result.fail("unreadable record: " + firstLine(String.valueOf(e.getMessage())));
        }
    }

    private static Result parseObject(JsonNode root) {
        String modelId = textField(root, "modelId");
        if (modelId == null) {
            return Result.fail("modelId: required string missing");
        }
        String idProblem = checkId("modelId", modelId);
        if (idProblem != null) {
            return Result.fail(idProblem);
        }
        String version = PredictionEvent.DEFAULT_VERSION;
        JsonNode versionNode = root.get("modelVersion");
        if (versionNode != null && !versionNode.isNull()) {
            if (!versionNode.isTextual() && !versionNode.isIntegralNumber()) {
                return Result.fail("modelVersion: must be a string");
            }
            version = versionNode.asText();
            String versionProblem = checkId("modelVersion", version);
            if (versionProblem != null) {
                return Result.fail(versionProblem);
            }
        }
        String predictionId = null;
        JsonNode pid = root.get("predictionId");
        if (pid != null && !pid.isNull()) {
            if (!pid.isTextual() && !pid.isIntegralNumber()) {
                return Result.fail("predictionId: must be a string");
            }
            predictionId = pid.asText();
            if (predictionId.length() > MAX_STRING_LENGTH) {
                return Result.fail("predictionId: longer than " + MAX_STRING_LENGTH + " characters");
            }
        }

        JsonNode ts = root.get("timestamp");
        if (ts == null || ts.isNull()) {
            return Result.fail("timestamp: required field missing");
        }
        long timestamp;
        try {
            timestamp = parseTimestamp(ts);
        } catch (IllegalArgumentException e) {
            return Result.fail("timestamp: not ISO-8601 or epoch millis");
        }

        JsonNode prediction = root.get("prediction");
        if (prediction == null || prediction.isNull()) {
            return Result.fail("prediction: required field missing");
        }
        byte predictionKind;
        double numericPrediction = 0;
        String categoricalPrediction = null;
        if (prediction.isNumber()) {
            predictionKind = ValueKind.NUMERIC;
            numericPrediction = prediction.doubleValue();
            if (!Double.isFinite(numericPrediction)) {
                return Result.fail("prediction: not a finite number");
            }
        } else if (prediction.isTextual() || prediction.isBoolean()) {
            predictionKind = ValueKind.CATEGORICAL;
            categoricalPrediction = prediction.asText();
            if (categoricalPrediction.length() > MAX_STRING_LENGTH) {
                return Result.fail("prediction: longer than " + MAX_STRING_LENGTH + " characters");
            }
        } else {
            return Result.fail("prediction: must be a number, string or boolean");
        }

        JsonNode features = root.get("features");
        int n = 0;
        if (features != null && !features.isNull()) {
            if (!features.isObject()) {
                return Result.fail("features: must be a JSON object");
            }
            n = features.size();
            if (n > MAX_FEATURES_PER_RECORD) {
                // Caps keep one careless or hostile producer from growing state without bound
                // (docs/operations.md); what exceeds them is rejected with the reason, not cut.
                return Result.fail("features: " + n + " features, more than " + MAX_FEATURES_PER_RECORD);
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
                if (names[i].length() > MAX_STRING_LENGTH) {
                    return Result.fail("features: a feature name is longer than " + MAX_STRING_LENGTH + " characters");
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
                    if (categorical[i].length() > MAX_STRING_LENGTH) {
                        return Result.fail("features." + f.getKey() + ": value longer than " + MAX_STRING_LENGTH
                                + " characters");
                    }
                } else {
                    return Result.fail("features." + f.getKey()
                            + ": must be a number, string, boolean or null, not " + v.getNodeType());
                }
            }
        }
        return Result.ok(new PredictionEvent(modelId, version, predictionId, timestamp, names, kinds,
                numeric, categorical, predictionKind, numericPrediction, categoricalPrediction));
    }

    /** ISO-8601 with a zone offset ("Z" or "+01:00"), or epoch milliseconds as a number or string. */
    static long parseTimestamp(JsonNode ts) {
        if (ts.isIntegralNumber()) {
            return ts.longValue();
        }
        if (ts.isTextual()) {
            String s = ts.asText().trim();
            if (!s.isEmpty() && s.length() <= 15 && allDigits(s)) {
                return Long.parseLong(s);
            }
            long common = commonIsoMillis(s);
            if (common != NOT_COMMON) {
                return common;
            }
            try {
                return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
            } catch (DateTimeException e) {
                throw new IllegalArgumentException(e);
            }
        }
        throw new IllegalArgumentException("not a timestamp");
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static final long NOT_COMMON = Long.MIN_VALUE;

    /**
     * The common shapes of an ISO-8601 timestamp, {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)},
     * in epoch milliseconds without {@link OffsetDateTime#parse} (a quarter of all parsing time
     * in the benchmark: docs/benchmarks.md). Anything else, or anything out of range, returns
     * {@link #NOT_COMMON} and is left to {@code OffsetDateTime.parse}, so what is accepted and
     * what is rejected is exactly as before; only the common case is faster. Days past the 28th
     * are left to it too, which keeps month lengths and leap years out of this method.
     */
    static long commonIsoMillis(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return NOT_COMMON;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0
                || minute > 59 || second < 0 || second > 59) {
            return NOT_COMMON;
        }
        int i = 19;
        int millis = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                if (i - start < 3) {
                    millis = millis * 10 + (s.charAt(i) - '0');
                }
                i++;
            }
            int count = i - start;
            if (count < 1 || count > 9) {
                return NOT_COMMON;
            }
            for (int k = count; k < 3; k++) {
                millis *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || oh > 17 || om < 0 || om > 59) {
                return NOT_COMMON;
            }
            offsetSeconds = (s.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return NOT_COMMON;
        }
        long seconds = epochDay(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return seconds * 1000 + millis;
    }

    /** Non-negative value of {@code len} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    private static long epochDay(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yoe = y - era * 400;
        int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468;
    }

    static String textField(JsonNode root, String name) {
        JsonNode n = root.get(name);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    static String checkId(String field, String id) {
        if (id.isEmpty()) {
            return field + ": must not be empty";
        }
        if (id.length() > MAX_MODEL_ID_LENGTH) {
            return field + ": longer than " + MAX_MODEL_ID_LENGTH + " characters";
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return field + ": contains a control character";
            }
        }
        return null;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
