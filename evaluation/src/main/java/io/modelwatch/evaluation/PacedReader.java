package io.modelwatch.evaluation;

import io.modelwatch.model.IngestRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;

/**
 * Reads a labels split as {@link org.apache.flink.api.connector.source.lib.util.IteratorSourceReader}
 * does, but hands out a label only once the predictions source reached its time on the
 * {@link EventClock}; until then it reports nothing available, without blocking its task.
 */
final class PacedReader implements SourceReader<IngestRecord, ScenarioSource.Split> {
    private final SourceReaderContext context;
    private final EventClock clock;
    private final Deque<ScenarioSource.Split> splits = new ArrayDeque<>();
    private ScenarioSource.Split split;
    private ScenarioSource.Events events;
    private boolean noMoreSplits;
    private CompletableFuture<Void> available = new CompletableFuture<>();

    PacedReader(SourceReaderContext context, EventClock clock) {
        this.context = context;
        this.clock = clock;
    }

    @Override
    public void start() {
        context.sendSplitRequest();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<IngestRecord> output) {
        while (true) {
            if (events == null) {
                split = splits.poll();
                if (split != null) {
                    events = split.getIterator();
                } else if (noMoreSplits) {
                    return InputStatus.END_OF_INPUT;
                } else {
                    return waitFor(new CompletableFuture<>());
                }
            }
            if (!events.hasNext()) {
                events = null;
                split = null;
                context.sendSplitRequest();
                continue;
            }
            long at = events.peekArrival();
            if (at > clock.reached()) {
                return waitFor(clock.when(at));
            }
            output.collect(events.next());
            return InputStatus.MORE_AVAILABLE;
        }
    }

    private InputStatus waitFor(CompletableFuture<Void> ready) {
        available = ready;
        return InputStatus.NOTHING_AVAILABLE;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return available;
    }

    @Override
    public void addSplits(List<ScenarioSource.Split> added) {
        splits.addAll(added);
        available.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        available.complete(null);
    }

    @Override
    public List<ScenarioSource.Split> snapshotState(long checkpointId) {
        List<ScenarioSource.Split> state = new ArrayList<>();
        if (split != null && events != null) {
            state.add((ScenarioSource.Split) split.getUpdatedSplitForIterator(events));
        }
        state.addAll(splits);
        return state;
    }

    @Override
    public void close() {}
}
