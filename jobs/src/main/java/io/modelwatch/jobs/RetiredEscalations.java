package io.modelwatch.jobs;

import java.io.DataInputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;

/**
 * Escalation operators of an earlier release that the restore point holds and this job no longer
 * has. Release 0.1.0 built one CEP operator per distinct per-model {@code (escalation.windows,
 * escalation.within)} pair (uid {@code drift-escalation-<k>-in-<ms>ms}); this one has a single
 * escalation operator for every model. Without a claimant their state would make the restore fail
 * unless {@code --allow-non-restored-state} dropped it, and with it their partial matches.
 *
 * <p>The restore point's metadata is read when the graph is built: every operator with state that
 * the graph does not claim gets an {@link io.modelwatch.escalation.EscalationDrain} with that
 * operator id ({@code setUidHash}), which hands the old partial matches' signals to the
 * escalation. Operators are known in savepoints only by their ids, so any unclaimed state is taken
 * for a retired escalation operator; state of another kind fails the restore as it would have
 * without the drain (a key serializer that is not a String's), with Flink's message. With
 * {@code allowNonRestoredState} nothing is claimed: the user asked for unclaimed state to be
 * dropped.
 */
final class RetiredEscalations {
    private RetiredEscalations() {}

    /**
     * @param graph builds the job graph without any drain (called only when restoring)
     * @return hex operator ids to drain, in a stable order; empty when not restoring
     */
    static List<String> find(ReadableConfig conf, Supplier<JobGraph> graph) {
        String path = conf.get(StateRecoveryOptions.SAVEPOINT_PATH);
        if (path == null || path.isBlank() || conf.get(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE)) {
            return List.of();
        }
        Set<OperatorID> withState = new HashSet<>();
        try {
            CompletedCheckpointStorageLocation location = AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(path);
            try (DataInputStream in = new DataInputStream(location.getMetadataHandle().openInputStream())) {
                CheckpointMetadata metadata = Checkpoints.loadCheckpointMetadata(in,
                        RetiredEscalations.class.getClassLoader(), location.getExternalPointer());
                for (OperatorState op : metadata.getOperatorStates()) {
                    if (op.getCoordinatorState() == null
                            && op.getStates().stream().anyMatch(OperatorSubtaskState::hasState)) {
                        withState.add(op.getOperatorID());
                    }
                }
            }
        } catch (Exception e) {
            // Flink reads the restore point again when the job starts and reports what is wrong
            // with it there; nothing to claim here.
            return List.of();
        }
        if (withState.isEmpty()) {
            return List.of();
        }
        for (JobVertex v : graph.get().getVertices()) {
            for (OperatorIDPair ids : v.getOperatorIDs()) {
                withState.remove(ids.getGeneratedOperatorID());
                ids.getUserDefinedOperatorID().ifPresent(withState::remove);
            }
        }
        List<String> out = new ArrayList<>();
        withState.forEach(id -> out.add(id.toHexString()));
        out.sort(null);
        return out;
    }
}
