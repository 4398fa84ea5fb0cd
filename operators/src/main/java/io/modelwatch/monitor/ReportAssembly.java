package io.modelwatch.monitor;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.SequentialEvidence;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.functions.MonitorStatus;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.ModelKey;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.OperatorStateStore;

/**
 * Puts a version's reports together: the window's verdict ({@link WindowVerdict}: statistics,
 * quality and what live control changed) for the window and version at hand, and, on the
 * version's first report after a savepoint upgrade changed its model's settings, a note of what
 * changed ({@link HealthReport.Upgrade}). For that the thresholds file's settings are operator
 * state ("thresholds-file", the same on every subtask: union list state, so any parallelism
 * restores it).
 */
final class ReportAssembly {
    private final ThresholdsConfig config;
    private final MonitorState state;
    /** The thresholds file in force when the restored savepoint was taken; null on a fresh start. */
    private final ThresholdsFile restoredFile;

    ReportAssembly(ThresholdsConfig config, MonitorState state, ThresholdsFile restoredFile) {
        this.config = config;
        this.state = state;
        this.restoredFile = restoredFile;
    }

    /** The thresholds file the restored state was written under, or null. */
    static ThresholdsFile restoredFile(ListState<String> fileState) throws Exception {
        for (String json : fileState.get()) {
            return ThresholdsFile.fromJson(json);
        }
        return null;
    }

    /** The thresholds file's settings, as operator state. */
    static ListState<String> fileState(OperatorStateStore store) throws Exception {
        return store.getUnionListState(MonitorStateDescriptors.thresholdsFile());
    }

    /** Records the thresholds file in force now. */
    static void snapshotFile(ListState<String> fileState, ThresholdsConfig config) throws Exception {
        fileState.update(List.of(ThresholdsFile.of(config).toJson()));
    }

    /** The window (or span) and what the monitor knows about the version. */
    static DriftEvaluator.Context context(String key, long start, long end, MonitorStatus st, int driftedBefore,
            LiveThresholds.Live l) {
        return new DriftEvaluator.Context(ModelKey.modelId(key), ModelKey.modelVersion(key), start, end,
                st.eventsSeen, st.lateSinceReport, driftedBefore, l.resolved().version());
    }

    /** A WARMING_UP, ACCUMULATING or SILENT report. */
    HealthReport summary(String status, ModelProfile window, long referenceEvents, Thresholds t,
            DriftEvaluator.Context c, LiveThresholds.Live l, MonitorStatus st)
            throws Exception {
        return noted(WindowVerdict.summary(status, window, referenceEvents, t, c,
                LiveThresholds.control(l, state.control::value)), st);
    }

    /** The verdict of a judged span, its report noted. */
    WindowVerdict judge(ReferenceProfile ref, ModelProfile span, Thresholds t, DriftEvaluator.Context c,
            List<SequentialEvidence> sequential, LiveThresholds.Live l, MonitorStatus st)
            throws Exception {
        WindowVerdict v = WindowVerdict.judge(ref, span, t, c, sequential,
                LiveThresholds.control(l, state.control::value));
        return new WindowVerdict(noted(v.report(), st), v.signals(), v.drifted());
    }

    /**
     * {@code r} with a note of the savepoint upgrade, on the version's first report after one
     * changed its model's settings; records in {@code st} which file the version was reported under.
     */
    private HealthReport noted(HealthReport r, MonitorStatus st) {
        String file = config.version();
        HealthReport noted = r;
        if (restoredFile != null && restoredFile.version().equals(st.reportedThresholdsVersion)
                && !file.equals(st.reportedThresholdsVersion)) {
            List<String> changed = restoredFile.changedFor(r.modelId(), config);
            if (!changed.isEmpty()) {
                noted = r.withUpgrade(new HealthReport.Upgrade(restoredFile.version(), changed.toArray(String[]::new)));
            }
        }
        st.reportedThresholdsVersion = file;
        return noted;
    }
}
