package io.modelwatch.cli;

import io.modelwatch.jobs.Flags;
import java.util.Set;
import io.modelwatch.jobs.UsageException;
import io.modelwatch.config.ConfigException;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.jobs.ReferenceBootstrap;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code bin/modelwatch bootstrap --input training.jsonl [--input ...] [--thresholds FILE] --out DIR}:
 * a savepoint holding reference profiles learned from training data (PredictionEvents, one JSON
 * object per line, as on the predictions topic), for {@code run --from-savepoint DIR}.
 */
final class BootstrapCommand {
    static final String USAGE = "usage: modelwatch bootstrap --input training.jsonl [--input more.jsonl]"
            + " [--thresholds FILE] --out DIR";

    private BootstrapCommand() {}

    static int run(String[] args, PrintStream out) throws Exception {
        List<Path> inputs = new ArrayList<>();
        var f = new Object() {
            Path thresholdsFile;
            Path target;
        };
        boolean read = Flags.parse(args, Set.of(), (flag, v) -> {
            switch (flag) {
                case "--input" -> inputs.add(Path.of(v));
                case "--thresholds" -> f.thresholdsFile = Path.of(v);
                case "--out" -> f.target = Path.of(v).toAbsolutePath();
                default -> throw Flags.unknown(flag);
            }
        });
        if (!read) {
            out.println(USAGE);
            return 0;
        }
        Path thresholdsFile = f.thresholdsFile;
        Path target = f.target;
        if (inputs.isEmpty() || target == null) {
            throw new UsageException((inputs.isEmpty() ? "--input" : "--out") + ": required (" + USAGE + ")");
        }
        if (Files.exists(target)) {
            throw new UsageException("--out: " + target + " exists; a savepoint goes into a new directory");
        }
        ThresholdsConfig thresholds = ThresholdsParser.parse(thresholdsFile == null ? "" : read(thresholdsFile));
        List<PredictionEvent> events = new ArrayList<>();
        for (Path input : inputs) {
            readEvents(input, events);
        }
        Map<String, ReferenceProfile> refs = ReferenceBootstrap.learn(events, thresholds);
        Configuration conf = new Configuration();
        conf.setString("parallelism.default", "1");
        ReferenceBootstrap.write(StreamExecutionEnvironment.getExecutionEnvironment(conf), refs, target.toUri().toString());
        refs.forEach((key, ref) -> out.printf("reference %s/%s: %d events, %d features%n", ModelKey.modelId(key),
                ModelKey.modelVersion(key), ref.events(), ref.features().size()));
        out.println("modelwatch: savepoint written to " + target.toUri());
        return 0;
    }

    private static void readEvents(Path input, List<PredictionEvent> events) {
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                PredictionEventParser.Result parsed = PredictionEventParser.parse(line.getBytes(StandardCharsets.UTF_8));
                if (!parsed.ok()) {
                    throw new ConfigException("--input " + input + " line " + n + ": " + parsed.error());
                }
                events.add(parsed.event());
            }
        } catch (IOException e) {
            throw new ConfigException("--input: cannot read " + input + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--thresholds: cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
