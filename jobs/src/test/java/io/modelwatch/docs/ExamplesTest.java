package io.modelwatch.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.testing.ContractSchemas;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The example payloads in src/examples and the schemas in src/schemas are what the docs show
 * users; these tests keep them true to what the code reads and writes.
 */
class ExamplesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static String example(String name) throws IOException {
        return Files.readString(ROOT.resolve("src/examples").resolve(name));
    }

    static JsonNode schema(String name) throws IOException {
        return Json.MAPPER.readTree(ROOT.resolve("src/schemas").resolve(name).toFile());
    }

    @Test
    void predictionExampleParses() throws IOException {
        PredictionEventParser.Result r = PredictionEventParser.parse(example("prediction.json").getBytes());
        assertThat(r.error()).isNull();
        assertThat(r.event().featureNames()).hasSize(5);
    }

    @ParameterizedTest
    @CsvSource({"retrain-trigger.json, io.modelwatch.model.RetrainTrigger",
                "retrain-trigger-performance.json, io.modelwatch.model.RetrainTrigger",
                "retrain-trigger-segment-bin.json, io.modelwatch.model.RetrainTrigger",
                "retrain-trigger-prediction.json, io.modelwatch.model.RetrainTrigger",
                "health-report.json, io.modelwatch.model.HealthReport",
                "health-report-decayed.json, io.modelwatch.model.HealthReport",
                "health-report-prediction-drift.json, io.modelwatch.model.HealthReport",
                "dead-letter.json, io.modelwatch.model.DeadLetter"})
    void outputExamplesAreExactlyWhatTheJobWrites(String file, Class<?> type) throws IOException {
        String json = example(file);
        Object value = Json.MAPPER.readValue(json, type); // unknown fields fail here
        JsonNode written = Json.MAPPER.readTree(Json.toBytes(value));
        assertThat(written).isEqualTo(Json.MAPPER.readTree(json));
        assertThat(ContractSchemas.violations(SCHEMA_OF_EXAMPLE.get(file), written)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"retrain-trigger.schema.json, io.modelwatch.model.RetrainTrigger",
                "health-report.schema.json, io.modelwatch.model.HealthReport",
                "dead-letter.schema.json, io.modelwatch.model.DeadLetter"})
    void schemasNameExactlyTheFieldsOfTheRecords(String file, Class<?> type) throws IOException {
        JsonNode schema = schema(file);
        Set<String> components = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toSet());
        List<String> properties = new ArrayList<>();
        schema.get("properties").fieldNames().forEachRemaining(properties::add);
        assertThat(properties).containsExactlyInAnyOrderElementsOf(components);
        List<String> required = new ArrayList<>();
        schema.get("required").forEach(n -> required.add(n.asText()));
        assertThat(components).containsAll(required);
    }

    /** Every JSON example in src/examples and the schema it is an example of. */
    static final Map<String, String> SCHEMA_OF_EXAMPLE = Map.ofEntries(
            Map.entry("prediction.json", "prediction-event.schema.json"),
            Map.entry("label.json", "label-event.schema.json"),
            Map.entry("control-command.json", "control-command.schema.json"),
            Map.entry("retrain-trigger.json", "retrain-trigger.schema.json"),
            Map.entry("retrain-trigger-performance.json", "retrain-trigger.schema.json"),
            Map.entry("retrain-trigger-segment-bin.json", "retrain-trigger.schema.json"),
            Map.entry("retrain-trigger-prediction.json", "retrain-trigger.schema.json"),
            Map.entry("health-report.json", "health-report.schema.json"),
            Map.entry("health-report-decayed.json", "health-report.schema.json"),
            Map.entry("health-report-prediction-drift.json", "health-report.schema.json"),
            Map.entry("dead-letter.json", "dead-letter.schema.json"));

    @Test
    void everyExampleConformsToItsSchema() throws IOException {
        List<String> examples;
        try (var files = Files.list(ROOT.resolve("src/examples"))) {
            examples = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).toList();
        }
        assertThat(SCHEMA_OF_EXAMPLE.keySet()).as("a schema for every JSON example").containsExactlyInAnyOrderElementsOf(examples);
        for (Map.Entry<String, String> e : SCHEMA_OF_EXAMPLE.entrySet()) {
            JsonNode doc = Json.MAPPER.readTree(example(e.getKey()));
            assertThat(ContractSchemas.violations(e.getValue(), doc)).as(e.getKey()).isEmpty();
        }
        // Not vacuous: a nested field of the wrong type is found.
        JsonNode report = Json.MAPPER.readTree(example("health-report.json"));
        ((ObjectNode) report.get("features").get(0).get("drift").get(0)).put("value", "high");
        assertThat(ContractSchemas.violations("health-report.schema.json", report)).singleElement().asString()
                .startsWith("/features/0/drift/0/value");
    }

    @Test
    void everySchemaIsJsonAndEveryExampleFileIsValidJson() throws IOException {
        try (var files = Files.list(ROOT.resolve("src/schemas"))) {
            for (Path p : files.toList()) {
                assertThat(Json.MAPPER.readTree(p.toFile()).get("$schema")).as(p.toString()).isNotNull();
            }
        }
        assertThat(Json.MAPPER.readTree(example("label.json")).get("label").asInt()).isEqualTo(1);
    }

    @Test
    void thresholdsExampleIsValidAndOverridesOneModel() throws IOException {
        ThresholdsConfig c = ThresholdsParser.parse(example("thresholds.yaml"));
        assertThat(c.forModel("churn").psiWarning()).isEqualTo(0.15);
        assertThat(c.defaults()).isEqualTo(ThresholdsConfig.defaultConfig().defaults());
    }

    @Test
    void controlCommandExampleIsAcceptedByTheJob() throws IOException {
        var c = io.modelwatch.control.ControlCommandParser.parse("churn", example("control-command.json"),
                ThresholdsConfig.defaultConfig());
        assertThat(c.thresholds()).isNotNull();
        assertThat(c.reference()).isNotNull();
    }

    @Test
    void typesInTheExamplesUseTheContractEnums() throws IOException {
        RetrainTrigger t = Json.read(example("retrain-trigger.json"), RetrainTrigger.class);
        assertThat(t.reason()).isIn(RetrainTrigger.FEATURE_DRIFT, RetrainTrigger.PREDICTION_DRIFT,
                RetrainTrigger.PERFORMANCE_DECAY, RetrainTrigger.DATA_QUALITY);
        assertThat(Json.read(example("health-report.json"), HealthReport.class).status()).isEqualTo(HealthReport.DRIFTING);
        assertThat(Json.read(example("dead-letter.json"), DeadLetter.class).payload()).contains("yesterday");
    }
}
