package io.modelwatch.control;

import io.modelwatch.serde.ContractSchemas;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.config.ThresholdsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The published control-command schema and example agree with each other and with the parser. */
class ControlCommandSchemaTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String SCHEMA = "control-command.schema.json";

    @Test
    void theExampleConformsToTheSchemaAndParses() throws Exception {
        String example = Files.readString(ROOT.resolve("src/examples/control-command.json"));
        JsonNode doc = MAPPER.readTree(example);
        assertThat(ContractSchemas.violations(SCHEMA, doc)).isEmpty();
        ControlCommand c = ControlCommandParser.parse("churn", example, ThresholdsConfig.defaultConfig());
        assertThat(c.commandId()).isEqualTo("c-42");
        assertThat(c.reference().action()).isEqualTo(ControlCommand.Reference.RELEARN);
        assertThat(ControlCommand.resolve(ThresholdsConfig.defaultConfig(), "churn", null, c).overrides())
                .containsExactly("drift.effect.numeric", "drift.fdr", "window.minEvents");

        // Not vacuous: what the parser refuses, the schema refuses too, naming the field.
        ObjectNode liveCooldown = doc.deepCopy();
        ((ObjectNode) liveCooldown.get("thresholds")).putObject("escalation").put("cooldown", "1h");
        assertThat(ContractSchemas.violations(SCHEMA, liveCooldown)).singleElement().asString().contains("escalation");
        ObjectNode unknownAction = doc.deepCopy();
        ((ObjectNode) unknownAction.get("reference")).put("action", "reset");
        assertThat(ContractSchemas.violations(SCHEMA, unknownAction)).singleElement().asString().contains("/reference/action");
        ObjectNode useWithoutProfile = doc.deepCopy();
        ((ObjectNode) useWithoutProfile.get("reference")).put("action", "use");
        assertThat(ContractSchemas.violations(SCHEMA, useWithoutProfile)).singleElement().asString().contains("profile");
        ObjectNode noId = doc.deepCopy();
        noId.remove("commandId");
        assertThat(ContractSchemas.violations(SCHEMA, noId)).singleElement().asString().contains("commandId");
    }
}
