package io.modelwatch.bench;

import io.modelwatch.batching.PredictionBatchSerializer;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.monitor.LearningChunks;
import io.modelwatch.stats.profiles.ModelProfile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The model monitor's per-event work while every model still learns its reference (issue 16's
 * cell: 1,000 models, 60 events per model-minute, the reference workload's 20 numeric and 5
 * categorical features), in thread CPU time rather than JMH's wall clock (the development machine
 * is shared; a thread's CPU time leaves out the time it waits for a core).
 *
 * <p>{@value #MODELS} models, each fed batches of {@value #BATCH} events as the monitor gets them
 * from the keyed exchange: a batch is decoded ({@link PredictionBatchSerializer}), each event added
 * to the model's learned profile and to its window's profile ({@code ReferenceLifecycle.learn}), a
 * window started every {@value #WINDOW_EVENTS} events and a reference every
 * {@value #REFERENCE_EVENTS}; every {@value #BATCHES_PER_CHECKPOINT} batches of a model the
 * checkpoint's write-back: the events since the last one as a learning chunk ({@link
 * LearningChunks}) and the open window's bytes. Prints CPU per event of the three parts, per round.
 *
 * <p>{@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
 * io.modelwatch.bench.LearningCpuTime} (build with {@code bin/benchmark-jmh -l} first).
 */
public final class LearningCpuTime {
    private static final int MODELS = 200;
    private static final int BATCH = 20;
    private static final int WINDOW_EVENTS = 60;
    /** The default reference size (thresholds.md, reference.events). */
    private static final int REFERENCE_EVENTS = 5000;
    private static final int BATCHES_PER_CHECKPOINT = 5;
    private static final int EVENTS_PER_ROUND = 500_000;
    private static final int ROUNDS = 7;

    private LearningCpuTime() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : ROUNDS;
        SplittableRandom r = new SplittableRandom(1);
        PredictionEvent[] events = new PredictionEvent[REFERENCE_EVENTS];
        for (int i = 0; i < events.length; i++) {
            byte[] json = Workload.reference().json(r, "model-0001", 1_764_144_000_000L + 1000L * i)
                    .getBytes(StandardCharsets.UTF_8);
            events[i] = PredictionEventParser.parse(json).event();
        }
        byte[][] batches = new byte[REFERENCE_EVENTS / BATCH][];
        DataOutputSerializer out = new DataOutputSerializer(64 * 1024);
        for (int b = 0; b < batches.length; b++) {
            out.clear();
            PredictionBatchSerializer.INSTANCE.serialize(new PredictionBatch("model-0001\u00001",
                    Arrays.copyOfRange(events, b * BATCH, (b + 1) * BATCH)), out);
            batches[b] = out.getCopyOfBuffer();
        }
        ModelProfile[] learned = new ModelProfile[MODELS];
        ModelProfile[] windows = new ModelProfile[MODELS];
        int[] seen = new int[MODELS];
        int[] batchOf = new int[MODELS];
        List<List<PredictionEvent>> tails = new ArrayList<>();
        for (int m = 0; m < MODELS; m++) {
            learned[m] = new ModelProfile();
            windows[m] = new ModelProfile();
            batchOf[m] = (m * 37) % batches.length;
            tails.add(new ArrayList<>());
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        DataInputDeserializer in = new DataInputDeserializer();
        long sink = 0;
        for (int round = 0; round < rounds; round++) {
            long decode = 0;
            long learn = 0;
            long writeBack = 0;
            int n = 0;
            PredictionBatch[] decoded = new PredictionBatch[MODELS];
            while (n < EVENTS_PER_ROUND) {
                long t0 = cpu.getCurrentThreadCpuTime();
                for (int m = 0; m < MODELS; m++) {
                    in.setBuffer(batches[batchOf[m]]);
                    decoded[m] = PredictionBatchSerializer.INSTANCE.deserialize(in);
                    batchOf[m] = (batchOf[m] + 1) % batches.length;
                }
                long t1 = cpu.getCurrentThreadCpuTime();
                for (int m = 0; m < MODELS; m++) {
                    for (PredictionEvent e : decoded[m].events()) {
                        learned[m].add(e);
                        tails.get(m).add(e);
                        windows[m].add(e);
                        if (++seen[m] % WINDOW_EVENTS == 0) {
                            windows[m] = new ModelProfile();
                        }
                        if (seen[m] % REFERENCE_EVENTS == 0) {
                            sink += learned[m].events();
                            learned[m] = new ModelProfile();
                        }
                    }
                }
                long t2 = cpu.getCurrentThreadCpuTime();
                for (int m = 0; m < MODELS; m++) {
                    if (seen[m] % (BATCH * BATCHES_PER_CHECKPOINT) == 0) {
                        sink += LearningChunks.of(tails.get(m)).length;
                        tails.set(m, new ArrayList<>());
                        sink += windows[m].toBytes().length;
                    }
                }
                long t3 = cpu.getCurrentThreadCpuTime();
                decode += t1 - t0;
                learn += t2 - t1;
                writeBack += t3 - t2;
                n += MODELS * BATCH;
            }
            System.out.printf("round %d: decode %.0f ns/event, learn %.0f ns/event, write-back %.0f ns/event,"
                    + " total %.0f ns/event%n", round, decode / (double) n, learn / (double) n,
                    writeBack / (double) n, (decode + learn + writeBack) / (double) n);
        }
        System.out.println("(checksum " + sink + ")");
    }
}
