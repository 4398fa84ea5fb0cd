package io.modelwatch.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.stats.sketches.CategoryBins;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.sketches.QuantileBins;
import io.modelwatch.stats.profiles.PredictionSegments;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.sketches.RankCorrelations;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The readable JSON form of a {@link ReferenceProfile}, as {@code modelwatch profile} writes it
 * and {@code run --references} reads it; its JSON Schema is src/schemas/reference-profile.schema.json.
 *
 * <pre>
 * {"format": "modelwatch-reference/1", "modelId": "churn", "modelVersion": "7", "events": 250000,
 *  "firstTimestamp": "...", "lastTimestamp": "...",
 *  "features": [
 *    {"name": "age", "type": "NUMERIC", "present": 249100, "missing": 900, "mean": 40.2, "stddev": 12.1,
 *     "min": 18, "max": 95, "rankError": 0,
 *     "psiBins": {"edges": [...9], "proportions": [...10]},
 *     "grid": {"edges": [...], "proportions": [...]}, "quantiles": [...49]},
 *    {"name": "plan", "type": "CATEGORICAL", "present": 250000, "missing": 0,
 *     "categories": [{"value": "basic", "proportion": 0.5}, ...], "otherProportion": 0.002}],
 *  "prediction": { same form, name "prediction" },
 *  "joint": {"features": ["age", "amount"], "events": 250000, "pairs": [[249100, su, sv, suu, svv, suv]]}}
 * </pre>
 *
 * {@code joint} (optional, written when complete) holds the pairs' rank-correlation sums of the
 * joint features ({@link ReferenceProfile}); a file without it has them learned by the monitor.
 * {@code predictionSegments} (optional, written when complete): {@code {"segments": n, "cells":
 * [[count, sum, sum of squares], ... n + 1 rows, the last for all events]}}, the prediction per
 * segment of the reference's segment plan (docs/detection.md, "Segments of a prediction drift");
 * a file without it, or with another plan's number of segments, has them learned by the monitor.
 *
 * Bin edges follow {@link QuantileBins}: {@code n} edges cut {@code n + 1} bins
 * {@code (-inf, e0), [e0, e1), ..., [e_last, +inf)}. A feature without values in the reference has
 * neither bins nor categories and is only watched for its missing rate.
 */
public final class ReferenceProfileJson {
    public static final String FORMAT = "modelwatch-reference/1";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /** A reference with the model version it belongs to. */
    public record Named(String modelId, String modelVersion, ReferenceProfile profile) {}

    private ReferenceProfileJson() {}

