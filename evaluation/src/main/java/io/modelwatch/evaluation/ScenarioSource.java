package io.modelwatch.evaluation;

import io.modelwatch.model.IngestRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceEnumerator;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceReader;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A bounded source of the simulated models' events, standing in for a Kafka topic: one split
 * per source reader (as one Kafka partition per reader), each holding some of the models and
 * emitting their events merged in arrival order, so every reader's event time advances like a
 * partition's and the job's watermarks behave as in production. Events are generated lazily.
 * One instance plays the predictions topic, another ({@link Topic#LABELS}) the labels topic with
 * the labelled models' labels ({@link #predictionsAndLabels}); a reader left without models
 * finishes at once, so an input with no records never holds back the watermark. The labels are
 * paced by the predictions ({@link EventClock}): a label is read once the predictions reached
 * its time, as from a live topic, not minutes of event time early.
 */
public final class ScenarioSource implements Source<IngestRecord, ScenarioSource.Split, Collection<ScenarioSource.Split>>,
        ResultTypeQueryable<IngestRecord> {
    /** Records emitted by all readers of this JVM, for progress output. */
    static final AtomicLong EMITTED = new AtomicLong();
    /** The largest arrival time emitted so far, for progress output. */
    static final AtomicLong EVENT_TIME = new AtomicLong(Long.MIN_VALUE);

    /** Which topic a source plays. */
    public enum Topic {
        PREDICTIONS,
        LABELS
    }

    /** One model's records in arrival order. */
    interface Arrivals {
        boolean hasNext();

        long nextArrival();

        IngestRecord nextRecord();
    }

    private final List<ModelRun> runs;
    private final Topic topic;
    /** The {@link EventClock} the predictions advance and the labels wait for; null: none. */
    private final String clock;

    /** The models' predictions. */
    public ScenarioSource(List<ModelRun> runs) {
        this(runs, Topic.PREDICTIONS, null);
    }

    private ScenarioSource(List<ModelRun> runs, Topic topic, String clock) {
        this.topic = topic;
        this.clock = clock;
        this.runs = runs.stream().filter(r -> topic == Topic.PREDICTIONS || r.scenario().labels() != null).toList();
    }

    /** A predictions source and a labels source paced by it, and the id of their clock. */
    public record Paired(ScenarioSource predictions, ScenarioSource labels, String clock) implements AutoCloseable {
        /** Forgets the clock once the run is over. */
        @Override
        public void close() {
            EventClock.remove(clock);
        }
    }

    /** The models' predictions and their labels, read by {@code parallelism} readers each. */
    public static Paired predictionsAndLabels(List<ModelRun> runs, int parallelism) {
        String clock = java.util.UUID.randomUUID().toString();
        // One predictions split per reader that has models (see createEnumerator).
        EventClock.create(clock, Math.min(Math.max(1, parallelism), runs.size()));
        return new Paired(new ScenarioSource(runs, Topic.PREDICTIONS, clock),
                new ScenarioSource(runs, Topic.LABELS, clock), clock);
    }

    /** True when some of the runs send labels. */
    public static boolean anyLabelled(List<ModelRun> runs) {
        return runs.stream().anyMatch(r -> r.scenario().labels() != null);
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<IngestRecord, Split> createReader(SourceReaderContext context) {
        return topic == Topic.LABELS && clock != null ? new PacedReader(context, EventClock.get(clock))
                : new IteratorSourceReader<>(context);
    }

    @Override
    public SplitEnumerator<Split, Collection<Split>> createEnumerator(SplitEnumeratorContext<Split> context) {
        // Exactly one split per reader: a reader given two would play the second after the first
        // and go back in event time.
        int n = Math.max(1, context.currentParallelism());
        List<List<ModelRun>> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            parts.add(new ArrayList<>());
        }
        for (int i = 0; i < runs.size(); i++) {
            parts.get(i % n).add(runs.get(i));
        }
        List<Split> splits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!parts.get(i).isEmpty()) {
                splits.add(new Split(i, topic, clock, parts.get(i), 0));
            }
        }
        return new IteratorSourceEnumerator<>(context, splits);
    }

    @Override
    public SplitEnumerator<Split, Collection<Split>> restoreEnumerator(SplitEnumeratorContext<Split> context,
            Collection<Split> checkpoint) {
        return new IteratorSourceEnumerator<>(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<Split> getSplitSerializer() {
        return new JavaSerializer<>();
    }

    @Override
    public SimpleVersionedSerializer<Collection<Split>> getEnumeratorCheckpointSerializer() {
        return new JavaSerializer<>();
    }

    @Override
    public TypeInformation<IngestRecord> getProducedType() {
        return TypeInformation.of(IngestRecord.class);
    }

    /** Some models, and how many of their merged events were already emitted. */
    public record Split(int id, Topic topic, String clock, List<ModelRun> runs, long emitted)
            implements IteratorSourceSplit<IngestRecord, Events>, Serializable {
        @Override
        public String splitId() {
            return topic.name().toLowerCase(java.util.Locale.ROOT) + "-" + id;
        }

        @Override
        public Events getIterator() {
            Events events = new Events(runs, topic, topic == Topic.PREDICTIONS && clock != null
                    ? EventClock.get(clock) : null, id);
            for (long i = 0; i < emitted; i++) {
                events.next();
            }
            return events;
        }

        @Override
        public IteratorSourceSplit<IngestRecord, Events> getUpdatedSplitForIterator(Events iterator) {
            return new Split(id, topic, clock, runs, iterator.emitted);
        }
    }

    /** A model's records and its place in the split, for ties. */
    private record Ordered(Arrivals arrivals, int order) {}

    /** The split's models' records merged by arrival time (ties by model order). */
    public static final class Events implements Iterator<IngestRecord> {
        private final PriorityQueue<Ordered> queue = new PriorityQueue<>(
                Comparator.comparingLong((Ordered o) -> o.arrivals().nextArrival()).thenComparingInt(Ordered::order));
        private final Topic topic;
        private final EventClock clock;
        private final int split;
        long emitted;

        Events(List<ModelRun> runs, Topic topic, EventClock clock, int split) {
            this.topic = topic;
            this.clock = clock;
            this.split = split;
            for (int i = 0; i < runs.size(); i++) {
                Arrivals a = topic == Topic.PREDICTIONS ? new ModelStream(runs.get(i), i) : new LabelStream(runs.get(i));
                if (a.hasNext()) {
                    queue.add(new Ordered(a, i));
                }
            }
        }

        @Override
        public boolean hasNext() {
            return !queue.isEmpty();
        }

        /** Arrival time of the next record. */
        long peekArrival() {
            Ordered s = queue.peek();
            if (s == null) {
                throw new NoSuchElementException();
            }
            return s.arrivals().nextArrival();
        }

        @Override
        public IngestRecord next() {
            Ordered s = queue.poll();
            if (s == null) {
                throw new NoSuchElementException();
            }
            long arrival = s.arrivals().nextArrival();
            IngestRecord r = s.arrivals().nextRecord();
            if (s.arrivals().hasNext()) {
                queue.add(s);
            }
            emitted++;
            if (topic == Topic.PREDICTIONS) {
                EMITTED.incrementAndGet();
                EVENT_TIME.accumulateAndGet(arrival, Math::max);
                if (clock != null) {
                    clock.advance(split, queue.isEmpty() ? Long.MAX_VALUE : arrival);
                }
            }
            return r;
        }
    }

    /** Java serialisation: splits only travel inside one MiniCluster. */
    static final class JavaSerializer<T> implements SimpleVersionedSerializer<T> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(T obj) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(obj instanceof Collection<?> c ? new ArrayList<>(c) : obj);
            }
            return bytes.toByteArray();
        }

        @Override
        @SuppressWarnings("unchecked")
        public T deserialize(int version, byte[] serialized) throws IOException {
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serialized))) {
                return (T) in.readObject();
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }
    }
}
