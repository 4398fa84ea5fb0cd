package io.modelwatch.cli;

import com.sun.management.OperatingSystemMXBean;
import io.modelwatch.bench.PassThroughJob;
import io.modelwatch.bench.Workload;
import io.modelwatch.config.DurationParser;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.functions.IngestDeserializer;
import io.modelwatch.jobs.FlinkSettings;
import io.modelwatch.jobs.JobConfig;
import io.modelwatch.jobs.KafkaEndpoints;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/modelwatch bench}: the end-to-end throughput benchmark of docs/benchmarks.md. An
 * embedded broker is filled with the reference workload (models x events of 20 numeric + 5
 * categorical features, stationary); then, on the same data in the same run, the pass-through
 * baseline ({@link PassThroughJob}) and the modelwatch job both run {@code --bounded} with
 * RocksDB, incremental checkpoints and exactly-once sinks. Reported: events/s, events per
 * CPU-second, CPU time per event, the ratio to the baseline, and checkpointed state per model
 * and per feature.
 */
final class BenchCommand {
    static final String USAGE = "usage: modelwatch bench [--models 1000] [--events 1000000] [--parallelism 2] "
            + "[--checkpoint-interval 10s] [--features 25]";

    private BenchCommand() {}

    static int run(String[] args) throws Exception {
        int models = 1000;
        long events = 1_000_000;
        int parallelism = 2;
        Duration checkpointInterval = Duration.ofSeconds(10);
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help")) {
                System.out.println(USAGE);
                return 0;
            }
            if (i + 1 >= args.length) {
                throw new UsageException(args[i] + ": needs a value");
            }
            String v = args[++i];
            switch (args[i - 1]) {
                case "--models" -> models = Integer.parseInt(v);
                case "--events" -> events = Long.parseLong(v);
                case "--parallelism" -> parallelism = Integer.parseInt(v);
                case "--checkpoint-interval" -> checkpointInterval = DurationParser.parse("--checkpoint-interval", v);
                default -> throw new UsageException("unknown option " + args[i - 1] + " (" + USAGE + ")");
            }
        }
        // Each model gets events/models events, 500 per minute of event time: a smaller reference
        // and window minimum than the defaults so that every model leaves warm-up and its windows
        // are evaluated, which is the steady state worth measuring.
        ThresholdsConfig thresholds = ThresholdsParser.parse("defaults:\n  reference: {events: 300}\n"
                + "  window: {size: 1m, minEvents: 200}\n");
        System.out.printf(Locale.ROOT, "modelwatch bench: %,d events of %d models (%d numeric + %d categorical "
                + "features), parallelism %d, checkpoints every %s%n", events, models, Workload.NUMERIC,
                Workload.CATEGORICAL, parallelism, DurationParser.format(checkpointInterval));
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start()) {
            Topics topics = Topics.defaults();
            kafka.createTopic(topics.predictions(), 4);
            for (String t : new String[] {topics.labels(), topics.triggers(), topics.health(), topics.deadLetters(),
                "bench-counts"}) {
                kafka.createTopic(t, 1);
            }
            fill(kafka.bootstrapServers(), topics.predictions(), models, events);

            Path dir = Files.createTempDirectory("modelwatch-bench-");
            RunOptions options = new RunOptions(kafka.bootstrapServers(), null, thresholds, true, parallelism,
                    dir.resolve("state"), null, checkpointInterval, topics, "bench", "bench", null, new Properties(),
                    JobConfig.DEFAULT_OUT_OF_ORDERNESS, JobConfig.DEFAULT_IDLENESS);

            System.out.println("running the pass-through baseline (parse, key, count in RocksDB, write)...");
            Run baseline = measure(dir.resolve("baseline"), () -> {
                Configuration conf = FlinkSettings.of(options);
                conf.setString("execution.checkpointing.dir", dir.resolve("baseline").toUri().toString());
                StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
                PassThroughJob.build(env, source(options), KafkaSink.<PassThroughJob.ModelCount>builder()
                        .setBootstrapServers(options.bootstrapServers())
                        .setRecordSerializer(PassThroughJob.serializer("bench-counts"))
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix("bench-baseline")
                        .setProperty("transaction.timeout.ms", "900000")
                        .build());
                env.execute("bench-baseline");
            });
            report("baseline", baseline, events);

            System.out.println("running modelwatch (reference, windows, drift, quality, labels join, CEP)...");
            Run monitor = measure(dir.resolve("state"), () -> {
                StreamExecutionEnvironment env = FlinkSettings.environment(options);
                MonitoringJob.build(env, KafkaEndpoints.sources(options), KafkaEndpoints.sinks(options), options.jobConfig());
                env.execute("bench-modelwatch");
            });
            report("modelwatch", monitor, events);

            int features = Workload.NUMERIC + Workload.CATEGORICAL + 1;
            System.out.println();
            System.out.println("summary:");
            System.out.printf(Locale.ROOT, "  throughput ratio modelwatch / baseline: %.2f%n",
                    monitor.eventsPerSecond(events) / baseline.eventsPerSecond(events));
            System.out.printf(Locale.ROOT, "  largest checkpoint: %,d bytes = %,d bytes per model = %,d bytes per model "
                    + "and feature (%d features incl. prediction)%n", monitor.maxCheckpointBytes(),
                    monitor.maxCheckpointBytes() / models, monitor.maxCheckpointBytes() / models / features, features);
            return 0;
        }
    }

    private static KafkaSource<io.modelwatch.model.IngestRecord> source(RunOptions o) {
        return KafkaSource.<io.modelwatch.model.IngestRecord>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setTopics(o.topics().predictions())
                .setGroupId("bench-baseline")
                .setDeserializer(new IngestDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .build();
    }

    private static void fill(String bootstrap, String topic, int models, long events) {
        SplittableRandom random = new SplittableRandom(42);
        long t0 = System.nanoTime();
        long perModelMinute = 500;
        try (TopicWriter writer = new TopicWriter(bootstrap)) {
            for (long i = 0; i < events; i++) {
                int model = (int) (i % models);
                long n = i / models;
                long millis = n * 60_000 / perModelMinute;
                String id = String.format(Locale.ROOT, "model-%04d", model);
                writer.send(new ProducerRecord<>(topic, id,
                        Workload.json(random, id, millis).getBytes(StandardCharsets.UTF_8)));
                if ((i + 1) % 100_000 == 0) {
                    System.out.printf(Locale.ROOT, "  written %,d of %,d events (%.0f s)%n", i + 1, events,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
            writer.flush();
        }
    }

    interface JobRun {
        void run() throws Exception;
    }

    record Run(double seconds, double cpuSeconds, long maxCheckpointBytes) {
        double eventsPerSecond(long events) {
            return events / seconds;
        }
    }

    private static Run measure(Path checkpointDir, JobRun job) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicLong maxBytes = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                maxBytes.accumulateAndGet(size(checkpointDir), Math::max);
                try {
                    Thread.sleep(500); // sampling the checkpoint directory, not synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "checkpoint-size-sampler");
        sampler.setDaemon(true);
        sampler.start();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        job.run();
        long t1 = System.nanoTime();
        long cpu1 = os.getProcessCpuTime();
        sampler.interrupt();
        return new Run((t1 - t0) / 1e9, (cpu1 - cpu0) / 1e9, maxBytes.get());
    }

    /** Bytes of the newest complete checkpoint's files plus the shared (incremental) files. */
    private static long size(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static void report(String name, Run r, long events) {
        System.out.printf(Locale.ROOT, "  %-10s %6.1f s wall, %6.1f s CPU: %,9.0f events/s, %,9.0f events per "
                + "CPU-second, %.1f us CPU per event, checkpoint <= %,d bytes%n", name, r.seconds(), r.cpuSeconds(),
                r.eventsPerSecond(events), events / r.cpuSeconds(), r.cpuSeconds() * 1e6 / events, r.maxCheckpointBytes());
    }
}
