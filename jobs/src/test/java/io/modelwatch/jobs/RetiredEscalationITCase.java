package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint of release 0.1.0 holds the state of a per-model escalation operator (uid
 * {@code drift-escalation-2-in-300000ms}) that this release no longer builds: the job restores it
 * without {@code --allow-non-restored-state} (RetiredEscalations claims it with an
 * EscalationDrain) and the signal it held reaches the escalation. The savepoint is written with
 * the State Processor API, holding what a 0.1.0 CEP operator keeps for a signal waiting for its
 * watermark (its element queue, under CepOperator's state name and serializer); the harness test
 * {@code EscalationStateMigrationTest} drains a real 0.1.0 operator's partial match.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RetiredEscalationITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final long WINDOW_END = Instant.parse("2026-11-26T12:02:00Z").toEpochMilli();

    @Test
    void aRetiredPairOperatorsStateIsClaimedAndItsSignalEscalates(@TempDir Path dir) throws Exception {
        DriftSignal held = new DriftSignal("e", "1", RetrainTrigger.FEATURE_DRIFT, WINDOW_END - 60_000, WINDOW_END,
                3000, new Evidence[] {new Evidence("feature:x", "ks", 0.2, 0.08, Instant.ofEpochMilli(WINDOW_END)
                        .toString())}, false, "v1");
        String savepoint = dir.resolve("savepoint-0.1.0").toUri().toString();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        SavepointWriter.newSavepoint(env, new EmbeddedRocksDBStateBackend(), FlinkSettings.MAX_PARALLELISM)
                .withOperator(OperatorIdentifier.forUid("drift-escalation-2-in-300000ms"), OperatorTransformation
                        .bootstrapWith(env.fromData(List.of(held), TypeInformation.of(DriftSignal.class)))
                        .keyBy(DriftSignal::escalationKey, Types.STRING)
                        .transform(new QueuedSignal()))
                .write(savepoint);
        env.execute("0.1.0 escalation state");

        // The model keeps a pair of its own, so the handed-over signal alone is a trigger.
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                models:
                  e:
                    escalation: {windows: 1, within: 5m}
                """);
        MonitoringJob.run(RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--bounded", "--parallelism", "2",
            "--thresholds", thresholds.toString(), "--from-savepoint", savepoint,
            "--checkpoint-interval", "1s", "--job-name", "retired-escalation"}));

        assertThat(read("retrain-triggers", RetrainTrigger.class)).singleElement().satisfies(t -> {
            assertThat(t.modelId()).isEqualTo("e");
            assertThat(t.detectedAt()).isEqualTo("2026-11-26T12:02:00Z");
        });
    }

    /** CepOperator's element queue: signals by timestamp, waiting for the watermark. */
    static final class QueuedSignal extends KeyedStateBootstrapFunction<String, DriftSignal> {
        private transient MapState<Long, List<DriftSignal>> queue;

        @Override
        public void open(OpenContext openContext) {
            queue = getRuntimeContext().getMapState(new MapStateDescriptor<>("eventQueuesStateName",
                    LongSerializer.INSTANCE, new ListSerializer<>(TypeInformation.of(DriftSignal.class)
                            .createSerializer(new SerializerConfigImpl()))));
        }

        @Override
        public void processElement(DriftSignal s, Context ctx) throws Exception {
            queue.put(s.windowEnd() - 1, List.of(s));
        }
    }
}
