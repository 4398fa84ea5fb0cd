package io.modelwatch.jobs;

import io.modelwatch.config.ConfigException;
import io.modelwatch.config.DurationParser;
import io.modelwatch.config.EventTimeBounds;
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
            "                      [--open-profiles 1024] [--min-event-time 2000-01-01]",
            "Without --bounded the job runs until Ctrl-C or SIGTERM, which stop it with a savepoint",
            "into --state-dir/savepoints and print 'modelwatch: savepoint written to PATH'; resume with",
            "--from-savepoint PATH (thresholds, version and --parallelism may change in between).",
            "--allow-non-restored-state restores a savepoint holding state of operators the new graph no",
            "longer has (a per-model escalation pair removed from the thresholds file), dropping it.",
            "--label-join labelled-models keeps predictions for the label join only from a model's first",
            "label on (less state when most models send no labels; earlier labels go unmatched).",
            "--open-profiles N: model versions per parallel instance whose open windows stay on the heap",
            "between checkpoints (and 64 KB of serialised profile each on average; docs/operations.md).",
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

    public static RunOptions parse(String[] args) {
        String bootstrap = null;
        Path thresholdsFile = null;
        boolean bounded = false;
        Integer parallelism = null;
        Path stateDir = null;
        String savepoint = null;
        // Null: not given. The cluster's execution.checkpointing.interval then applies, and
        // DEFAULT_CHECKPOINT_INTERVAL only where nothing sets one (FlinkSettings.environment).
        Duration checkpointInterval = null;
        Topics d = Topics.defaults();
        String predictions = d.predictions(), labels = d.labels(), control = d.control(), triggers = d.triggers(),
                health = d.health(), deadLetters = d.deadLetters();
        String groupId = "modelwatch";
        String jobName = "modelwatch";
        Path kafkaPropsFile = null;
        Duration outOfOrderness = JobConfig.DEFAULT_OUT_OF_ORDERNESS;
        Duration idleness = JobConfig.DEFAULT_IDLENESS;
        Integer prometheusPort = null;
        Path referencesPath = null;
        boolean allowNonRestored = false;
        boolean labelledModelsOnly = false;
        int openProfiles = JobConfig.DEFAULT_OPEN_PROFILES;
        Instant minEventTime = EventTimeBounds.DEFAULT_MIN_EVENT_TIME;

        List<String> list = new ArrayList<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                list.add(a.substring(0, eq));
                list.add(a.substring(eq + 1));
            } else {
                list.add(a);
            }
        }
        for (int i = 0; i < list.size(); i++) {
            String flag = list.get(i);
            if (flag.equals("--bounded")) {
                bounded = true;
                continue;
            }
            if (flag.equals("--allow-non-restored-state")) {
                allowNonRestored = true;
                continue;
            }
            if (!flag.startsWith("--")) {
                throw new UsageException("unexpected argument '" + flag + "'");
            }
            if (i + 1 >= list.size()) {
                throw new UsageException(flag + ": needs a value");
            }
            String v = list.get(++i);
            switch (flag) {
                case "--bootstrap-servers" -> bootstrap = nonEmpty(flag, v);
                case "--thresholds" -> thresholdsFile = Path.of(v);
                case "--parallelism" -> parallelism = positiveInt(flag, v);
                case "--state-dir" -> stateDir = Path.of(v).toAbsolutePath();
                case "--from-savepoint" -> savepoint = nonEmpty(flag, v);
                case "--checkpoint-interval" -> checkpointInterval = DurationParser.parse(flag, v);
                case "--group-id" -> groupId = nonEmpty(flag, v);
                case "--job-name" -> jobName = nonEmpty(flag, v);
                case "--kafka-properties" -> kafkaPropsFile = Path.of(v);
                case "--max-out-of-orderness" -> outOfOrderness = DurationParser.parse(flag, v);
                case "--idleness" -> idleness = DurationParser.parse(flag, v);
                case "--references" -> referencesPath = Path.of(v);
                case "--predictions-topic" -> predictions = nonEmpty(flag, v);
                case "--labels-topic" -> labels = nonEmpty(flag, v);
                case "--control-topic" -> control = nonEmpty(flag, v);
                case "--triggers-topic" -> triggers = nonEmpty(flag, v);
                case "--health-topic" -> health = nonEmpty(flag, v);
                case "--dead-letters-topic" -> deadLetters = nonEmpty(flag, v);
                case "--prometheus-port" -> prometheusPort = port(flag, v);
                case "--open-profiles" -> openProfiles = positiveInt(flag, v);
                case "--min-event-time" -> minEventTime = instant(flag, v);
                case "--label-join" -> labelledModelsOnly = switch (v) {
                    case "all" -> false;
                    case "labelled-models" -> true;
                    default -> throw new UsageException("--label-join: 'all' or 'labelled-models', not '" + v + "'");
                };
                default -> throw new UsageException("unknown option " + flag + " (see --help)");
            }
        }
        if (bootstrap == null) {
            throw new UsageException("--bootstrap-servers: required (HOST:PORT of your Kafka)");
        }
        if (checkpointInterval != null && checkpointInterval.toMillis() < 100) {
            throw new UsageException("--checkpoint-interval: must be at least 100ms");
        }
        Map<String, byte[]> references = referencesPath == null ? Map.of() : ReferenceFiles.load(referencesPath);
        ThresholdsConfig thresholds = ThresholdsParser.parse(thresholdsFile == null ? "" : read("--thresholds", thresholdsFile));
        Properties kafkaProps = new Properties();
        if (kafkaPropsFile != null) {
            try (Reader r = Files.newBufferedReader(kafkaPropsFile, StandardCharsets.UTF_8)) {
                kafkaProps.load(r);
            } catch (IOException e) {
                throw new ConfigException("--kafka-properties: cannot read " + kafkaPropsFile + ": " + e);
            }
        }
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

    private static String nonEmpty(String flag, String v) {
        if (v.isBlank()) {
            throw new UsageException(flag + ": must not be empty");
        }
        return v;
    }

    private static int port(String flag, String v) {
        int n = positiveInt(flag, v);
        if (n > 65535) {
            throw new UsageException(flag + ": must be a port number from 1 to 65535, not '" + v + "'");
        }
        return n;
    }

    private static int positiveInt(String flag, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message
        }
        throw new UsageException(flag + ": must be a positive whole number, not '" + v + "'");
    }
}
