package io.modelwatch.cli;

import io.modelwatch.jobs.RunOptions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelwatch.control.ControlCommandParser;
import io.modelwatch.config.ThresholdsParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/runbook-thresholds.md says what the command line and the thresholds parser do. */
class ThresholdsRunbookTest {
    // Surefire runs in the module directory, jobs/.
    static final Path RUNBOOK = Path.of("../deploy/runbook-thresholds.md");
    static final Pattern BLOCK = Pattern.compile("```(\\w*)\\n(.*?)```", Pattern.DOTALL);

    record Block(String lang, String text) {}

    static List<Block> blocks() throws Exception {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(RUNBOOK));
        while (m.find()) {
            out.add(new Block(m.group(1), m.group(2)));
        }
        return out;
    }

    /** The shell commands of the runbook, continuation lines joined. */
    static List<String> commands(String prefix) throws Exception {
        List<String> out = new ArrayList<>();
        for (Block b : blocks()) {
            if (b.lang().equals("sh")) {
                for (String line : b.text().replace("\\\n", " ").split("\n")) {
                    if (line.startsWith(prefix)) {
                        out.add(line.trim());
                    }
                }
            }
        }
        return out;
    }

    @Test
    void everyRunCommandParses(@TempDir Path dir) throws Exception {
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), "defaults: {}\n");
        List<String> runs = commands("bin/modelwatch run ");
        assertThat(runs).hasSizeGreaterThanOrEqualTo(4);
        for (String run : runs) {
            List<String> args = new ArrayList<>(Arrays.asList(run.split("\\s+")).subList(2, run.split("\\s+").length));
            int t = args.indexOf("--thresholds");
            assertThat(t).as("%s names a thresholds file", run).isNotNegative();
            args.set(t + 1, thresholds.toString());
            RunOptions o = RunOptions.parse(args.toArray(String[]::new));
            assertThat(o.bootstrapServers()).isEqualTo("kafka-1:9092");
            if (!o.bounded()) {
                assertThat(o.stateDir()).as("%s: an unbounded run needs a state dir for its savepoints", run).isNotNull();
            }
        }
        assertThat(runs).anyMatch(r -> r.contains("--from-savepoint file:"));
    }

    @Test
    void inspectAndBootstrapCommandsAndOutputMatchTheCli() throws Exception {
        List<String> inspects = commands("bin/modelwatch inspect ");
        assertThat(inspects).isNotEmpty().allMatch(c -> c.matches("bin/modelwatch inspect --savepoint \\S+"));

        assertThat(commands("bin/modelwatch bootstrap ")).isNotEmpty().allMatch(c -> c.matches(
                "bin/modelwatch bootstrap( --input \\S+\\.jsonl)+ --thresholds \\S+ --out \\S+"));

        String runbook = Files.readString(RUNBOOK);
        assertThat(runbook).contains(RunCommand.SAVEPOINT_WRITTEN + " file:");
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        InspectCommand.print(List.of(), new PrintStream(table, true, StandardCharsets.UTF_8));
        String header = table.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow().strip();
        assertThat(runbook).contains("\n" + header + "\n");
    }

    /** {@code key|json} records of the kafka-console-producer examples (tombstones are {@code key|NULL}). */
    static final Pattern CONTROL_RECORD = Pattern.compile("^([^\\s|]+)\\|(\\{.*})$", Pattern.MULTILINE);

    @Test
    void everyControlCommandIsAcceptedAndRefusalsAreAsDescribed() throws Exception {
        int checked = 0;
        for (Block b : blocks()) {
            if (!b.lang().equals("sh")) {
                continue;
            }
            Matcher m = CONTROL_RECORD.matcher(b.text());
            while (m.find()) {
                ControlCommandParser.parse(m.group(1), m.group(2), ThresholdsParser.parse(""));
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(3);
        String runbook = Files.readString(RUNBOOK);
        for (String key : ControlCommandParser.NOT_LIVE.keySet()) {
            assertThat(runbook).as("the runbook names %s as not live", key).contains("`" + key);
        }
    }

    @Test
    void everyThresholdsExampleIsValid() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        int checked = 0;
        for (Block b : blocks()) {
            if (b.lang().equals("yaml")) {
                JsonNode thresholds = yaml.readTree(b.text()).path("thresholds");
                assertThat(thresholds.isMissingNode()).as("a values file with thresholds:%n%s", b.text()).isFalse();
                ThresholdsParser.parse(yaml.writeValueAsString(thresholds));
                checked++;
            }
        }
        assertThat(checked).isPositive();
    }
}
