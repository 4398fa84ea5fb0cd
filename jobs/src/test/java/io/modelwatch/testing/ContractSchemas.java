package io.modelwatch.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The published contract (src/schemas, JSON Schema draft 2020-12) checked by a full validator,
 * networknt's json-schema-validator. Every output a test reads goes through {@link #read}: a
 * record the job writes that its schema refuses fails the test that read it, naming the record,
 * the field and the rule.
 */
public final class ContractSchemas {
    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    public static final Path SCHEMAS = ROOT.resolve("src/schemas");

    /** Each output record type and the schema of its topic (docs/topics.md). */
    static final Map<Class<?>, String> SCHEMA_OF = Map.of(
            HealthReport.class, "health-report.schema.json",
            RetrainTrigger.class, "retrain-trigger.schema.json",
            DeadLetter.class, "dead-letter.schema.json");

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();

    private ContractSchemas() {}

    /** The schema in src/schemas named {@code fileName}. */
    public static Schema schema(String fileName) {
        return LOADED.computeIfAbsent(fileName, f -> {
            try {
                Path file = SCHEMAS.resolve(f);
                // The file is the retrieval location: the schemas' relative $ids resolve against it.
                return REGISTRY.getSchema(SchemaLocation.of(file.toUri().toString()),
                        Json.MAPPER.readTree(Files.readString(file)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** What {@code schema} finds wrong with {@code doc}, one "/json/pointer: message" per violation; empty if it conforms. */
    public static List<String> violations(String schemaFile, JsonNode doc) {
        return schema(schemaFile).validate(doc).stream()
                .map(e -> e.getInstanceLocation() + ": " + e.getMessage())
                .collect(Collectors.toList());
    }

    /**
     * {@code json}, one record of an output topic, as {@code type}, after checking it against
     * the type's schema.
     *
     * @throws AssertionError if the record does not conform, or {@code type} has no schema
     */
    public static <T> T read(String json, Class<T> type) {
        String file = SCHEMA_OF.get(type);
        if (file == null) {
            throw new AssertionError("no schema in src/schemas for " + type.getSimpleName() + ": add it to SCHEMA_OF");
        }
        JsonNode doc;
        try {
            doc = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON, expected a " + type.getSimpleName() + ": " + json, e);
        }
        List<String> wrong = violations(file, doc);
        if (!wrong.isEmpty()) {
            throw new AssertionError("a " + type.getSimpleName() + " the job wrote does not conform to src/schemas/"
                    + file + ": " + wrong + "\n" + json);
        }
        return Json.read(json, type);
    }
}
