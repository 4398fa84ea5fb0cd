package io.modelwatch.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.jobs.RunOptions;
import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.jobs.KafkaEndpoints;
import io.modelwatch.jobs.MonitoringJob;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import io.modelwatch.kafka.TopicReader;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The run the fault-tolerance tests disturb, and the run they compare it with.
 *
 * <p>Fourteen simulated minutes of two models, {@code churn} stable and {@code fraud} drifting
 * from minute {@value #DRIFT_MINUTE}, go to {@code NAME-predictions} (two partitions). The job
 * under test is the unbounded job as {@code bin/modelwatch run} builds it (Kafka sources and
 * exactly-once sinks from {@link KafkaEndpoints}, RocksDB, a checkpoint every second), writing to
 * {@code NAME-run-*}; the traffic is fed a minute at a time, each once the previous minute's
 * window has been committed, so the job is mid-stream whenever the test strikes. The reference is
 * the same job, undisturbed, run bounded over the same input afterwards to {@code NAME-reference-*}.
 */
public final class RecoveryScenario {
    public static final Instant START = Instant.parse("2026-11-26T10:00:00Z");
    /** Minutes of traffic; the unbounded run closes the windows of minutes 0..12. */
    public static final int MINUTES = 14;
    static final int DRIFT_MINUTE = 5;
    static final List<String> MODELS = List.of("churn", "fraud");
    static final Duration AWAIT = Duration.ofSeconds(90);

    /** As CrashRecoveryITCase: a reference learned in two minutes, so there is drift to detect in fourteen. */
    static final String THRESHOLDS = """
            defaults:
              reference: {events: 1000}
              window: {minEvents: 300}
            """;

    private final EmbeddedKafkaCluster kafka;
    private final String name;
    private final Path dir;
    private final Path thresholds;
    private final TrafficSimulator sim = new TrafficSimulator(5, START, 600, List.of(
            ModelScenario.stable("churn", "1"), new ModelScenario("fraud", "1", DriftKind.FEATURE_SHIFT, DRIFT_MINUTE)));

    public RecoveryScenario(EmbeddedKafkaCluster kafka, String name, Path dir) throws Exception {
        this.kafka = kafka;
        this.name = name;
        this.dir = dir;
        this.thresholds = Files.writeString(dir.resolve("thresholds.yaml"), THRESHOLDS);
        kafka.createTopic(name + "-predictions", 2);
        kafka.createTopic(name + "-labels", 1);
        for (String run : List.of("run", "reference")) {
            for (String output : List.of("triggers", "health", "dead-letters")) {
                kafka.createTopic(name + "-" + run + "-" + output, 1);
            }
        }
    }

    /** Simulated minutes {@code from} (inclusive) to {@code to} (exclusive), as records. */
    public List<ProducerRecord<String, byte[]>> minutes(int from, int to) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int m = from; m < to; m++) {
            sim.minute(m).forEach(e -> records.add(new ProducerRecord<>(predictionsTopic(), e.modelId(), e.json())));
        }
        return records;
    }

    /** Writes minutes {@code from..to-1} and waits until the broker has them. */
    public void send(int from, int to) {
        TopicWriter.send(kafka.bootstrapServers(), predictionsTopic(), minutes(from, to));
    }

    public String predictionsTopic() {
        return name + "-predictions";
    }

    public String healthTopic(String run) {
        return name + "-" + run + "-health";
    }

    RunOptions options(String run, boolean bounded, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-servers", kafka.bootstrapServers(), "--thresholds", thresholds.toString(),
                "--parallelism", "2", "--checkpoint-interval", "1s",
                "--state-dir", dir.resolve(run + "-state").toString(),
                "--job-name", name + "-" + run, "--group-id", name + "-" + run,
                // The labels topic stays empty: idle after 2 s, it stops holding back the escalation.
                "--idleness", KafkaTestBase.IDLENESS,
                "--predictions-topic", predictionsTopic(), "--labels-topic", name + "-labels",
                "--triggers-topic", name + "-" + run + "-triggers", "--health-topic", healthTopic(run),
                "--dead-letters-topic", name + "-" + run + "-dead-letters"));
        if (bounded) {
            args.add("--bounded");
        }
        args.addAll(List.of(extraArgs));
        return RunOptions.parse(args.toArray(String[]::new));
    }

    /** Submits the unbounded job under test to the MiniCluster of the test, with {@code extraArgs} as flags. */
    public JobClient start(String... extraArgs) throws Exception {
        RunOptions o = options("run", false, extraArgs);
        return KafkaTestBase.submit(o);
    }

    /**
     * Feeds minutes {@code from..to-1} one at a time, each once the window the previous one
     * closed has been committed for every model.
     */
    public void feed(int from, int to) {
        for (int m = from; m < to; m++) {
            send(m, m + 1);
            awaitWindow(m);
        }
    }

    /**
     * Waits until the reports of every model for the window ending at minute {@code m} are
     * committed: the window closes once minute {@code m}'s events (30 s past it) are in.
     */
    public void awaitWindow(int m) {
        awaitReports(m, true);
    }

    /**
     * Waits until the job has written the reports of every model for the window ending at minute
     * {@code m} in a transaction, committed or not: a read_uncommitted consumer sees them as soon
     * as the sink sends them, up to a checkpoint interval before they are committed.
     */
    public void awaitWindowWritten(int m) {
        awaitReports(m, false);
    }

    private void awaitReports(int m, boolean committed) {
        String end = at(m);
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + AWAIT.toNanos();
        try (KafkaConsumer<String, String> consumer = consumer(committed)) {
            List<TopicPartition> partitions = List.of(new TopicPartition(healthTopic("run"), 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!MODELS.stream().allMatch(model -> seen.contains(model + "@" + end))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(String.format(
                            "no reports of every model for %s within %s (%s); seen %s; transactions open now: %s",
                            end, AWAIT, committed ? "committed" : "written", seen, openTransactions()));
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    HealthReport report = ContractSchemas.read(r.value(), HealthReport.class);
                    seen.add(report.modelId() + "@" + report.windowEnd());
                }
            }
        }
    }

    /** The transactions the broker holds open, with their age: what holds back read_committed readers. */
    private String openTransactions() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            List<String> ids = admin.listTransactions().all().get().stream()
                    .filter(t -> t.state() == TransactionState.ONGOING).map(TransactionListing::transactionalId).toList();
            return admin.describeTransactions(ids).all().get().entrySet().stream()
                    .map(e -> e.getKey() + " since " + Instant.ofEpochMilli(e.getValue().transactionStartTimeMs().orElse(0))
                            + " on " + e.getValue().topicPartitions())
                    .collect(Collectors.joining(", "));
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    private KafkaConsumer<String, String> consumer(boolean committed) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, name + "-recovery-scenario");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Every record in {@code topic} (one partition), those of aborted transactions included. */
    List<String> writtenIncludingAborted(String topic) {
        try (KafkaConsumer<String, String> consumer = consumer(false)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<String> records = new ArrayList<>();
            while (consumer.position(tp) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> records.add(r.value()));
            }
            return records;
        }
    }

    /** Runs the same job, undisturbed and bounded, over everything sent, to the reference topics. */
    public void runReference() throws Exception {
        MonitoringJob.run(options("reference", true));
    }

    /**
     * What the disturbed run committed equals what the undisturbed one did over the windows both
     * closed: every report and every trigger exactly once, with the same content. The only field
     * left out is {@code eventsSeen}, a running count taken when the window is evaluated, which
     * depends on how far past the window the source had read by then.
     */
    public void assertSameOutputsAsReference() {
        String lastClosed = at(MINUTES - 1);
        List<HealthReport> reference = read(healthTopic("reference"), HealthReport.class).stream()
                .filter(r -> r.windowEnd().compareTo(lastClosed) <= 0).toList();
        List<HealthReport> actual = read(healthTopic("run"), HealthReport.class);

        // The reference itself covers every window of both models once, and sees the drift.
        List<String> expectedWindows = new ArrayList<>();
        for (String model : MODELS) {
            for (int m = 1; m < MINUTES; m++) {
                expectedWindows.add(model + "@" + at(m));
            }
        }
        assertThat(reference).extracting(RecoveryScenario::window).containsExactlyInAnyOrderElementsOf(expectedWindows);
        assertThat(reference).filteredOn(r -> r.modelId().equals("fraud")).extracting(HealthReport::status)
                .contains(HealthReport.DRIFTING);
        // Both models send scores, so their judged windows carry an estimated performance, which
        // is compared below like every other field.
        assertThat(reference).filteredOn(r -> r.estimatedPerformance() != null).extracting(HealthReport::modelId)
                .contains("churn", "fraud");

        assertThat(actual).extracting(RecoveryScenario::window).as("windows reported, none doubled, none missing")
                .containsExactlyInAnyOrderElementsOf(expectedWindows);
        Map<String, JsonNode> expectedContent = new TreeMap<>();
        reference.forEach(r -> expectedContent.put(window(r), comparable(r)));
        List<String> differences = new ArrayList<>();
        for (HealthReport r : actual) {
            differences(window(r), expectedContent.get(window(r)), comparable(r), differences);
        }
        assertThat(differences).as("report contents that differ from the reference's").isEmpty();

        List<RetrainTrigger> referenceTriggers = read(name + "-reference-triggers", RetrainTrigger.class).stream()
                .filter(t -> t.detectedAt().compareTo(lastClosed) <= 0).toList();
        List<RetrainTrigger> triggers = read(name + "-run-triggers", RetrainTrigger.class);
        assertThat(referenceTriggers).extracting(RetrainTrigger::modelId).isNotEmpty().containsOnly("fraud");
        assertThat(triggers).extracting(RetrainTrigger::triggerId).as(
                        "triggers, none doubled, none missing (written, aborted ones included: %s)",
                        writtenIncludingAborted(name + "-run-triggers"))
                .containsExactlyInAnyOrderElementsOf(referenceTriggers.stream().map(RetrainTrigger::triggerId).toList());
        Map<String, JsonNode> expectedTriggers = new TreeMap<>();
        referenceTriggers.forEach(t -> expectedTriggers.put(t.triggerId(), comparable(t)));
        for (RetrainTrigger t : triggers) {
            differences(t.triggerId(), expectedTriggers.get(t.triggerId()), comparable(t), differences);
        }
        assertThat(differences).as("trigger contents that differ from the reference's").isEmpty();

        assertThat(read(name + "-run-dead-letters", DeadLetter.class)).isEmpty();
    }

    static String window(HealthReport r) {
        return r.modelId() + "@" + r.windowEnd();
    }

    /**
     * An output as JSON without what two correct runs over the same input may legitimately
     * disagree on: {@code eventsSeen} (and, during warm-up, {@code referenceEvents}) is a running
     * count taken when the window is evaluated, which depends on how far past the window the
     * source had read by then. Everything else is compared: counts, moments, quantiles, every
     * drift statistic's value and flag, the sequential detectors, and a trigger's evidence. The
     * quantile sketches behind the reference grid compact with coin flips seeded from their own
     * history ({@code ReproducibleKll}), and one model's events reach its monitor in the same order
     * in every run (they share a key, hence a partition, one source reader, one batcher and one
     * monitor subtask), so a run and its recovery build the same sketches.
     */
    static JsonNode comparable(Object output) {
        ObjectNode json = Json.MAPPER.valueToTree(output);
        json.remove("eventsSeen");
        if (HealthReport.WARMING_UP.equals(json.path("status").asText())) {
            // While the reference is learned, referenceEvents is a running count too.
            json.remove("referenceEvents");
        }
        return json;
    }

    /** Adds {@code where: path expected X, was Y} for every leaf in which the two differ. */
    static void differences(String where, JsonNode expectedNode, JsonNode actualNode, List<String> out) {
        JsonNode expected = expectedNode;
        JsonNode actual = actualNode;
        if (expected == null || actual == null || expected.isValueNode() || actual.isValueNode()
                || expected.isArray() != actual.isArray() || expected.size() != actual.size()) {
            boolean same = expected != null && actual != null && expected.isFloatingPointNumber()
                    && actual.isNumber()
                    // Moments merged from batches cut at other places differ in the last bits.
                    ? Math.abs(expected.doubleValue() - actual.doubleValue())
                            <= 1e-9 * Math.max(1, Math.abs(expected.doubleValue()))
                    : Objects.equals(expected, actual);
            if (!same) {
                out.add(where + ": expected " + expected + ", was " + actual);
            }
            return;
        }
        if (expected.isArray()) {
            for (int i = 0; i < expected.size(); i++) {
                differences(where + "[" + i + "]", expected.get(i), actual.get(i), out);
            }
        } else {
            JsonNode e = expected;
            JsonNode a = actual;
            e.fieldNames().forEachRemaining(f -> differences(where + "." + f, e.get(f), a.get(f), out));
        }
    }

    <T> List<T> read(String topic, Class<T> type) {
        return TopicReader.readAll(kafka.bootstrapServers(), topic).stream()
                .map(r -> ContractSchemas.read(r.value(), type)).collect(Collectors.toList());
    }

    /** The ISO instant of simulated minute {@code m}'s start, as reports and triggers write it. */
    public static String at(int m) {
        return START.plus(Duration.ofMinutes(m)).toString();
    }
}
