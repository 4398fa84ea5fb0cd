package io.modelwatch.config;

import java.io.Serializable;
import java.util.Map;

/**
 * The thresholds in force: defaults plus per-model overrides, and a short content hash
 * ({@code version}) stamped on every trigger and health report so a user can tell which
 * thresholds produced them.
 */
public record ThresholdsConfig(Thresholds defaults, Map<String, Thresholds> models, String version)
        implements Serializable {

    public static ThresholdsConfig defaultConfig() {
        return ThresholdsParser.parse("");
    }

    public Thresholds forModel(String modelId) {
        Thresholds t = models.get(modelId);
        return t != null ? t : defaults;
    }
}
