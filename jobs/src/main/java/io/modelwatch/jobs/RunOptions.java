package io.modelwatch.jobs;

import io.modelwatch.config.ConfigException;
import io.modelwatch.config.DurationParser;
import io.modelwatch.ingest.EventTimeBounds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The flags of {@code bin/modelwatch run}, which are also the job jar's arguments under
 * {@code flink run} and in the Helm chart. Misconfiguration fails here, before anything starts,
 * with one line naming the flag.
 */
public record RunOptions(
        String bootstrapServers,
        Path thresholdsFile,
        ThresholdsConfig thresholds,
        boolean bounded,
        Integer parallelism,
        Path stateDir,
        String fromSavepoint,
        Duration checkpointInterval,
        Topics topics,
        String groupId,
        String jobName,
        Path kafkaPropertiesFile,
        Properties kafkaProperties,
        Duration maxOutOfOrderness,
        Duration idleness,
        Integer prometheusPort,
        Path referencesPath,
        Map<String, byte[]> references,
        boolean allowNonRestoredState,
        boolean labelledModelsOnly,
        int openProfiles,
        Instant minEventTime) {

    public static final String USAGE = String.join("\n",
            "usage: modelwatch run --bootstrap-servers HOST:PORT [--thresholds FILE] [--bounded]",
            "                      [--parallelism N] [--state-dir DIR] [--from-savepoint PATH]",
            "                      [--checkpoint-interval 10s] [--group-id ID] [--job-name NAME]",
            "                      [--kafka-properties FILE] [--max-out-of-orderness 30s] [--idleness 1m]",
            "                      [--predictions-topic T] [--labels-topic T] [--control-topic T]",
            "                      [--triggers-topic T] [--health-topic T] [--dead-letters-topic T]",
            "                      [--references DIR_OR_FILE] [--prometheus-port PORT]",
            "                      [--allow-non-restored-state] [--label-join all|labelled-models]",
            "                      [--open-profiles N] [--min-event-time 2000-01-01]",
            "Without --bounded the job runs until Ctrl-C or SIGTERM, which stop it with a savepoint",
            "into --state-dir/savepoints and print 'modelwatch: savepoint written to PATH'; resume with",
            "--from-savepoint PATH (thresholds, version and --parallelism may change in between).",
            "--allow-non-restored-state restores a savepoint holding state of operators the new graph no",
            "longer has (a per-model escalation pair removed from the thresholds file), dropping it.",
            "--label-join labelled-models keeps predictions for the label join only from a model's first",
            "label on (less state when most models send no labels; earlier labels go unmatched).",
            "--open-profiles N: model versions per parallel instance whose open windows stay on the heap",
            "between checkpoints (and 64 KB of serialised profile each on average); by default as many as",
            "a quarter of the instance's share of the TaskManager heap holds (docs/operations.md).",
            "--min-event-time DATE_OR_INSTANT: events and labels stamped earlier are dead letters (epoch",
            "seconds sent as milliseconds land in 1970); lower it to backtest older history.",
            "Metrics: --prometheus-port PORT serves them for Prometheus (docs/metrics.md).");

    /**
     * 10 s: exactly-once outputs become visible at checkpoints, so this bounds the extra latency
     * of a trigger; more often costs checkpoint overhead for little gain against 1-minute windows.
     */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    /** Without the Prometheus reporter (the demo, tests, callers from before the flag). */
    public RunOptions {
        references = references == null ? Map.of() : Map.copyOf(references);
        minEventTime = minEventTime == null ? EventTimeBounds.DEFAULT_MIN_EVENT_TIME : minEventTime;
    }

    /** With the default {@code --min-event-time} (the demo, the benchmark, callers from before the flag). */
    public RunOptions(String bootstrapServers, Path thresholdsFile, ThresholdsConfig thresholds, boolean bounded,
            Integer parallelism, Path stateDir, String fromSavepoint, Duration checkpointInterval, Topics topics,
            String groupId, String jobName, Path kafkaPropertiesFile, Properties kafkaProperties,
            Duration maxOutOfOrderness, Duration idleness, Integer prometheusPort, Path referencesPath,
            Map<String, byte[]> references, boolean allowNonRestoredState, boolean labelledModelsOnly,
            int openProfiles) {
        this(bootstrapServers, thresholdsFile, thresholds, bounded, parallelism, stateDir, fromSavepoint,
                checkpointInterval, topics, groupId, jobName, kafkaPropertiesFile, kafkaProperties, maxOutOfOrderness,
                idleness, prometheusPort, referencesPath, references, allowNonRestoredState, labelledModelsOnly,
                openProfiles, null);
    }

    public RunOptions(String bootstrapServers, Path thresholdsFile, ThresholdsConfig thresholds, boolean bounded,
            Integer parallelism, Path stateDir, String fromSavepoint, Duration checkpointInterval, Topics topics,
            String groupId, String jobName, Path kafkaPropertiesFile, Properties kafkaProperties,
            Duration maxOutOfOrderness, Duration idleness) {
        this(bootstrapServers, thresholdsFile, thresholds, bounded, parallelism, stateDir, fromSavepoint,
                checkpointInterval, topics, groupId, jobName, kafkaPropertiesFile, kafkaProperties, maxOutOfOrderness,
                idleness, null, null, Map.of(), false, false, JobConfig.DEFAULT_OPEN_PROFILES);
    }


    /**
     * The Kafka properties by name only: they hold credentials ({@code sasl.jaas.config},
     * {@code ssl.keystore.password}), and a record's default toString would print them wherever
     * the options are logged or shown in an exception.
     */
    @Override
    public String toString() {
        return "RunOptions[bootstrapServers=" + bootstrapServers + ", thresholds=" + thresholds.version()
                + ", bounded=" + bounded + ", parallelism=" + parallelism + ", stateDir=" + stateDir
                + ", fromSavepoint=" + fromSavepoint + ", topics=" + topics + ", jobName=" + jobName
                + ", kafkaProperties=" + new java.util.TreeSet<>(kafkaProperties.stringPropertyNames()) + " (values hidden)]";
    }

    public JobConfig jobConfig() {
        return new JobConfig(thresholds, maxOutOfOrderness, idleness, topics.labels(), references, labelledModelsOnly,
                openProfiles);
    }

    /**
     * The event times the Kafka sources accept ({@link EventTimeBounds}): checked as each record
     * is read, so they live with the other settings of the sources, not in {@link JobConfig}.
     */
    public EventTimeBounds eventTimeBounds() {
        return EventTimeBounds.notBefore(minEventTime);
    }

    public RunOptions withFromSavepoint(String path) {
        return new RunOptions(bootstrapServers, thresholdsFile, thresholds, bounded, parallelism, stateDir, path,
                checkpointInterval, topics, groupId, jobName, kafkaPropertiesFile, kafkaProperties, maxOutOfOrderness,
                idleness, prometheusPort, referencesPath, references, allowNonRestoredState, labelledModelsOnly,
                openProfiles, minEventTime);
    }

    public RunOptions withBounded(boolean b) {
        return new RunOptions(bootstrapServers, thresholdsFile, thresholds, b, parallelism, stateDir, fromSavepoint,
                checkpointInterval, topics, groupId, jobName, kafkaPropertiesFile, kafkaProperties, maxOutOfOrderness,
                idleness, prometheusPort, referencesPath, references, allowNonRestoredState, labelledModelsOnly,
                openProfiles, minEventTime);
    }

    private static final Set<String> SWITCHES = Set.of("--bounded", "--allow-non-restored-state");

    public static RunOptions parse(String[] args) {
        Topics d = Topics.defaults();
        // What the flags set: fields, because the handler is a lambda and cannot assign locals.
        // checkpointInterval null: not given. The cluster's execution.checkpointing.interval then
        // applies, and DEFAULT_CHECKPOINT_INTERVAL only where nothing sets one (FlinkSettings.environment).
        var f = new Object() {
            String bootstrap;
            Path thresholdsFile;
            boolean bounded;
            Integer parallelism;
            Path stateDir;
            String savepoint;
            Duration checkpointInterval;
            String predictions = d.predictions(), labels = d.labels(), control = d.control(),
                    triggers = d.triggers(), health = d.health(), deadLetters = d.deadLetters();
            String groupId = "modelwatch";
            String jobName = "modelwatch";
            Path kafkaPropsFile;
            Duration outOfOrderness = JobConfig.DEFAULT_OUT_OF_ORDERNESS;
            Duration idleness = JobConfig.DEFAULT_IDLENESS;
            Integer prometheusPort;
            Path referencesPath;
            boolean allowNonRestored;
            boolean labelledModelsOnly;
            int openProfiles = JobConfig.DEFAULT_OPEN_PROFILES;
            Instant minEventTime = EventTimeBounds.DEFAULT_MIN_EVENT_TIME;
        };
        boolean read = Flags.parse(args, SWITCHES, (flag, v) -> {
            switch (flag) {
                case "--bounded" -> f.bounded = true;
                case "--allow-non-restored-state" -> f.allowNonRestored = true;
                case "--bootstrap-servers" -> f.bootstrap = Flags.nonEmpty(flag, v);
                case "--thresholds" -> f.thresholdsFile = Path.of(v);
                case "--parallelism" -> f.parallelism = Flags.positiveInt(flag, v);
                case "--state-dir" -> f.stateDir = Path.of(v).toAbsolutePath();
                case "--from-savepoint" -> f.savepoint = Flags.nonEmpty(flag, v);
                case "--checkpoint-interval" -> f.checkpointInterval = DurationParser.parse(flag, v);
                case "--group-id" -> f.groupId = Flags.nonEmpty(flag, v);
                case "--job-name" -> f.jobName = Flags.nonEmpty(flag, v);
                case "--kafka-properties" -> f.kafkaPropsFile = Path.of(v);
                case "--max-out-of-orderness" -> f.outOfOrderness = DurationParser.parse(flag, v);
                case "--idleness" -> f.idleness = DurationParser.parse(flag, v);
                case "--references" -> f.referencesPath = Path.of(v);
                case "--predictions-topic" -> f.predictions = Flags.nonEmpty(flag, v);
                case "--labels-topic" -> f.labels = Flags.nonEmpty(flag, v);
                case "--control-topic" -> f.control = Flags.nonEmpty(flag, v);
                case "--triggers-topic" -> f.triggers = Flags.nonEmpty(flag, v);
                case "--health-topic" -> f.health = Flags.nonEmpty(flag, v);
                case "--dead-letters-topic" -> f.deadLetters = Flags.nonEmpty(flag, v);
                case "--prometheus-port" -> f.prometheusPort = Flags.port(flag, v);
                case "--open-profiles" -> f.openProfiles = Flags.positiveInt(flag, v);
                case "--min-event-time" -> f.minEventTime = instant(flag, v);
                case "--label-join" -> f.labelledModelsOnly = switch (v) {
                    case "all" -> false;
                    case "labelled-models" -> true;
                    default -> throw new UsageException("--label-join: 'all' or 'labelled-models', not '" + v + "'");
                };
                default -> throw Flags.unknown(flag);
            }
        });
        if (!read) {
            // The caller prints USAGE for --help (bin/modelwatch run --help); the job jar has no help.
            throw Flags.unknown("--help");
        }
        String bootstrap = f.bootstrap;
        Path thresholdsFile = f.thresholdsFile;
        boolean bounded = f.bounded;
        Integer parallelism = f.parallelism;
        Path stateDir = f.stateDir;
        String savepoint = f.savepoint;
        Duration checkpointInterval = f.checkpointInterval;
        String predictions = f.predictions, labels = f.labels, control = f.control, triggers = f.triggers,
                health = f.health, deadLetters = f.deadLetters;
        String groupId = f.groupId;
        String jobName = f.jobName;
        Path kafkaPropsFile = f.kafkaPropsFile;
        Duration outOfOrderness = f.outOfOrderness;
        Duration idleness = f.idleness;
        Integer prometheusPort = f.prometheusPort;
        Path referencesPath = f.referencesPath;
        boolean allowNonRestored = f.allowNonRestored;
        boolean labelledModelsOnly = f.labelledModelsOnly;
        int openProfiles = f.openProfiles;
        Instant minEventTime = f.minEventTime;
        if (bootstrap == null) {
            throw new UsageException("--bootstrap-servers: required (HOST:PORT of your Kafka)");
        }
        if (checkpointInterval != null && checkpointInterval.toMillis() < 100) {
            throw new UsageException("--checkpoint-interval: must be at least 100ms");
        }
        Map<String, byte[]> references = referencesPath == null ? Map.of() : ReferenceFiles.load(referencesPath);
        ThresholdsConfig thresholds = ThresholdsParser.parse(thresholdsFile == null ? "" : read("--thresholds", thresholdsFile));
        Properties kafkaProps = kafkaPropsFile == null ? new Properties()
                : Flags.properties("--kafka-properties", kafkaPropsFile);
        return new RunOptions(bootstrap, thresholdsFile, thresholds, bounded, parallelism, stateDir, savepoint,
                checkpointInterval, new Topics(predictions, labels, control, triggers, health, deadLetters), groupId,
                jobName, kafkaPropsFile, kafkaProps, outOfOrderness, idleness, prometheusPort, referencesPath, references,
                allowNonRestored, labelledModelsOnly, openProfiles, minEventTime);
    }

    /**
     * An ISO-8601 instant ({@code 2000-01-01T00:00:00Z}, any offset) or a date (its start, UTC),
     * not in the future: a later bound would make every live event a dead letter.
     */
    static Instant instant(String flag, String v) {
        Instant t;
        try {
            t = v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeException e) {
            throw new UsageException(flag + ": an ISO-8601 date (2000-01-01) or instant (2000-01-01T00:00:00Z), not '"
                    + v + "'");
        }
        if (t.isAfter(Instant.now())) {
            throw new UsageException(flag + ": " + t + " is in the future; every event would be a dead letter");
        }
        return t;
    }

    private static String read(String flag, Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(flag + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
