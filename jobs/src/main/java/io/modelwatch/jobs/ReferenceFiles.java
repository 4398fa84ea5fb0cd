package io.modelwatch.jobs;

import io.modelwatch.config.ConfigException;
import io.modelwatch.model.ModelKey;
import io.modelwatch.serde.ReferenceProfileJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads {@code run --references DIR_OR_FILE}: one reference JSON (as {@code modelwatch profile}
 * writes it), or every {@code *.json} file of a directory, at most one per model version. Any
 * problem fails the start with one line naming the file.
 */
final class ReferenceFiles {
    private ReferenceFiles() {}

    static Map<String, byte[]> load(Path path) {
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p))
                        .sorted().toList();
            } catch (IOException e) {
                throw new ConfigException("--references: cannot list " + path + " (" + e.getClass().getSimpleName() + ")");
            }
            if (files.isEmpty()) {
                throw new ConfigException("--references: no *.json files in " + path);
            }
        } else if (Files.isRegularFile(path)) {
            files = List.of(path);
        } else {
            throw new ConfigException("--references: no such file or directory " + path);
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        Map<String, Path> from = new LinkedHashMap<>();
        for (Path f : files) {
            ReferenceProfileJson.Named ref;
            try {
                ref = ReferenceProfileJson.read(Files.readString(f, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ConfigException("--references: cannot read " + f + " (" + e.getClass().getSimpleName() + ")");
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--references: " + f + ": " + e.getMessage());
            }
            String key = ModelKey.of(ref.modelId(), ref.modelVersion());
            Path earlier = from.put(key, f);
            if (earlier != null) {
                throw new ConfigException("--references: " + earlier.getFileName() + " and " + f.getFileName()
                        + " are both for model " + ref.modelId() + " version " + ref.modelVersion());
            }
            out.put(key, ref.profile().toBytes());
        }
        return out;
    }
}