    public static String write(String modelId, String modelVersion, ReferenceProfile ref) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("modelId", modelId);
        root.put("modelVersion", modelVersion);
        root.put("events", ref.events());
        if (ref.events() > 0) {
            root.put("firstTimestamp", Instant.ofEpochMilli(ref.firstTimestamp()).toString());
            root.put("lastTimestamp", Instant.ofEpochMilli(ref.lastTimestamp()).toString());
        }
        ArrayNode features = root.putArray("features");
        for (FeatureReference f : ref.features().values()) {
            features.add(feature(f));
        }
        root.set("prediction", feature(ref.prediction()));
        if (ref.jointComplete()) {
            // The pairs' rank-correlation sums, measured in the PIT space of these marginals
            // (ReferenceProfile): kept so the file judges pairs from its first window.
            RankCorrelations j = ref.joint();
            ObjectNode joint = root.putObject("joint");
            ArrayNode names = joint.putArray("features");
            for (String name : j.names()) {
                names.add(name);
            }
            joint.put("events", j.events());
            ArrayNode pairs = joint.putArray("pairs");
            for (int k = 0; k < j.pairCount(); k++) {
                ArrayNode pair = pairs.addArray().add(j.count(k));
                for (double sum : j.sums(k)) {
                    pair.add(sum);
                }
            }
        }
        if (ref.segmentsComplete()) {
            // The prediction per segment of this reference's plan (its categories and deciles):
            // kept so the file names the segments of a prediction drift from its first window.
            PredictionSegments p = ref.segments();
            ObjectNode segments = root.putObject("predictionSegments");
            segments.put("segments", p.segments());
            ArrayNode cells = segments.putArray("cells");
            for (int i = 0; i <= p.segments(); i++) {
                ArrayNode row = cells.addArray();
                for (double v : p.cell(i)) {
                    row.add(v);
                }
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode feature(FeatureReference f) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("name", f.name());
        n.put("type", f.numeric() ? "NUMERIC" : "CATEGORICAL");
        n.put("present", f.present());
        n.put("missing", f.missing());
        if (f.numeric() && f.present() > 0) {
            n.put("mean", f.mean());
            putFinite(n, "stddev", f.stddev());
            n.put("min", f.min());
            n.put("max", f.max());
            n.put("rankError", f.rankError());
        }
        if (f.numericBins() != null) {
            n.set("psiBins", bins(f.numericBins()));
        }
        if (f.grid() != null) {
            n.set("grid", bins(f.grid()));
        }
        if (f.quantiles() != null) {
            ArrayNode q = n.putArray("quantiles");
            for (double v : f.quantiles()) {
                q.add(v);
            }
        }
        if (f.categoryBins() != null) {
            String[] cats = f.categoryBins().categories();
            double[] props = f.categoryBins().referenceProportions();
            ArrayNode arr = n.putArray("categories");
            for (int i = 0; i < cats.length; i++) {
                arr.addObject().put("value", cats[i]).put("proportion", props[i]);
            }
            n.put("otherProportion", props[cats.length]);
        }
        return n;
    }

    private static ObjectNode bins(QuantileBins b) {
        ObjectNode n = MAPPER.createObjectNode();
        ArrayNode edges = n.putArray("edges");
        for (double e : b.edges()) {
            edges.add(e);
        }
        ArrayNode props = n.putArray("proportions");
        for (double p : b.referenceProportions()) {
            props.add(p);
        }
        return n;
    }

    private static void putFinite(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) {
            n.put(key, v);
        } else {
            n.putNull(key);
        }
    }

