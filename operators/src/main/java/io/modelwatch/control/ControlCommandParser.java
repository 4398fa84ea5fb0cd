package io.modelwatch.control;

import io.modelwatch.config.ConfigException;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.ingest.InputJson;
import io.modelwatch.serde.ReferenceProfileJson;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and checks a {@link ControlCommand}. Threshold overrides are checked exactly as the
 * thresholds file is (unknown key: an error naming it; ranges; the result against the file's
 * thresholds of the model, and for {@code *} against those of every model of the file), so a
 * command that passes here cannot make the monitor fail. Every error is one line naming the field.
 */
public final class ControlCommandParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a live override may change: the settings the model monitor reads on every batch and
     * window. Everything else is read elsewhere and is refused with the reason in {@link #NOT_LIVE}
     * (silently ignoring a key would be worse).
     */
    public static final Map<String, Set<String>> LIVE_KEYS = Map.of(
            "reference", Set.of("events"),
            "window", Set.of("minEvents"),
            "drift", Set.of("numericBins", "categoryBins", "psi", "fdr", "effect", "sequential"),
            "quality", Set.of("missingRateIncrease", "badValueRate", "pValue", "volumeChange", "lateRate",
                    "silenceAfter"),
            "lifecycle", Set.of("expireAfter"),
            // The estimate from the scores alone is made by the model monitor, when it judges a window.
            "performance", Set.of("threshold", "estimatedDecay"));

    private static final String LABELS_NOT_LIVE = "read by the label join and the performance monitor, which do not "
            + "read the control topic; change it with a savepoint upgrade";

    /** Keys of the thresholds file that a live override cannot change, and why. */
    public static final Map<String, String> NOT_LIVE = Map.of(
            "window.size", "open windows and their timers are laid out on it; change it with a savepoint upgrade",
            "escalation", "the escalation (windows, within) and the trigger cooldown read the thresholds file in "
                    + "operators that do not read the control topic; change it with a savepoint upgrade, which keeps "
                    + "the escalations in flight",
            "performance.labelHorizon", LABELS_NOT_LIVE,
            "performance.minLabels", LABELS_NOT_LIVE,
            "performance.referenceLabels", LABELS_NOT_LIVE,
            "performance.errorIncrease", LABELS_NOT_LIVE,
            "performance.accuracyDrop", "the floor of the realised decay, read by the performance monitor, which does "
                    + "not read the control topic, and of the estimated decay, which must judge by the same floor; "
                    + "change it with a savepoint upgrade");

    private ControlCommandParser() {}

    /**
     * @param key the record's Kafka key (a model id or {@code *})
     * @param json the record's value, not null (a tombstone is not a command)
     * @param file the thresholds file in force, which the overrides must be valid against
     * @throws ConfigException with a one-line reason naming the field
     */
    public static ControlCommand parse(String key, String json, ThresholdsConfig file) {
        if (key == null || key.isBlank()) {
            throw new ConfigException("key: missing; the key of a control record is its modelId, or * for every model");
        }
        JsonNode root;
        try (JsonParser p = JSON.createParser(json)) {
            root = JSON.readTree(p);
            if (!InputJson.endsAfterValue(p)) {
                // As for predictions: a second command after the first must not be ignored.
                throw new ConfigException(InputJson.TRAILING_CONTENT);
            }
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            String msg = String.valueOf(e.getMessage());
            throw new ConfigException("not valid JSON: " + msg.lines().findFirst().orElse(msg));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("a control command must be a JSON object with modelId and commandId");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("modelId", "commandId", "thresholds", "reference").contains(f)) {
                throw new ConfigException(f + ": unknown field (expected commandId, modelId, reference, thresholds)");
            }
        }
        String modelId = text(root, "modelId");
        if (!modelId.equals(key)) {
            throw new ConfigException("modelId: '" + modelId + "' differs from the record's key '" + key
                    + "' (compaction keeps the newest record per key, so they must be the same)");
        }
        String commandId = text(root, "commandId");
        JsonNode thresholds = root.get("thresholds");
        if (thresholds != null && !thresholds.isNull()) {
            if (!thresholds.isObject()) {
                throw new ConfigException("thresholds: must be an object like one model's section of the thresholds file");
            }
            checkLive(thresholds);
            if (ControlCommand.ALL_MODELS.equals(modelId)) {
                ThresholdsParser.override(file.defaults(), thresholds, "thresholds.");
                for (String m : new TreeSet<>(file.models().keySet())) {
                    ThresholdsParser.override(file.forModel(m), thresholds, "thresholds.");
                }
            } else {
                ThresholdsParser.override(file.forModel(modelId), thresholds, "thresholds.");
            }
        } else {
            thresholds = null;
        }
        ControlCommand.Reference reference = null;
        JsonNode ref = root.get("reference");
        if (ref != null && !ref.isNull()) {
            if (ControlCommand.ALL_MODELS.equals(modelId)) {
                throw new ConfigException("reference: only for one model version (key a model id, not *)");
            }
            reference = reference(ref, modelId);
        }
        return new ControlCommand(modelId, commandId, thresholds, reference);
    }

    private static void checkLive(JsonNode thresholds) {
        for (Iterator<Map.Entry<String, JsonNode>> it = thresholds.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> section = it.next();
            String name = section.getKey();
            if (NOT_LIVE.containsKey(name)) {
                throw new ConfigException("thresholds." + name + ": cannot be changed live (" + NOT_LIVE.get(name) + ")");
            }
            if (!ThresholdsParser.sections().contains(name)) {
                continue; // ThresholdsParser names it as unknown, with the known ones
            }
            if (section.getValue().isObject()) {
                for (Iterator<String> keys = section.getValue().fieldNames(); keys.hasNext(); ) {
                    String k = name + "." + keys.next();
                    if (NOT_LIVE.containsKey(k)) {
                        throw new ConfigException("thresholds." + k + ": cannot be changed live (" + NOT_LIVE.get(k) + ")");
                    }
                }
            }
        }
    }

    private static ControlCommand.Reference reference(JsonNode ref, String modelId) {
        if (!ref.isObject()) {
            throw new ConfigException("reference: must be an object with action and version");
        }
        for (Iterator<String> it = ref.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("action", "version", "events", "profile").contains(f)) {
                throw new ConfigException("reference." + f + ": unknown field (expected action, events, profile, version)");
            }
        }
        String action = text(ref, "action", "reference.action");
        String version = text(ref, "version", "reference.version");
        switch (action) {
            case ControlCommand.Reference.RELEARN -> {
                if (ref.has("profile")) {
                    throw new ConfigException("reference.profile: only with action 'use'");
                }
                int events = 0;
                JsonNode e = ref.get("events");
                if (e != null && !e.isNull()) {
                    if (!e.isIntegralNumber() || !e.canConvertToInt() || e.intValue() < 100) {
                        throw new ConfigException("reference.events: must be a whole number of at least 100 (as"
                                + " reference.events of the thresholds), not '" + e.asText() + "'");
                    }
                    events = e.intValue();
                }
                return new ControlCommand.Reference(action, version, events, null);
            }
            case ControlCommand.Reference.USE -> {
                if (ref.has("events")) {
                    throw new ConfigException("reference.events: only with action 'relearn'");
                }
                JsonNode p = ref.get("profile");
                if (p == null || !p.isObject()) {
                    throw new ConfigException("reference.profile: required with action 'use': a reference profile"
                            + " as `modelwatch profile` writes it");
                }
                ReferenceProfileJson.Named named;
                try {
                    named = ReferenceProfileJson.read(p.toString());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("reference.profile: " + e.getMessage());
                }
                if (named.modelId() != null && !named.modelId().equals(modelId)) {
                    throw new ConfigException("reference.profile: is a profile of model '" + named.modelId()
                            + "', not of '" + modelId + "'");
                }
                ReferenceProfile given = named.profile();
                return new ControlCommand.Reference(action, version, 0, given.toBytes());
            }
            default -> throw new ConfigException("reference.action: '" + action + "' is not one of relearn, use");
        }
    }

    private static String text(JsonNode node, String field) {
        return text(node, field, field);
    }

    private static String text(JsonNode node, String field, String name) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new ConfigException(name + ": required");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new ConfigException(name + ": must be a non-empty string, not '" + v + "'");
        }
        return v.asText();
    }
}
