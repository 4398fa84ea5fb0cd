package io.modelwatch.monitor;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.serde.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A thresholds file's resolved settings as {@link ModelMonitorFunction} keeps them in operator
 * state: its version, the defaults' settings and each model section's, by key as in the file
 * ({@link ThresholdsParser#settings}). Plain JSON, so a later build with more keys still reads
 * it; a key it does not hold (a key this build added) is reported as changed only when its value
 * now is not the built-in default, which is the behaviour the earlier build had.
 */
record ThresholdsFile(String version, Map<String, String> defaults, Map<String, Map<String, String>> models) {
    static ThresholdsFile of(ThresholdsConfig c) {
        Map<String, Map<String, String>> models = new TreeMap<>();
        c.models().forEach((id, t) -> models.put(id, ThresholdsParser.settings(t)));
        return new ThresholdsFile(c.version(), ThresholdsParser.settings(c.defaults()), models);
    }

    static ThresholdsFile fromJson(String json) {
        return Json.read(json, ThresholdsFile.class);
    }

    String toJson() {
        return new String(Json.toBytes(this), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The keys whose value for {@code modelId} differs between this file and {@code now}, sorted. */
    List<String> changedFor(String modelId, ThresholdsConfig now) {
        Map<String, String> before = models != null && models.containsKey(modelId) ? models.get(modelId) : defaults;
        Map<String, String> after = ThresholdsParser.settings(now.forModel(modelId));
        TreeSet<String> keys = new TreeSet<>(after.keySet());
        if (before != null) {
            keys.addAll(before.keySet());
        }
        Map<String, String> builtIn = ThresholdsParser.settings(ThresholdsConfig.defaultConfig().defaults());
        List<String> changed = new ArrayList<>();
        for (String k : keys) {
            String was = before == null ? null : before.containsKey(k) ? before.get(k) : builtIn.get(k);
            if (before == null || !Objects.equals(was, after.get(k))) {
                changed.add(k);
            }
        }
        return changed;
    }
}
