package io.modelwatch.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.config.ControlCommand;
import io.modelwatch.config.ControlCommandParser;
import io.modelwatch.config.ThresholdsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The published control-command schema and example agree with each other and with the parser. */
class ControlCommandSchemaTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theExampleConformsToTheSchemaAndParses() throws Exception {
        JsonSchemaCheck schema = new JsonSchemaCheck(
                MAPPER.readTree(ROOT.resolve("src/schemas/control-command.schema.json").toFile()));
        String example = Files.readString(ROOT.resolve("src/examples/control-command.json"));
        JsonNode doc = MAPPER.readTree(example);
        assertThat(schema.violations(doc)).isEmpty();
        ControlCommand c = ControlCommandParser.parse("churn", example, ThresholdsConfig.defaultConfig());
        assertThat(c.commandId()).isEqualTo("c-42");
        assertThat(c.reference().action()).isEqualTo(ControlCommand.Reference.RELEARN);
        assertThat(ControlCommand.resolve(ThresholdsConfig.defaultConfig(), "churn", null, c).overrides())
                .containsExactly("drift.effect.numeric", "drift.fdr", "window.minEvents");

        // Not vacuous: what the parser refuses, the schema refuses too.
        ObjectNode broken = doc.deepCopy();
        ((ObjectNode) broken.get("thresholds")).putObject("escalation").put("cooldown", "1h");
        ((ObjectNode) broken.get("reference")).put("action", "use");
        broken.remove("commandId");
        assertThat(schema.violations(broken)).hasSize(3);
    }
}
