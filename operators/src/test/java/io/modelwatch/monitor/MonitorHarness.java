package io.modelwatch.monitor;

import io.modelwatch.model.ControlUpdate;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionBatch;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.SnapshotType;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFinalizer;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;

/**
 * {@link ModelMonitorFunction} in its operator, on RocksDB, with the control input idle as the
 * job's control source is (ControlWatermarks): watermarks of the events alone drive the timers.
 */
public final class MonitorHarness
        extends KeyedBroadcastOperatorTestHarness<String, PredictionBatch, ControlUpdate, HealthReport> {
    public MonitorHarness(ModelMonitorFunction f) throws Exception {
        this(new ModelMonitorOperator(f));
    }

    /** Also Flink's plain keyed-broadcast operator, as {@code .process()} makes it (earlier builds). */
    public MonitorHarness(CoBroadcastWithKeyedOperator<String, PredictionBatch, ControlUpdate, HealthReport> operator)
            throws Exception {
        super(operator, PredictionBatch::modelKey, Types.STRING, 1, 1, 0);
        setStateBackend(new EmbeddedRocksDBStateBackend());
    }

    @Override
    public void open() throws Exception {
        super.open();
        getTwoInputOperator().processWatermarkStatus2(WatermarkStatus.IDLE);
    }

    /**
     * As a task does, the operator hears of the checkpoint before its state is snapshotted: the
     * monitor writes its open profiles then ({@link ModelMonitorOperator}).
     */
    @Override
    public OperatorSnapshotFinalizer snapshotWithLocalState(long checkpointId, long timestamp, SnapshotType type)
            throws Exception {
        prepareSnapshotPreBarrier(checkpointId);
        return super.snapshotWithLocalState(checkpointId, timestamp, type);
    }

    /** A checked control record, as the splitter broadcasts it ({@code json == null}: tombstone). */
    public void control(String key, String json) throws Exception {
        processBroadcastElement(new ControlUpdate(key, json), 0);
    }
}
