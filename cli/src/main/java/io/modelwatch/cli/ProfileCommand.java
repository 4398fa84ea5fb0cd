package io.modelwatch.cli;

import io.modelwatch.jobs.Flags;
import java.util.Set;
import io.modelwatch.jobs.UsageException;
import io.modelwatch.config.ConfigException;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.serde.ReferenceProfileJson;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * {@code modelwatch profile --input training.jsonl --model ID [--version V] --out reference.json}:
 * builds a model version's reference from its training (or any trusted) data, one
 * PredictionEvent JSON per line, parsed exactly as the job parses the topic. Two passes over the
 * file ({@link ReferenceBuilder#fromData}, as {@code bootstrap} and the evaluation build theirs):
 * the first places the bins (sketch quantiles, top categories), the second counts what each bin
 * holds, so the reference's proportions are exact and the tests carry no sketch-error allowance.
 * The file keeps the data's time span; the monitor collapses it when it installs the reference.
 * Lines of other models or versions are skipped; unusable lines are counted and reported, never
 * silently dropped.
 */
final class ProfileCommand {
    static final String USAGE = "usage: modelwatch profile --input training.jsonl --model ID [--version V]"
            + " --out reference.json [--thresholds FILE]";

    private ProfileCommand() {}

    static int run(String[] args, PrintStream out) throws IOException {
        var f = new Object() {
            Path input;
            Path output;
            String model;
            String version;
            Path thresholdsFile;
        };
        boolean read = Flags.parse(args, Set.of(), (flag, v) -> {
            switch (flag) {
                case "--input" -> f.input = Path.of(v);
                case "--out" -> f.output = Path.of(v);
                case "--model" -> f.model = v;
                case "--version" -> f.version = v;
                case "--thresholds" -> f.thresholdsFile = Path.of(v);
                default -> throw Flags.unknown(flag);
            }
        });
        if (!read) {
            out.println(USAGE);
            return 0;
        }
        Path input = f.input;
        Path output = f.output;
        String model = f.model;
        String version = f.version;
        Path thresholdsFile = f.thresholdsFile;
        if (input == null || output == null || model == null || model.isBlank()) {
            throw new UsageException("--input, --model and --out are required (" + USAGE + ")");
        }
        Thresholds t = thresholdsFile == null ? Thresholds.defaults()
                : ThresholdsParser.parse(read("--thresholds", thresholdsFile)).forModel(model);

        Scan first = new Scan(model, version);
        ModelProfile learned = new ModelProfile();
        first.over(input, learned::add);
        if (first.matched == 0) {
            throw new ConfigException("--input: no usable events of model '" + model + "'"
                    + (version == null ? "" : " version '" + version + "'") + " in " + input + " (" + first.lines
                    + " lines, " + first.unusable + " unusable" + first.firstProblem() + ")");
        }
        if (first.versions > 1) {
            throw new UsageException("--version: the input holds several versions of '" + model
                    + "' (e.g. '" + first.seenVersion + "' and '" + first.otherVersion + "'); say which one");
        }
        String v = version != null ? version : first.seenVersion;
        Scan second = new Scan(model, v);
        Path file = input;
        ReferenceProfile exact = ReferenceBuilder.counted(
                ReferenceBuilder.learned(learned, t.numericBins(), t.categoryBins()), sink -> second.over(file, sink));

        Files.writeString(output, ReferenceProfileJson.write(model, v, exact), StandardCharsets.UTF_8);
        out.printf("modelwatch: reference of %s version %s from %d events (%d features) written to %s%n", model, v,
                first.matched, exact.features().size(), output);
        if (first.unusable > 0) {
            out.printf("modelwatch: %d of %d lines were unusable and skipped%s%n", first.unusable, first.lines,
                    first.firstProblem());
        }
        if (first.matched < t.referenceEvents()) {
            out.printf("modelwatch: warning: %d events is fewer than reference.events (%d): the reference's own"
                    + " sampling noise limits how small a change the tests can see%n", first.matched,
                    t.referenceEvents());
        }
        return 0;
    }

    /** One pass over the input, handing matching events on. */
    private static final class Scan {
        final String model;
        final String version;
        long lines;
        long unusable;
        long matched;
        int versions;
        String seenVersion;
        String otherVersion;
        String problem;

        Scan(String model, String version) {
            this.model = model;
            this.version = version;
        }

        void over(Path input, Consumer<PredictionEvent> sink) {
            try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines++;
                    if (line.isBlank()) {
                        continue;
                    }
                    PredictionEventParser.Result p = PredictionEventParser.parse(line.getBytes(StandardCharsets.UTF_8));
                    if (!p.ok()) {
                        unusable++;
                        if (problem == null) {
                            problem = "line " + lines + ": " + p.error();
                        }
                        continue;
                    }
                    PredictionEvent e = p.event();
                    if (!e.modelId().equals(model) || (version != null && !e.modelVersion().equals(version))) {
                        continue;
                    }
                    if (seenVersion == null) {
                        seenVersion = e.modelVersion();
                        versions = 1;
                    } else if (!seenVersion.equals(e.modelVersion()) && !Objects.equals(otherVersion, e.modelVersion())) {
                        if (otherVersion == null) {
                            otherVersion = e.modelVersion();
                        }
                        versions++;
                    }
                    matched++;
                    sink.accept(e);
                }
            } catch (NoSuchFileException e) {
                throw new ConfigException("--input: no such file " + input);
            } catch (IOException e) {
                throw new ConfigException("--input: cannot read " + input + " (" + e.getClass().getSimpleName() + ")");
            }
        }

        String firstProblem() {
            return problem == null ? "" : "; first: " + problem;
        }
    }

    private static String read(String flag, Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(flag + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
