package io.modelwatch.monitor;

import io.modelwatch.config.ConfigException;
import io.modelwatch.control.ControlCommand;
import io.modelwatch.control.ControlCommandParser;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.functions.ControlStatus;
import io.modelwatch.model.HealthReport;
import java.time.Instant;
import java.util.Map;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;

/**
 * The thresholds in force on a model: the thresholds file's, with what the live control topic
 * overrides (kept in broadcast state {@code SideOutputs#CONTROL}). Resolved on use (file defaults,
 * file per-model, live {@code *}, live per-model; {@link ControlCommand#resolve}) and cached by
 * model until the next control record arrives.
 */
final class LiveThresholds {
    private static final int CACHE_SIZE = 4096;

    private final ThresholdsConfig config;
    /** Thresholds in force by model id; emptied whenever a control command arrives. */
    private final Map<String, Live> live = new LruCache<>(CACHE_SIZE);

    LiveThresholds(ThresholdsConfig config) {
        this.config = config;
    }

    /**
     * The thresholds in force on a model and the commands behind them.
     *
     * @param model the model's own command, or null
     * @param all the {@code *} command, or null
     * @param error a command in broadcast state that no longer passes against the thresholds file
     *     (changed by a restart since it was checked); it is then not applied
     */
    record Live(ControlCommand.Resolved resolved, ControlCommand model, ControlCommand all, String error) {
        Thresholds thresholds() {
            return resolved.thresholds();
        }

        ControlCommand.Reference referenceActionFor(String modelVersion) {
            return model != null && model.reference() != null && model.reference().version().equals(modelVersion)
                    ? model.reference() : null;
        }

        boolean inForce() {
            return model != null || all != null || error != null || resolved.error() != null;
        }
    }

    /** Reads the control status of the current key; only when a control record is in force. */
    @FunctionalInterface
    interface ControlRead {
        ControlStatus get() throws Exception;
    }

    Live forModel(String modelId, ReadOnlyBroadcastState<String, String> state) throws Exception {
        Live l = live.get(modelId);
        if (l != null) {
            return l;
        }
        String allJson = state.get(ControlCommand.ALL_MODELS);
        String modelJson = ControlCommand.ALL_MODELS.equals(modelId) ? null : state.get(modelId);
        ControlCommand all = null;
        ControlCommand model = null;
        String error = null;
        try {
            all = allJson == null ? null : ControlCommandParser.parse(ControlCommand.ALL_MODELS, allJson, config);
        } catch (ConfigException e) {
            error = "* command no longer valid against the thresholds file: " + e.getMessage();
        }
        try {
            model = modelJson == null ? null : ControlCommandParser.parse(modelId, modelJson, config);
        } catch (ConfigException e) {
            error = "command no longer valid against the thresholds file: " + e.getMessage();
        }
        l = new Live(ControlCommand.resolve(config, modelId, all, model), model, all, error);
        live.put(modelId, l);
        return l;
    }

    /** A control record arrived: every model resolves its thresholds again on next use. */
    void changed() {
        live.clear();
    }

    /**
     * What live control changed, for a report, while a control record for the model (or
     * {@code *}) is in force, else null; models without one pay no state read for it.
     */
    static HealthReport.Control control(Live l, ControlRead controlStatus) throws Exception {
        if (!l.inForce()) {
            return null;
        }
        ControlStatus cs = controlStatus.get();
        String rejected = l.error() != null ? l.error() : l.resolved().error();
        return new HealthReport.Control(
                l.model() == null ? null : l.model().commandId(),
                l.all() == null ? null : l.all().commandId(),
                l.resolved().overrides().toArray(String[]::new),
                rejected,
                cs == null ? null : cs.referenceCommandId,
                cs == null ? null : cs.referenceAction,
                cs == null || cs.referenceAppliedAt == Long.MIN_VALUE ? null
                        : Instant.ofEpochMilli(cs.referenceAppliedAt).toString());
    }
}