    /**
     * Reads and checks a reference.
     *
     * @throws IllegalArgumentException with a one-line reason naming the offending field
     */
    public static Named read(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage());
            throw new IllegalArgumentException("not valid JSON: " + msg.lines().findFirst().orElse(msg));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String format = text(root, "format");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("format: expected \"" + FORMAT + "\", found " + root.get("format"));
        }
        String modelId = text(root, "modelId");
        String version = root.hasNonNull("modelVersion") ? text(root, "modelVersion") : "default";
        long events = count(root, "events");
        long first = root.hasNonNull("firstTimestamp") ? instant(root, "firstTimestamp") : 0;
        long last = root.hasNonNull("lastTimestamp") ? instant(root, "lastTimestamp") : 0;
        JsonNode fs = root.get("features");
        if (fs == null || !fs.isArray()) {
            throw new IllegalArgumentException("features: required array missing");
        }
        LinkedHashMap<String, FeatureReference> features = new LinkedHashMap<>();
        for (int i = 0; i < fs.size(); i++) {
            FeatureReference f = feature(fs.get(i), "features[" + i + "]");
            if (features.put(f.name(), f) != null) {
                throw new IllegalArgumentException("features[" + i + "].name: '" + f.name() + "' appears twice");
            }
        }
        JsonNode pred = root.get("prediction");
        if (pred == null || !pred.isObject()) {
            throw new IllegalArgumentException("prediction: required object missing");
        }
        RankCorrelations joint = root.hasNonNull("joint") ? joint(root.get("joint")) : null;
        PredictionSegments segments = root.hasNonNull("predictionSegments")
                ? predictionSegments(root.get("predictionSegments")) : null;
        return new Named(modelId, version, new ReferenceProfile(events, first, last, features,
                feature(pred, "prediction"), joint, joint != null, segments, segments != null));
    }

    /** The optional prediction per segment; one of another plan's size is dropped (relearned). */
    private static PredictionSegments predictionSegments(JsonNode n) {
        long segments = count(n, "segments", "predictionSegments");
        JsonNode cells = n.get("cells");
        if (cells == null || !cells.isArray() || cells.size() != segments + 1) {
            throw new IllegalArgumentException("predictionSegments.cells: " + (segments + 1)
                    + " rows of [count, sum, sum of squares] expected");
        }
        double[][] rows = new double[cells.size()][3];
        for (int i = 0; i < rows.length; i++) {
            JsonNode row = cells.get(i);
            if (!row.isArray() || row.size() != 3) {
                throw new IllegalArgumentException("predictionSegments.cells[" + i + "]: [count, sum, sum of squares] expected");
            }
            for (int k = 0; k < 3; k++) {
                if (!row.get(k).isNumber()) {
                    throw new IllegalArgumentException("predictionSegments.cells[" + i + "][" + k + "]: a number expected");
                }
                rows[i][k] = row.get(k).doubleValue();
            }
        }
        return PredictionSegments.of((int) segments, rows);
    }

    /** The optional joint part; one of other features than the reference's own is dropped (relearned). */
    private static RankCorrelations joint(JsonNode n) {
        JsonNode fs = n.get("features");
        JsonNode ps = n.get("pairs");
        if (fs == null || !fs.isArray() || fs.size() > RankCorrelations.MAX_FEATURES) {
            throw new IllegalArgumentException("joint.features: required array of at most "
                    + RankCorrelations.MAX_FEATURES + " names missing");
        }
        String[] names = new String[fs.size()];
        for (int i = 0; i < names.length; i++) {
            if (!fs.get(i).isTextual()) {
                throw new IllegalArgumentException("joint.features[" + i + "]: a name expected");
            }
            names[i] = fs.get(i).asText();
        }
        int pairs = RankCorrelations.pairs(names.length);
        if (ps == null || !ps.isArray() || ps.size() != pairs) {
            throw new IllegalArgumentException("joint.pairs: " + pairs + " pairs of [count, 5 sums] expected");
        }
        long[] counts = new long[pairs];
        double[][] sums = new double[pairs][5];
        for (int k = 0; k < pairs; k++) {
            JsonNode p = ps.get(k);
            if (!p.isArray() || p.size() != 6 || !p.get(0).isIntegralNumber() || p.get(0).longValue() < 0) {
                throw new IllegalArgumentException("joint.pairs[" + k + "]: [count, 5 sums] expected");
            }
            counts[k] = p.get(0).longValue();
            for (int i = 0; i < 5; i++) {
                if (!p.get(i + 1).isNumber()) {
                    throw new IllegalArgumentException("joint.pairs[" + k + "][" + (i + 1) + "]: a number expected");
                }
                sums[k][i] = p.get(i + 1).doubleValue();
            }
        }
        return RankCorrelations.of(names, count(n, "events", "joint"), counts, sums);
    }

    private static FeatureReference feature(JsonNode n, String at) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(at + ": must be an object");
        }
        String name = text(n, "name", at);
        String type = text(n, "type", at);
        if (!type.equals("NUMERIC") && !type.equals("CATEGORICAL")) {
            throw new IllegalArgumentException(at + ".type: NUMERIC or CATEGORICAL, not '" + type + "'");
        }
        boolean numeric = type.equals("NUMERIC");
        long present = count(n, "present", at);
        long missing = count(n, "missing", at);
        try {
            if (!numeric) {
                JsonNode cats = n.get("categories");
                if (cats == null || !cats.isArray()) {
                    throw new IllegalArgumentException(at + ".categories: required array missing");
                }
                String[] values = new String[cats.size()];
                double[] props = new double[cats.size() + 1];
                for (int i = 0; i < cats.size(); i++) {
                    values[i] = text(cats.get(i), "value", at + ".categories[" + i + "]");
                    props[i] = number(cats.get(i), "proportion", at + ".categories[" + i + "]");
                }
                props[values.length] = number(n, "otherProportion", at);
                checkProportions(props, at);
                // With no OTHER mass, the listed categories are all the reference had: new ones can
                // be told apart (data quality), with no singletons known (Good-Turing rate 0.5/N).
                String[] known = props[values.length] == 0 ? java.util.Arrays.stream(values).sorted()
                        .toArray(String[]::new) : null;
                return new FeatureReference(name, false, present, missing, Double.NaN, Double.NaN, Double.NaN,
                        Double.NaN, null, new CategoryBins(values, props), null, null, 0, known, 0, 0, 0);
            }
            if (present == 0) {
                return new FeatureReference(name, true, 0, missing, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                        null, null, null, null, 0, null, 0, 0, 0);
            }
            QuantileBins psi = bins(n.get("psiBins"), present, at + ".psiBins");
            QuantileBins grid = n.hasNonNull("grid") ? bins(n.get("grid"), present, at + ".grid") : null;
            double[] quantiles = null;
            if (n.hasNonNull("quantiles")) {
                quantiles = doubles(n.get("quantiles"), at + ".quantiles");
            }
            return new FeatureReference(name, true, present, missing, number(n, "mean", at),
                    n.hasNonNull("stddev") ? number(n, "stddev", at) : Double.NaN, number(n, "min", at),
                    number(n, "max", at), psi, null, grid, quantiles,
                    n.hasNonNull("rankError") ? number(n, "rankError", at) : 0, null, 0, 0, 0);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(at)) {
                throw e;
            }
            throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
        }
    }

    private static void checkProportions(double[] props, String at) {
        double sum = 0;
        for (double p : props) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(at + ": proportions must be in [0, 1], found " + p);
            }
            sum += p;
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException(at + ": category proportions and otherProportion must sum to 1, sum is "
                    + sum);
        }
    }

    private static QuantileBins bins(JsonNode n, long present, String at) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(at + ": required object with edges and proportions missing");
        }
        return new QuantileBins(doubles(n.get("edges"), at + ".edges"), doubles(n.get("proportions"),
                at + ".proportions"), Math.max(1, present));
    }

    private static double[] doubles(JsonNode n, String at) {
        if (n == null || !n.isArray()) {
            throw new IllegalArgumentException(at + ": must be an array of numbers");
        }
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isNumber()) {
                throw new IllegalArgumentException(at + "[" + i + "]: must be a number");
            }
            out[i] = n.get(i).doubleValue();
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        return text(n, field, null);
    }

    private static String text(JsonNode n, String field, String at) {
        String where = at == null ? field : at + "." + field;
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException(where + ": required non-empty string missing");
        }
        return v.asText();
    }

    private static long count(JsonNode n, String field) {
        return count(n, field, null);
    }

    private static long count(JsonNode n, String field, String at) {
        String where = at == null ? field : at + "." + field;
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || v.longValue() < 0) {
            throw new IllegalArgumentException(where + ": required whole number >= 0 missing");
        }
        return v.longValue();
    }

    private static double number(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(at + "." + field + ": required number missing");
        }
        return v.doubleValue();
    }

    private static long instant(JsonNode n, String field) {
        try {
            return Instant.parse(text(n, field)).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + ": not an ISO-8601 instant");
        }
    }

    /** Index of references by {@link io.modelwatch.model.ModelKey}, for the job configuration. */
    public static Map<String, byte[]> index(Iterable<Named> refs) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Named n : refs) {
            out.put(io.modelwatch.model.ModelKey.of(n.modelId(), n.modelVersion()), n.profile().toBytes());
        }
        return out;
    }
}
