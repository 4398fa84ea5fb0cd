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
 * A bounded source of the simulated models' events, standing in for the Kafka topic: one split
 * per source reader (as one Kafka partition per reader), each holding some of the models and
 * emitting their events merged in arrival order, so every reader's event time advances like a
 * partition's and the job's watermarks behave as in production. Events are generated lazily.
 */
public final class ScenarioSource implements Source<IngestRecord, ScenarioSource.Split, Collection<ScenarioSource.Split>>,
        ResultTypeQueryable<IngestRecord> {
    /** Records emitted by all readers of this JVM, for progress output. */
    static final AtomicLong EMITTED = new AtomicLong();
    /** The largest arrival time emitted so far, for progress output. */
    static final AtomicLong EVENT_TIME = new AtomicLong(Long.MIN_VALUE);

    private final List<ModelRun> runs;

    public ScenarioSource(List<ModelRun> runs) {
        this.runs = List.copyOf(runs);
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<IngestRecord, Split> createReader(SourceReaderContext context) {
        return new IteratorSourceReader<>(context);
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
                splits.add(new Split(i, parts.get(i), 0));
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
    public record Split(int id, List<ModelRun> runs, long emitted)
            implements IteratorSourceSplit<IngestRecord, Events>, Serializable {
        @Override
        public String splitId() {
            return "scenarios-" + id;
        }

        @Override
        public Events getIterator() {
            Events events = new Events(runs);
            for (long i = 0; i < emitted; i++) {
                events.next();
            }
            return events;
        }

        @Override
        public IteratorSourceSplit<IngestRecord, Events> getUpdatedSplitForIterator(Events iterator) {
            return new Split(id, runs, iterator.emitted);
        }
    }

    /** The split's models' events merged by arrival time (ties by model order). */
    public static final class Events implements Iterator<IngestRecord> {
        private final PriorityQueue<ModelStream> queue = new PriorityQueue<>(
                Comparator.comparingLong(ModelStream::nextArrival).thenComparingInt(s -> s.order));
        long emitted;

        Events(List<ModelRun> runs) {
            for (int i = 0; i < runs.size(); i++) {
                ModelStream s = new ModelStream(runs.get(i), i);
                if (s.hasNext()) {
                    queue.add(s);
                }
            }
        }

        @Override
        public boolean hasNext() {
            return !queue.isEmpty();
        }

        @Override
        public IngestRecord next() {
            ModelStream s = queue.poll();
            if (s == null) {
                throw new NoSuchElementException();
            }
            long arrival = s.nextArrival();
            IngestRecord r = IngestRecord.of(s.next());
            if (s.hasNext()) {
                queue.add(s);
            }
            emitted++;
            EMITTED.incrementAndGet();
            EVENT_TIME.accumulateAndGet(arrival, Math::max);
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
