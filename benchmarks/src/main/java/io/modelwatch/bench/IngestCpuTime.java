package io.modelwatch.bench;

import io.modelwatch.batching.EventBatcher;
import io.modelwatch.batching.PredictionBatchSerializer;
import io.modelwatch.jobs.PredictionDeserializer;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.PredictionBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * CPU time per event of the source thread's own work (docs/benchmarks.md, "Ingestion"): the Kafka
 * record deserialised ({@link PredictionDeserializer}: parse, time bounds), split from dead
 * letters, gathered per model version ({@link EventBatcher.Buffer}) and each batch written to the
 * wire ({@link PredictionBatchSerializer}), without Flink around it. The workload is the
 * benchmark's event (20 numeric + 5 categorical features, a prediction id) from 1,000 models in
 * random order, one event per model-second; everything is flushed every 10,000 events, as a
 * watermark or checkpoint would (about 10 events per batch). Thread CPU time, so the shared
 * machine's load moves it less than wall time; the median of {@link #ROUNDS} rounds of
 * {@link #EVENTS} events after {@link #WARMUP} rounds, and the parse alone in alternate rounds; and
 * the bytes the thread allocates per event, which the garbage collector's threads pay for.
 *
 * <p>{@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
 * io.modelwatch.bench.IngestCpuTime} (build with {@code bin/benchmark-jmh -l} first).
 */
public final class IngestCpuTime {
    private static final int MODELS = Integer.getInteger("models", 1_000);
    private static final int DISTINCT_RECORDS = 50_000;
    private static final int EVENTS = Integer.getInteger("events", 1_000_000);
    private static final int FLUSH_EVERY = 10_000;
    private static final int WARMUP = Integer.getInteger("warmup", 6);
    private static final int ROUNDS = Integer.getInteger("rounds", 10);

    private IngestCpuTime() {}

    public static void main(String[] args) {
        SplittableRandom r = new SplittableRandom(1);
        long start = System.currentTimeMillis() - 3_600_000;
        @SuppressWarnings("unchecked")
        ConsumerRecord<byte[], byte[]>[] records = new ConsumerRecord[DISTINCT_RECORDS];
        long bytes = 0;
        for (int i = 0; i < records.length; i++) {
            String model = String.format("model-%05d", r.nextInt(MODELS));
            byte[] value = Workload.reference().json(r, model, start + i).getBytes(StandardCharsets.UTF_8);
            bytes += value.length;
            records[i] = new ConsumerRecord<>("predictions", i % 8, i, null, value);
        }
        System.out.printf("%d distinct records, %d bytes on average%n", records.length, bytes / records.length);

        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        // Bytes allocated by this thread: what the garbage collector's threads pay for later.
        com.sun.management.ThreadMXBean allocation = (com.sun.management.ThreadMXBean) cpu;
        long self = Thread.currentThread().getId();
        PredictionDeserializer deserializer = new PredictionDeserializer();
        DataOutputSerializer wire = new DataOutputSerializer(64 * 1024);
        long[] shipped = new long[2];
        EventBatcher.Buffer buffer = new EventBatcher.Buffer(EventBatcher.DEFAULT_MAX_BATCH,
                EventBatcher.DEFAULT_MAX_BUFFERED, (batch, maxTs) -> ship(batch, wire, shipped));
        long[] dead = new long[1];
        Collector<IngestRecord> all = new Collector<>() {
            @Override
            public void collect(IngestRecord record) {
                if (record.isDead()) {
                    dead[0]++;
                } else {
                    buffer.add(record.prediction());
                }
            }

            @Override
            public void close() {}
        };
        Object[] sinkHole = new Object[1];
        Collector<IngestRecord> parseOnly = new Collector<>() {
            @Override
            public void collect(IngestRecord record) {
                sinkHole[0] = record;
            }

            @Override
            public void close() {}
        };

        double[] perEventAll = new double[ROUNDS];
        double[] perEventParse = new double[ROUNDS];
        double[] bytesAll = new double[ROUNDS];
        double[] bytesParse = new double[ROUNDS];
        for (int round = -WARMUP; round < ROUNDS; round++) {
            for (int mode = 0; mode < 2; mode++) {
                Collector<IngestRecord> out = mode == 0 ? all : parseOnly;
                long a0 = allocation.getThreadAllocatedBytes(self);
                long t0 = cpu.getCurrentThreadCpuTime();
                for (int i = 0; i < EVENTS; i++) {
                    deserializer.deserialize(records[i % records.length], out);
                    if (mode == 0 && (i + 1) % FLUSH_EVERY == 0) {
                        buffer.flushAll();
                    }
                }
                buffer.flushAll();
                double ns = (cpu.getCurrentThreadCpuTime() - t0) / (double) EVENTS;
                double allocated = (allocation.getThreadAllocatedBytes(self) - a0) / (double) EVENTS;
                if (round >= 0) {
                    (mode == 0 ? perEventAll : perEventParse)[round] = ns;
                    (mode == 0 ? bytesAll : bytesParse)[round] = allocated;
                }
            }
        }
        if (dead[0] != 0) {
            throw new IllegalStateException(dead[0] + " dead letters");
        }
        System.out.printf("batches %d, events per batch %.1f, wire bytes per event %.0f%n", shipped[0],
                (double) EVENTS * (WARMUP + ROUNDS) / shipped[0], (double) shipped[1] / (EVENTS * (WARMUP + ROUNDS)));
        System.out.printf("CPU per event, parse + split + batch + serialise: median %.2f us (rounds %s)%n",
                median(perEventAll) / 1000, rounds(perEventAll));
        System.out.printf("CPU per event, parse alone (deserializer):       median %.2f us (rounds %s)%n",
                median(perEventParse) / 1000, rounds(perEventParse));
        System.out.printf("allocated per event: all %.0f bytes, parse alone %.0f bytes%n", median(bytesAll),
                median(bytesParse));
    }

    private static void ship(PredictionBatch batch, DataOutputSerializer wire, long[] shipped) {
        try {
            wire.clear();
            PredictionBatchSerializer.INSTANCE.serialize(batch, wire);
            shipped[0]++;
            shipped[1] += wire.length();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return (s[s.length / 2] + s[(s.length - 1) / 2]) / 2;
    }

    private static String rounds(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format("%.2f", x / 1000));
        }
        return sb.toString();
    }
}
