package io.modelwatch.jobs;

import io.modelwatch.config.ConfigException;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.monitor.MonitorStateDescriptors;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code bin/modelwatch bootstrap}: a savepoint whose monitor state holds reference profiles built
 * from training data, so a new deployment started from it judges drift from its first window
 * instead of learning references from production traffic first. Written with Flink's State
 * Processor API under the monitor's uid ({@link OperatorIds#MODEL_MONITOR}) and the job's maximum
 * parallelism; every other operator starts empty (the Kafka source from the consumer group's
 * committed offsets, or the beginning).
 */
public final class ReferenceBootstrap {
    private ReferenceBootstrap() {}

    /** One model version's frozen reference, as the monitor stores it. */
    public record Reference(String key, byte[] profile) {}

    /**
     * One reference per model version from all of its events, with the bins its thresholds ask
     * for, as the monitor stores it: {@link ReferenceBuilder#fromData} (exact proportions, the
     * same reference {@code modelwatch profile} writes), installed with its timestamps collapsed
     * ({@link ReferenceBuilder#installed}), so the training data's time span is not read as the
     * model's event rate. A version with fewer than its {@code reference.events} events is
     * refused: a reference smaller than the monitor itself would learn is not one to trust.
     */
    public static Map<String, ReferenceProfile> learn(Iterable<PredictionEvent> events, ThresholdsConfig config) {
        Map<String, List<PredictionEvent>> byVersion = new TreeMap<>();
        for (PredictionEvent e : events) {
            byVersion.computeIfAbsent(e.modelKey(), k -> new ArrayList<>()).add(e);
        }
        Map<String, ReferenceProfile> refs = new TreeMap<>();
        byVersion.forEach((key, versionEvents) -> {
            Thresholds t = config.forModel(ModelKey.modelId(key));
            if (versionEvents.size() < t.referenceEvents()) {
                throw new ConfigException("model " + ModelKey.modelId(key) + " version " + ModelKey.modelVersion(key)
                        + ": " + versionEvents.size() + " events, fewer than reference.events ("
                        + t.referenceEvents() + ")");
            }
            refs.put(key, ReferenceBuilder.installed(
                    ReferenceBuilder.fromData(versionEvents, t.numericBins(), t.categoryBins())));
        });
        return refs;
    }

    /** Writes the savepoint to {@code path} (a directory that must not exist yet) and waits for it. */
    public static void write(StreamExecutionEnvironment env, Map<String, ReferenceProfile> refs, String path)
            throws Exception {
        List<Reference> rows = new ArrayList<>();
        refs.forEach((key, ref) -> rows.add(new Reference(key, ref.toBytes())));
        StateBootstrapTransformation<Reference> monitor = OperatorTransformation
                .bootstrapWith(env.fromData(rows, TypeInformation.of(Reference.class)))
                .keyBy(Reference::key, Types.STRING)
                .transform(new ReferenceWriter());
        SavepointWriter.newSavepoint(env, new EmbeddedRocksDBStateBackend(), FlinkSettings.MAX_PARALLELISM)
                .withOperator(OperatorIdentifier.forUid(OperatorIds.MODEL_MONITOR), monitor)
                .write(path);
        env.execute("modelwatch bootstrap");
    }

    /** Writes the monitor's "reference" state, under the name and type the monitor registers. */
    static final class ReferenceWriter extends KeyedStateBootstrapFunction<String, Reference> {
        private transient ValueState<byte[]> reference;

        @Override
        public void open(OpenContext openContext) {
            reference = getRuntimeContext().getState(MonitorStateDescriptors.reference());
        }

        @Override
        public void processElement(Reference r, Context ctx) throws Exception {
            reference.update(r.profile());
        }
    }
}
