package io.modelwatch.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.jobs.RunOptions;
import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.detect.SequentialMonitor;
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
import java.util.Set;
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
     * disagree on. {@code eventsSeen} (and, during warm-up, {@code referenceEvents}) is a running
     * count taken when the window is evaluated, which depends on how far past the window the
     * source had read by then. Quantiles and the
     * values of the drift statistics (and a trigger's evidence, made of them) come from KLL
     * sketches, whose compaction is randomised: two undisturbed runs differ in the third digit.
     * Everything counted exactly stays: events, counts per feature and category, moments, quality
     * counts, the drifted flags, status and escalation.
     */
    static JsonNode comparable(Object output) {
        ObjectNode json = Json.MAPPER.valueToTree(output);
        json.remove("eventsSeen");
        json.remove("evidence");
        if (HealthReport.WARMING_UP.equals(json.path("status").asText())) {
            // While the reference is learned, referenceEvents is a running count too.
            json.remove("referenceEvents");
        }
        List<JsonNode> profiles = new ArrayList<>();
        json.path("features").forEach(profiles::add);
        profiles.add(json.path("prediction"));
        for (JsonNode profile : profiles) {
            if (profile instanceof ObjectNode p) {
                p.remove("quantiles");
                // Values stay for differences() to judge a flipped flag by; they are not compared.
            }
        }
        return json;
    }

    /**
     * The sequential detectors' statistics, whose flags are not compared either. They add up the
     * window's PIT shift on the reference's quantile grid, which comes from a randomised sketch, so
     * the grid's error of up to a percent of rank is added again every window: between two
     * undisturbed runs of this scenario the prediction's CUSUM at the last window was 0.050 in one
     * and 0.087 in the other (threshold 0.1), and an alarm in one run restarts the detector there
     * and not in the other. Which windows alarm is therefore not a property of the input.
     */
    private static final Set<String> SEQUENTIAL = Set.of(SequentialMonitor.CUSUM, SequentialMonitor.PAGE_HINKLEY);

    /**
     * A drift statistic whose flag differs between the runs although its value is the same to 1%
     * and within 5% of its threshold: the sketch and summation noise described at
     * {@link #comparable} decides such a flag either way. A flag that flips with a clearly
     * different value (a window counted twice, say) still counts as a difference.
     */
    private static boolean flagFlipAtThreshold(JsonNode e, JsonNode a) {
        if (!e.has("drifted") || e.path("drifted").equals(a.path("drifted")) || !e.path("threshold").isNumber()) {
            return false;
        }
        double ev = e.path("value").asDouble();
        double av = a.path("value").asDouble();
        double th = e.path("threshold").asDouble();
        double scale = Math.max(Math.abs(th), 1e-12);
        return Math.abs(ev - av) <= 0.01 * Math.max(Math.abs(ev), scale) && Math.abs(ev - th) <= 0.05 * scale;
    }

    /**
     * Whether two runs' statistics of one feature hold a {@code p_value} within a factor of 5 of its
     * threshold in both. The significance of a continuous feature is the Anderson-Darling test on
     * the reference's quantile grid, which comes from a randomised sketch; the test weighs the
     * tails, so the grid's rank error moves its p-value by a factor of about 3 between two
     * undisturbed runs (0.0009 and 0.0024 at a threshold of 0.001 in this scenario). The feature's
     * verdict, which every one of its statistics' flags shows, then goes either way.
     */
    private static boolean significanceAtThreshold(JsonNode expected, JsonNode actual) {
        JsonNode e = pValue(expected);
        JsonNode a = pValue(actual);
        if (e == null || a == null || !e.path("threshold").isNumber()) {
            return false;
        }
        double th = e.path("threshold").asDouble();
        return th > 0 && Math.abs(Math.log(e.path("value").asDouble() / th)) <= Math.log(5)
                && Math.abs(Math.log(a.path("value").asDouble() / th)) <= Math.log(5);
    }

    private static JsonNode pValue(JsonNode statistics) {
        for (JsonNode s : statistics) {
            if ("p_value".equals(s.path("statistic").asText()) && s.path("value").isNumber()) {
                return s;
            }
        }
        return null;
    }

    private static JsonNode withoutFlags(JsonNode statistics) {
        JsonNode copy = statistics.deepCopy();
        copy.forEach(s -> {
            if (s instanceof ObjectNode o) {
                o.remove("drifted");
            }
        });
        return copy;
    }

    /** Adds {@code where: path expected X, was Y} for every leaf in which the two differ. */
    static void differences(String where, JsonNode expectedNode, JsonNode actualNode, List<String> out) {
        JsonNode expected = expectedNode;
        JsonNode actual = actualNode;
        if (expected instanceof ObjectNode && actual instanceof ObjectNode && expected.has("statistic")
                && expected.has("value")) {
            // A drift statistic: its value is not compared (see comparable), its flag is, except
            // at a threshold (flagFlipAtThreshold) and for the sequential detectors (SEQUENTIAL).
            ObjectNode e = ((ObjectNode) expected).deepCopy();
            ObjectNode a = ((ObjectNode) actual).deepCopy();
            if (SEQUENTIAL.contains(e.path("statistic").asText()) || flagFlipAtThreshold(e, a)) {
                e.remove("drifted");
                a.remove("drifted");
            }
            if (!e.path("drifted").equals(a.path("drifted"))) {
                // A flipped flag is reported with the values and the threshold it was judged by.
                out.add(where + "." + e.path("statistic").asText() + ": expected drifted " + e.path("drifted")
                        + " at " + e.path("value") + ", was " + a.path("drifted") + " at " + a.path("value")
                        + " (threshold " + e.path("threshold") + ")");
                e.remove("drifted");
                a.remove("drifted");
            }
            e.remove("value");
            a.remove("value");
            expected = e;
            actual = a;
        }
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
            if (significanceAtThreshold(expected, actual)) {
                expected = withoutFlags(expected);
                actual = withoutFlags(actual);
            }
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
