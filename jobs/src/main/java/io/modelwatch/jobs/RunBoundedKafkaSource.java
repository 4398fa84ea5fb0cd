package io.modelwatch.jobs;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A {@link KafkaSource} whose partitions stop where <em>this</em> run says, also those restored
 * from a checkpoint or savepoint of another run.
 *
 * <p>Why: a restored partition split keeps the stopping offset of the run that wrote it. The
 * enumerator only sets stopping offsets on partitions it assigns for the first time; partitions
 * that come back from a savepoint go straight to the readers. So {@code run --bounded} on the
 * state of an unbounded run read "no stopping offset" and never ended, and an unbounded run on the
 * state of a bounded one would have stopped at that run's end offsets and then read nothing new.
 *
 * <p>Every split a reader takes up (restored or assigned) is given this run's stopping offset:
 * bounded, the partition's end offset when the reader takes it up (the connector's "latest"
 * marker, resolved by the split reader against the broker, so at the start of the run, or at a
 * restart after a failure); unbounded, none. Everything else (enumerator, its state, the split
 * serializer, offsets committed on checkpoints) is the wrapped source's, so savepoints of either
 * are the same bytes and the operator's uid and state are unchanged, except that a bounded run's
 * restored enumerator also says when no more partitions come ({@link EndingEnumerator}).
 */
public final class RunBoundedKafkaSource<T>
        implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final KafkaSource<T> kafka;

    public RunBoundedKafkaSource(KafkaSource<T> kafka) {
        this.kafka = kafka;
    }

    /** The Kafka source it wraps, with its client settings. */
    public KafkaSource<T> kafka() {
        return kafka;
    }

    /** The split with the stopping offset of a run of {@code boundedness}. */
    @SuppressWarnings("deprecation") // LATEST_OFFSET: the split reader still resolves it, and nothing else does so per split
    static KafkaPartitionSplit forThisRun(KafkaPartitionSplit split, Boundedness boundedness) {
        long stopping = boundedness == Boundedness.BOUNDED ? KafkaPartitionSplit.LATEST_OFFSET
                : KafkaPartitionSplit.NO_STOPPING_OFFSET;
        return new KafkaPartitionSplit(split.getTopicPartition(), split.getStartingOffset(), stopping);
    }

    @Override
    public Boundedness getBoundedness() {
        return kafka.getBoundedness();
    }

    @Override
    public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
        return new Reader<>(kafka.createReader(context), kafka.getBoundedness());
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context) throws Exception {
        return kafka.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state) throws Exception {
        SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored = kafka.restoreEnumerator(context, state);
        return kafka.getBoundedness() == Boundedness.BOUNDED ? new EndingEnumerator(restored, context) : restored;
    }

    /**
     * A restored enumerator of a bounded run, which tells every reader that no more partitions
     * come once its first partition discovery is through. The Kafka enumerator only does that
     * when the discovery finds partitions it has not assigned yet; restored from a run that had
     * assigned them all, it finds none, says nothing, and the readers (also those with no
     * partition at all) wait for ever.
     *
     * <p>"Through" is known by order: the coordinator runs such calls one at a time, in order, on
     * one worker thread and then on its own thread. A call queued after the enumerator's
     * discovery has its handler run after the discovery's; when that handler found new
     * partitions, it queued their offset look-up, so a second call queued from our handler runs
     * after that look-up and its handler after their assignment.
     */
    static final class EndingEnumerator implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
        private final SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> kafka;
        private final SplitEnumeratorContext<KafkaPartitionSplit> context;
        private boolean discovered;

        EndingEnumerator(SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> kafka,
                SplitEnumeratorContext<KafkaPartitionSplit> context) {
            this.kafka = kafka;
            this.context = context;
        }

        @Override
        public void start() {
            kafka.start();
            context.callAsync(() -> null, (ignored, error) -> context.callAsync(() -> null, (again, error2) -> {
                discovered = true;
                context.registeredReaders().keySet().forEach(context::signalNoMoreSplits);
            }));
        }

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            kafka.handleSplitRequest(subtaskId, requesterHostname);
        }

        @Override
        public void addSplitsBack(List<KafkaPartitionSplit> splits, int subtaskId) {
            kafka.addSplitsBack(splits, subtaskId);
        }

        @Override
        public void addReader(int subtaskId) {
            kafka.addReader(subtaskId);
            if (discovered) {
                context.signalNoMoreSplits(subtaskId);
            }
        }

        @Override
        public KafkaSourceEnumState snapshotState(long checkpointId) throws Exception {
            return kafka.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            kafka.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void handleSourceEvent(int subtaskId, SourceEvent event) {
            kafka.handleSourceEvent(subtaskId, event);
        }

        @Override
        public void close() throws java.io.IOException {
            kafka.close();
        }
    }

    @Override
    public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
        return kafka.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
        return kafka.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return kafka.getProducedType();
    }

    /** The Kafka reader, with this run's stopping offset on every split it is given. */
    private record Reader<T>(SourceReader<T, KafkaPartitionSplit> kafka, Boundedness boundedness)
            implements SourceReader<T, KafkaPartitionSplit> {
        @Override
        public void addSplits(List<KafkaPartitionSplit> splits) {
            kafka.addSplits(splits.stream().map(s -> forThisRun(s, boundedness)).toList());
        }

        @Override
        public void start() {
            kafka.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            return kafka.pollNext(output);
        }

        @Override
        public List<KafkaPartitionSplit> snapshotState(long checkpointId) {
            return kafka.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return kafka.isAvailable();
        }

        @Override
        public void notifyNoMoreSplits() {
            kafka.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            kafka.handleSourceEvents(event);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            kafka.notifyCheckpointComplete(checkpointId); // commits offsets to the consumer group
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            kafka.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
            kafka.pauseOrResumeSplits(toPause, toResume); // watermark alignment
        }

        @Override
        public void close() throws Exception {
            kafka.close();
        }
    }
}
