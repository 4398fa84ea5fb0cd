package io.modelwatch.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses a {@code predictions} record into a {@link PredictionEvent} per docs/topics.md. It never
 * throws for bad input: it returns a {@link Result} holding either the event or a one-line reason
 * naming the offending field, which the caller turns into a dead letter.
 *
 * <p>{@link #parse} is self-contained. An instance ({@link #sharing()}, one per thread: the Kafka
 * source's deserializer holds one per subtask) gives the same events with less allocation: it
 * reuses its scratch columns from record to record, and events with the same feature names in
 * the same order share one names array, where {@link #parse} allocates them anew for every event
 * (2,584 bytes per event of the benchmark workload; 1,584 this way: docs/benchmarks.md). The
 * shared array also lets the wire format find unchanged names by identity
 * ({@code PredictionBatchSerializer}). Arrays of an event are never written to after parsing
 * (FlinkSettings, object reuse), so sharing them is safe. Sharing model ids and category values
 * through a cache of Strings was measured too and left out: it saved 330 bytes per event but cost
 * more CPU in the parsing thread (hashing and comparing the text) than the allocation it saved.
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

    /** Name lists shared between events, or null: every event its own. */
    private final SharedNames names;
    /** The scratch columns, reused from record to record by a sharing instance. */
    private final Fields fields;

    private PredictionEventParser(boolean sharing) {
        this.names = sharing ? new SharedNames() : null;
        this.fields = sharing ? new Fields(names) : null;
    }

    /** A parser that reuses its scratch columns and shares name arrays (see above). Not thread-safe: one per thread. */
    public static PredictionEventParser sharing() {
        return new PredictionEventParser(true);
    }

    /**
     * The streaming parser of prediction records: the same JSON features as {@link InputJson#MAPPER}, but
     * duplicate names of the record and its features are found here ({@link Fields},
     * {@link FeatureColumns}) instead of by Jackson's per-object hash set (Jackson's still checks
     * ignored nested values, {@link #skip}), and no tree is built. Building a {@code JsonNode} tree (a
     * {@code LinkedHashMap} per object) was two thirds of the parsing thread's time
     * (docs/benchmarks.md).
     */
    private static final JsonFactory STREAMING = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // FastDoubleParser: correctly rounded like Double.parseDouble (the equivalence test
            // compares every value), several times faster; 20 numbers per event add up.
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1_000_000).build())
            .build();

    /** Parses one record on its own: nothing is shared with other events. Thread-safe. */
    public static Result parse(byte[] value) {
        return read(value, new Fields(null));
    }

    /** As {@link #parse}, the event sharing its names array with earlier events of this parser. */
    public Result read(byte[] value) {
        fields.reset();
        return read(value, fields);
    }

    private static Result read(byte[] value, Fields f) {
        if (value == null || value.length == 0) {
            return Result.fail("value: empty record");
        }
        try (JsonParser p = STREAMING.createParser(value)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                // As a tree parse would: the whole value must be valid JSON before its kind matters.
                if (t == JsonToken.START_ARRAY) {
                    skip(p);
                } else if (t != null) {
                    p.getText();
                }
                return Result.fail(InputJson.endsAfterValue(p) ? "not a JSON object" : InputJson.TRAILING_CONTENT);
            }
            String duplicate = f.read(p);
            if (duplicate != null) {
                return Result.fail("not valid JSON: Duplicate field '" + duplicate + "'");
            }
            if (!InputJson.endsAfterValue(p)) {
                return Result.fail(InputJson.TRAILING_CONTENT);
            }
        } catch (IOException e) {
            return Result.fail("not valid JSON: " + InputJson.firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            // Defensive: the checks below should make this unreachable, but a parser inside a
            // streaming job must never take the job down.
            return Result.fail("unreadable record: " + InputJson.firstLine(String.valueOf(e.getMessage())));
        }
        return f.check();
    }

    /** What a scalar value read was: the JSON kinds the checks below tell apart. */
    private static final byte ABSENT = 0;
    private static final byte NULL = 1;
    private static final byte STRING = 2;
    private static final byte INTEGER = 3;
    private static final byte FLOAT = 4;
    private static final byte BOOLEAN = 5;
    private static final byte CONTAINER = 6;

    /**
     * The top-level fields of one record, read in one pass and checked afterwards in the fixed
     * order of docs/topics.md (modelId, modelVersion, predictionId, timestamp, prediction, features),
     * so that a record with several problems always gets the same reason whatever its field order.
     */
    private static final class Fields {
        private final SharedNames sharedNames;
        private byte modelIdKind, versionKind, predictionIdKind, timestampKind, predictionKind, featuresKind;
        private String modelId, version, predictionId, timestampText, predictionText;
        /** The timestamp when it was an integer, or a string read in the common ISO-8601 shape. */
        private long timestampMillis;
        /** Whether a string timestamp was read into {@link #timestampMillis} (no String made). */
        private boolean timestampRead;
        private double predictionNumber;
        private final FeatureColumns features = new FeatureColumns();
        private List<String> otherNames;

        Fields(SharedNames sharedNames) {
            this.sharedNames = sharedNames;
        }

        /** As new, for the next record (arrays keep their size; what they hold is overwritten). */
        void reset() {
            modelIdKind = versionKind = predictionIdKind = timestampKind = predictionKind = featuresKind = ABSENT;
            modelId = version = predictionId = timestampText = predictionText = null;
            timestampMillis = 0;
            timestampRead = false;
            predictionNumber = 0;
            otherNames = null;
            features.reset();
        }

        /** Reads the object's fields; returns the first duplicate name, or null. */
        String read(JsonParser p) throws IOException {
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                // A duplicate is found before its value is read, as Jackson finds it: the same
                // reason when a duplicate is followed by a syntax error. A field read before has
                // a kind other than ABSENT.
                JsonToken v;
                switch (name) {
                    case "modelId" -> {
                        if ((v = valueUnlessRead(p, modelIdKind)) == null) {
                            return name;
                        }
                        modelIdKind = kind(v);
                        modelId = text(p, v);
                    }
                    case "modelVersion" -> {
                        if ((v = valueUnlessRead(p, versionKind)) == null) {
                            return name;
                        }
                        versionKind = kind(v);
                        version = text(p, v);
                    }
                    case "predictionId" -> {
                        if ((v = valueUnlessRead(p, predictionIdKind)) == null) {
                            return name;
                        }
                        predictionIdKind = kind(v);
                        predictionId = text(p, v);
                    }
                    case "timestamp" -> {
                        if ((v = valueUnlessRead(p, timestampKind)) == null) {
                            return name;
                        }
                        timestampKind = kind(v);
                        if (timestampKind == INTEGER) {
                            timestampMillis = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                                    ? p.getBigIntegerValue().longValue() : p.getLongValue();
                        } else if (v == JsonToken.VALUE_STRING && (timestampMillis = Timestamps.commonIsoMillis(
                                p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) != Timestamps.NOT_COMMON) {
                            // The common shape, read from Jackson's buffer without a String; what
                            // it accepts, Timestamps.parse accepts with the same value.
                            timestampRead = true;
                        } else {
                            timestampText = text(p, v);
                        }
                    }
                    case "prediction" -> {
                        if ((v = valueUnlessRead(p, predictionKind)) == null) {
                            return name;
                        }
                        predictionKind = kind(v);
                        if (predictionKind == INTEGER || predictionKind == FLOAT) {
                            predictionNumber = p.getDoubleValue();
                        } else {
                            predictionText = text(p, v);
                        }
                    }
                    case "features" -> {
                        if ((v = valueUnlessRead(p, featuresKind)) == null) {
                            return name;
                        }
                        featuresKind = kind(v);
                        if (v == JsonToken.START_OBJECT) {
                            String duplicate = features.read(p);
                            if (duplicate != null) {
                                return duplicate;
                            }
                        } else {
                            text(p, v);
                        }
                    }
                    default -> {
                        if (otherNames == null) {
                            otherNames = new ArrayList<>(4);
                        } else if (otherNames.contains(name)) {
                            return name;
                        }
                        otherNames.add(name);
                        // Ignored (docs/topics.md allows extra fields), but it must be valid JSON.
                        text(p, p.nextToken());
                    }
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new JsonParseException(p, "Unexpected token " + t);
            }
            return null;
        }

        /** The field's value token, or null when the field was read before ({@code kindSoFar}). */
        private static JsonToken valueUnlessRead(JsonParser p, byte kindSoFar) throws IOException {
            return kindSoFar == ABSENT ? p.nextToken() : null;
        }

        Result check() {
            if (modelIdKind != STRING) {
                return Result.fail("modelId: required string missing");
            }
            String idProblem = InputJson.checkId("modelId", modelId);
            if (idProblem != null) {
                return Result.fail(idProblem);
            }
            String v = PredictionEvent.DEFAULT_VERSION;
            if (versionKind != ABSENT && versionKind != NULL) {
                if (versionKind != STRING && versionKind != INTEGER) {
                    return Result.fail("modelVersion: must be a string");
                }
                v = version;
                String versionProblem = InputJson.checkId("modelVersion", v);
                if (versionProblem != null) {
                    return Result.fail(versionProblem);
                }
            }
            String pid = null;
            if (predictionIdKind != ABSENT && predictionIdKind != NULL) {
                if (predictionIdKind != STRING && predictionIdKind != INTEGER) {
                    return Result.fail("predictionId: must be a string");
                }
                pid = predictionId;
                if (pid.length() > MAX_STRING_LENGTH) {
                    return Result.fail("predictionId: longer than " + MAX_STRING_LENGTH + " characters");
                }
            }
            if (timestampKind == ABSENT || timestampKind == NULL) {
                return Result.fail("timestamp: required field missing");
            }
            long timestamp;
            if (timestampKind == INTEGER) {
                timestamp = timestampMillis;
            } else if (timestampKind == STRING && timestampRead) {
                timestamp = timestampMillis;
            } else if (timestampKind == STRING) {
                try {
                    timestamp = Timestamps.parse(timestampText);
                } catch (IllegalArgumentException e) {
                    return Result.fail("timestamp: not ISO-8601 or epoch millis");
                }
            } else {
                return Result.fail("timestamp: not ISO-8601 or epoch millis");
            }
            if (predictionKind == ABSENT || predictionKind == NULL) {
                return Result.fail("prediction: required field missing");
            }
            byte kindOfPrediction;
            double numericPrediction = 0;
            String categoricalPrediction = null;
            if (predictionKind == INTEGER || predictionKind == FLOAT) {
                kindOfPrediction = ValueKind.NUMERIC;
                numericPrediction = predictionNumber;
                if (!Double.isFinite(numericPrediction)) {
                    return Result.fail("prediction: not a finite number");
                }
            } else if (predictionKind == STRING || predictionKind == BOOLEAN) {
                kindOfPrediction = ValueKind.CATEGORICAL;
                categoricalPrediction = predictionText;
                if (categoricalPrediction.length() > MAX_STRING_LENGTH) {
                    return Result.fail("prediction: longer than " + MAX_STRING_LENGTH + " characters");
                }
            } else {
                return Result.fail("prediction: must be a number, string or boolean");
            }
            if (featuresKind != ABSENT && featuresKind != NULL) {
                if (featuresKind != CONTAINER || !features.isObject) {
                    return Result.fail("features: must be a JSON object");
                }
                if (features.count > MAX_FEATURES_PER_RECORD) {
                    // Caps keep one careless or hostile producer from growing state without bound
                    // (docs/operations.md); what exceeds them is rejected with the reason, not cut.
                    return Result.fail("features: " + features.count + " features, more than "
                            + MAX_FEATURES_PER_RECORD);
                }
                if (features.firstError != null) {
                    return Result.fail(features.firstError);
                }
            }
            FeatureColumns c = features;
            int n = c.count;
            String[] eventNames = sharedNames != null ? sharedNames.of(c.names, n) : Arrays.copyOf(c.names, n);
            return Result.ok(new PredictionEvent(modelId, v, pid, timestamp, eventNames,
                    Arrays.copyOf(c.kinds, n), Arrays.copyOf(c.numeric, n), Arrays.copyOf(c.categorical, n),
                    kindOfPrediction, numericPrediction, categoricalPrediction));
        }
    }

    /** The features object, column-wise as {@link PredictionEvent} holds it. */
    private static final class FeatureColumns {
        /** Pairwise hash comparison finds duplicates up to this many names; a set beyond. */
        private static final int PAIRWISE = 64;

        boolean isObject;
        int count;
        String firstError;
        String[] names = new String[32];
        byte[] kinds = new byte[32];
        double[] numeric = new double[32];
        String[] categorical = new String[32];
        private int[] hashes = new int[32];
        private Set<String> seen;

        void reset() {
            isObject = false;
            count = 0;
            firstError = null;
            seen = null;
        }

        /** Reads the object's entries; returns the first duplicate name, or null. */
        String read(JsonParser p) throws IOException {
            isObject = true;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (isDuplicate(name)) {
                    return name;
                }
                JsonToken v = p.nextToken();
                int i = count++;
                if (i >= MAX_FEATURES_PER_RECORD) {
                    // Rejected for the count; only read on for valid JSON and duplicates.
                    text(p, v);
                    continue;
                }
                grow(i);
                names[i] = name;
                if (firstError == null && name.length() > MAX_STRING_LENGTH) {
                    firstError = "features: a feature name is longer than " + MAX_STRING_LENGTH + " characters";
                }
                // Every column is written: a reused instance's arrays hold the previous record's values.
                numeric[i] = 0;
                categorical[i] = null;
                switch (v) {
                    case VALUE_NULL -> kinds[i] = ValueKind.MISSING;
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                        double d = p.getDoubleValue();
                        boolean finite = Double.isFinite(d);
                        kinds[i] = finite ? ValueKind.NUMERIC : ValueKind.NON_FINITE;
                        numeric[i] = finite ? d : 0;
                    }
                    case VALUE_STRING, VALUE_TRUE, VALUE_FALSE -> {
                        kinds[i] = ValueKind.CATEGORICAL;
                        categorical[i] = p.getText();
                        if (firstError == null && categorical[i].length() > MAX_STRING_LENGTH) {
                            firstError = "features." + name + ": value longer than " + MAX_STRING_LENGTH + " characters";
                        }
                    }
                    default -> {
                        if (firstError == null) {
                            firstError = "features." + name + ": must be a number, string, boolean or null, not "
                                    + (v == JsonToken.START_ARRAY ? "ARRAY" : "OBJECT");
                        }
                        skip(p);
                    }
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new JsonParseException(p, "Unexpected token " + t);
            }
            return null;
        }

        private boolean isDuplicate(String name) {
            int h = name.hashCode();
            if (seen != null) {
                return !seen.add(name);
            }
            int n = Math.min(count, PAIRWISE);
            for (int k = 0; k < n; k++) {
                if (hashes[k] == h && names[k].equals(name)) {
                    return true;
                }
            }
            if (count < PAIRWISE) {
                if (count >= hashes.length) {
                    hashes = Arrays.copyOf(hashes, hashes.length * 2);
                }
                hashes[count] = h;
            } else {
                seen = new HashSet<>(Arrays.asList(names).subList(0, count));
                return !seen.add(name);
            }
            return false;
        }

        private void grow(int i) {
            if (i < names.length) {
                return;
            }
            int size = Math.min(names.length * 2, MAX_FEATURES_PER_RECORD);
            names = Arrays.copyOf(names, size);
            kinds = Arrays.copyOf(kinds, size);
            numeric = Arrays.copyOf(numeric, size);
            categorical = Arrays.copyOf(categorical, size);
        }
    }

    private static byte kind(JsonToken t) {
        return switch (t) {
            case VALUE_NULL -> NULL;
            case VALUE_STRING -> STRING;
            case VALUE_NUMBER_INT -> INTEGER;
            case VALUE_NUMBER_FLOAT -> FLOAT;
            case VALUE_TRUE, VALUE_FALSE -> BOOLEAN;
            default -> CONTAINER;
        };
    }

    /**
     * The value's text as {@code JsonNode.asText()} gives it for strings, booleans and integers
     * (integers as their shortest decimal form, "-0" as "0"); containers are skipped (read for
     * validity) and give null.
     */
    private static String text(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> String.valueOf(p.getIntValue());
                case LONG -> String.valueOf(p.getLongValue());
                default -> p.getBigIntegerValue().toString();
            };
            case VALUE_NUMBER_FLOAT -> {
                p.getDoubleValue();
                yield null;
            }
            case START_OBJECT, START_ARRAY -> {
                skip(p);
                yield null;
            }
            default -> null;
        };
    }

    /**
     * One array per list of feature names, shared by the events that carry that list in that
     * order: a two-way set-associative cache of {@link #SLOTS} slots, so memory stays bounded
     * whatever the traffic; a list that does not fit is copied anew as before. Jackson hands out one String per field
     * name (its canonicalising symbol table), so the comparison is mostly by identity.
     */
    static final class SharedNames {
        static final int SLOTS = 2048;
        private final String[][] slots = new String[SLOTS][];

        String[] of(String[] names, int n) {
            int h = n;
            for (int i = 0; i < n; i++) {
                h = 31 * h + names[i].hashCode();
            }
            int slot = (h ^ (h >>> 11)) & (SLOTS - 2);
            String[] a = slots[slot];
            if (a != null && same(a, names, n)) {
                return a;
            }
            String[] b = slots[slot + 1];
            if (b != null && same(b, names, n)) {
                return b;
            }
            String[] made = Arrays.copyOf(names, n);
            slots[slot + 1] = a;
            slots[slot] = made;
            return made;
        }

        private static boolean same(String[] a, String[] names, int n) {
            if (a.length != n) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (!a[i].equals(names[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Skips the container the parser is at. Values the job ignores are still read in full, with
     * Jackson's own duplicate detection, so that a record is valid JSON exactly when a tree parse
     * would say so.
     */
    private static void skip(JsonParser p) throws IOException {
        p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        p.skipChildren();
        p.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

}
