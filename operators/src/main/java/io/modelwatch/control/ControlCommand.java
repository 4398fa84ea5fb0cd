package io.modelwatch.control;

import io.modelwatch.config.ConfigException;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One record of the compacted {@code monitor-control} topic (docs/topics.md, schema
 * src/schemas/control-command.schema.json): the full live control state of one model, or of every
 * model under the key {@code *}. Compaction keeps only the newest record per key, so a record never
 * says "change X", always "this is what applies now"; a tombstone (null value) removes the key's
 * live overrides.
 *
 * @param modelId the Kafka key: a model id, or {@link #ALL_MODELS}
 * @param commandId chosen by the sender, shown in health reports; a reference action runs once per
 *     model version and commandId
 * @param thresholds overrides in the thresholds file's format for one model, or null; only the
 *     keys the monitor itself reads may be set live ({@link ControlCommandParser#LIVE_KEYS})
 * @param reference a one-shot reference action for one version of the model, or null
 */
public record ControlCommand(String modelId, String commandId, JsonNode thresholds, Reference reference) {
    public static final String ALL_MODELS = "*";

    /**
     * {@code relearn}: forget the version's reference and learn a new one from its next
     * {@code events} events (0: {@code reference.events} of its thresholds). {@code use}: judge
     * the version against {@code profile} (the binary form of a ReferenceProfile) from now on.
     */
    public record Reference(String action, String version, int events, byte[] profile) {
        public static final String RELEARN = "relearn";
        public static final String USE = "use";

        /** How a health report names the action taken. */
        public String describe() {
            return RELEARN.equals(action)
                    ? "relearn" + (events > 0 ? " from the next " + events + " events" : "")
                    : "use the given profile";
        }
    }

    /**
     * The thresholds in force on one model: file defaults, then the file's section for the model,
     * then the live {@code *} record, then the live record of the model.
     *
     * @param version the file's version when no live override changes anything for this model,
     *     else the file's version, {@code +}, and a hash of the resolved thresholds: it changes
     *     whenever the live overrides in force change, and is stamped on reports and triggers
     * @param overrides the dotted keys set live for this model (e.g. {@code drift.effect.numeric})
     * @param error why the combination of the {@code *} and the model's overrides was refused (each
     *     was valid alone, against the file); the file's thresholds apply then
     */
    public record Resolved(Thresholds thresholds, String version, List<String> overrides, String error) {}

    public static Resolved resolve(ThresholdsConfig file, String modelId, ControlCommand all, ControlCommand model) {
        Thresholds base = file.forModel(modelId);
        JsonNode merged = merge(all == null ? null : all.thresholds(), model == null ? null : model.thresholds());
        if (merged == null || merged.isEmpty()) {
            return new Resolved(base, file.version(), List.of(), null);
        }
        List<String> keys = new ArrayList<>();
        flatten(merged, "", keys);
        keys.sort(null);
        Thresholds live;
        try {
            live = ThresholdsParser.override(base, merged, "thresholds.");
        } catch (ConfigException e) {
            return new Resolved(base, file.version(), List.of(), e.getMessage());
        }
        String version = live.equals(base) ? file.version() : file.version() + "+" + ThresholdsParser.versionOf(live);
        return new Resolved(live, version, List.copyOf(keys), null);
    }

    /** {@code over} laid on {@code under}, object by object; either may be null. */
    static JsonNode merge(JsonNode under, JsonNode over) {
        if (under == null || under.isNull()) {
            return over;
        }
        if (over == null || over.isNull()) {
            return under;
        }
        ObjectNode out = ((ObjectNode) under).deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = out.get(e.getKey());
            if (existing != null && existing.isObject() && e.getValue().isObject()) {
                out.set(e.getKey(), merge(existing, e.getValue()));
            } else {
                out.set(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static void flatten(JsonNode node, String prefix, List<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                flatten(e.getValue(), prefix + e.getKey() + ".", out);
            } else {
                out.add(prefix + e.getKey());
            }
        }
    }
}
