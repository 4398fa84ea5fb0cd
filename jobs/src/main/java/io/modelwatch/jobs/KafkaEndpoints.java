package io.modelwatch.jobs;

import io.modelwatch.model.ControlRecord;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.RetrainTrigger;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Kafka sources and exactly-once sinks for the topics of docs/topics.md. */
public final class KafkaEndpoints {
    /**
     * Must not exceed the broker's transaction.max.timeout.ms (15 min by default), and must
     * outlast the longest expected restart: a transaction aborted by timeout loses its outputs.
     */
    static final String TRANSACTION_TIMEOUT_MS = String.valueOf(15 * 60 * 1000);
    /**
     * How long the sinks' producers gather records into one request ({@code linger.ms}), and how
     * large a request may grow ({@code batch.size}). Every model version sends a health report per
     * window, several KB of JSON, all of them when the watermark passes the window's end; with the
     * client's defaults (5 ms, 16 KB) that was a produce request for every two or three reports, and
     * the requests' handling was a fifth of the process's CPU in the benchmark at 10 events per
     * model-minute (the in-process broker's and the producers' threads: docs/benchmarks.md). The
     * sinks are exactly-once: what they write becomes visible when the checkpoint commits it, and the
     * commit flushes the producer first, so lingering delays nothing a consumer sees. Flags given in
     * {@code --kafka-properties} win.
     */
    static final String SINK_LINGER_MS = "100";
    static final String SINK_BATCH_BYTES = String.valueOf(512 * 1024);

    private KafkaEndpoints() {}

    public static Sources sources(RunOptions o) {
        return new Sources(source(o, o.topics().predictions(), new PredictionDeserializer(o.eventTimeBounds())),
                source(o, o.topics().labels(), new LabelDeserializer(o.eventTimeBounds())), control(o));
    }

    /**
     * The compacted control topic, always from its earliest offset: a fresh start re-reads the
     * newest command of every key (compaction keeps those), a restore continues from the offsets
     * in the savepoint with the commands already in broadcast state. Committed group offsets are
     * not used: they would make a fresh start skip the commands in force. Subscribed by pattern,
     * so a missing control topic leaves the job on its thresholds file (partition discovery picks
     * the topic up once created) instead of failing it; {@code run} and the job jar still refuse to
     * start without it ({@link KafkaPreflight}).
     */
    private static RunBoundedKafkaSource<ControlRecord> control(RunOptions o) {
        KafkaSourceBuilder<ControlRecord> b = KafkaSource.<ControlRecord>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setTopicPattern(Pattern.compile(Pattern.quote(o.topics().control())))
                .setGroupId(o.groupId())
                .setDeserializer(new ControlDeserializer())
                .setProperties(security(o))
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "60000")
                .setStartingOffsets(OffsetsInitializer.earliest());
        if (o.bounded()) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return new RunBoundedKafkaSource<>(b.build());
    }

    /**
     * Wrapped in {@link RunBoundedKafkaSource}: partitions restored from a savepoint or checkpoint
     * stop where this run says (a bounded run at today's end offsets, an unbounded one never),
     * whichever kind of run wrote the state.
     */
    private static RunBoundedKafkaSource<IngestRecord> source(RunOptions o, String topic,
            KafkaRecordDeserializationSchema<IngestRecord> deserializer) {
        KafkaSourceBuilder<IngestRecord> b = KafkaSource.<IngestRecord>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setTopics(topic)
                .setGroupId(o.groupId())
                .setDeserializer(deserializer)
                .setProperties(security(o))
                // Only committed output of transactional producers is read.
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "60000");
        if (o.bounded()) {
            // A backtest: everything the topic holds now, from the start.
            b.setStartingOffsets(OffsetsInitializer.earliest()).setBounded(OffsetsInitializer.latest());
        } else {
            // Restores take offsets from state; a fresh start resumes the group or reads all.
            b.setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
        }
        return new RunBoundedKafkaSource<>(b.build());
    }

    public static Sinks sinks(RunOptions o) {
        return new Sinks(
                sink(o, o.topics().triggers(), new JsonRecordSerializer<RetrainTrigger>(o.topics().triggers(), RetrainTrigger::modelId)),
                sink(o, o.topics().health(), new JsonRecordSerializer<HealthReport>(o.topics().health(), HealthReport::modelId)),
                sink(o, o.topics().deadLetters(), new JsonRecordSerializer<DeadLetter>(o.topics().deadLetters(), null)));
    }

    private static <T> KafkaSink<T> sink(RunOptions o, String topic, JsonRecordSerializer<T> serializer) {
        Properties p = new Properties();
        p.setProperty("linger.ms", SINK_LINGER_MS);
        p.setProperty("batch.size", SINK_BATCH_BYTES);
        p.putAll(o.kafkaProperties());
        p.setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS);
        return KafkaSink.<T>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setKafkaProducerConfig(p)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                // Unique per job and topic, stable across restarts so lingering transactions are aborted.
                .setTransactionalIdPrefix(o.jobName() + "-" + topic)
                .build();
    }

    private static Properties security(RunOptions o) {
        Properties p = new Properties();
        p.putAll(o.kafkaProperties());
        return p;
    }
}
