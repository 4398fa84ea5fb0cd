package io.modelwatch.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Test helper: the schemas in src/schemas (JSON Schema draft 2020-12), checked by a full
 * validator, networknt's json-schema-validator. (jobs' tests have their own, for the topics.)
 */
public final class ContractSchemas {
    public static final Path SCHEMAS = Path.of("..").toAbsolutePath().normalize().resolve("src/schemas");
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private ContractSchemas() {}

    /** What src/schemas/{@code schemaFile} finds wrong with {@code doc}, one "/json/pointer: message" each; empty if it conforms. */
    public static List<String> violations(String schemaFile, JsonNode doc) throws IOException {
        Path file = SCHEMAS.resolve(schemaFile);
        // The file is the retrieval location: the schemas' relative $ids resolve against it.
        return REGISTRY.getSchema(SchemaLocation.of(file.toUri().toString()), Json.MAPPER.readTree(Files.readString(file)))
                .validate(doc).stream()
                .map(e -> e.getInstanceLocation() + ": " + e.getMessage())
                .collect(Collectors.toList());
    }
}
