package io.modelwatch.jobs;

import io.modelwatch.monitor.LearningChunks;
import io.modelwatch.monitor.ModelMonitorFunction;
import io.modelwatch.monitor.MonitorStateDescriptors;
import io.modelwatch.functions.MonitorStatus;
import io.modelwatch.model.ModelKey;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * Reads the per-model-version state of the monitor ({@link OperatorIds#MODEL_MONITOR}) out of a
 * savepoint or retained checkpoint with Flink's State Processor API, without running the job.
 */
public final class SavepointInspector {
    private SavepointInspector() {}

    /** Every model version in the savepoint, sorted by model and version. */
    public static List<ModelState> read(StreamExecutionEnvironment env, String savepointPath) throws Exception {
        // RocksDB reads canonical savepoints and RocksDB's own native savepoints and checkpoints.
        SavepointReader savepoint = SavepointReader.read(env, savepointPath, new EmbeddedRocksDBStateBackend());
        List<ModelState> states = new ArrayList<>();
        try (CloseableIterator<ModelState> it = savepoint.readKeyedState(
                OperatorIdentifier.forUid(OperatorIds.MODEL_MONITOR), new MonitorStateReader(), Types.STRING,
                TypeInformation.of(ModelState.class)).executeAndCollect("modelwatch inspect")) {
            it.forEachRemaining(states::add);
        }
        states.sort(Comparator.comparing(ModelState::modelId).thenComparing(ModelState::modelVersion));
        return states;
    }

    /**
     * The state of {@link ModelMonitorFunction}, under the same names and types as it registers
     * them ("reference", "learning", "learningChunks", "windows", "pending", "status").
     */
    static final class MonitorStateReader extends KeyedStateReaderFunction<String, ModelState> {
        private transient ValueState<byte[]> reference;
        private transient ValueState<byte[]> learning;
        private transient ListState<byte[]> learningChunks;
        private transient MapState<Long, byte[]> windows;
        private transient ValueState<byte[]> pending;
        private transient ValueState<MonitorStatus> status;

        @Override
        public void open(OpenContext openContext) {
            reference = getRuntimeContext().getState(MonitorStateDescriptors.reference());
            learning = getRuntimeContext().getState(MonitorStateDescriptors.learning());
            learningChunks = getRuntimeContext().getListState(MonitorStateDescriptors.learningChunks());
            windows = getRuntimeContext().getMapState(MonitorStateDescriptors.windows());
            pending = getRuntimeContext().getState(MonitorStateDescriptors.pending());
            status = getRuntimeContext().getState(MonitorStateDescriptors.status());
        }

        /** Events learned since "learning" was last written whole ({@link LearningChunks}). */
        private long chunkEvents() throws Exception {
            long n = 0;
            Iterable<byte[]> chunks = learningChunks.get();
            if (chunks != null) {
                for (byte[] chunk : chunks) {
                    n += LearningChunks.events(chunk);
                }
            }
            return n;
        }

        @Override
        public void readKey(String key, Context ctx, Collector<ModelState> out) throws Exception {
            byte[] ref = reference.value();
            byte[] learned = learning.value();
            long referenceEvents = ref != null ? ReferenceProfile.fromBytes(ref).events()
                    : learned != null ? ModelProfile.fromBytes(learned).events() + chunkEvents() : 0;
            int open = 0;
            for (Long ignored : windows.keys()) {
                open++;
            }
            MonitorStatus st = status.value();
            if (st == null) {
                st = new MonitorStatus();
            }
            out.collect(new ModelState(ModelKey.modelId(key), ModelKey.modelVersion(key),
                    ref != null ? ModelState.MONITORING : ModelState.LEARNING, referenceEvents, st.eventsSeen, open,
                    pending.value() != null, st.driftedWindowEnds.length,
                    st.lastEventTime == Long.MIN_VALUE ? null : Instant.ofEpochMilli(st.lastEventTime).toString()));
        }
    }
}
