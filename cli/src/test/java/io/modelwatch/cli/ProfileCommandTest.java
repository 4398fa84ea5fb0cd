package io.modelwatch.cli;

import io.modelwatch.jobs.RunOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.config.ConfigException;
import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.DriftKind;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.model.ModelKey;
import io.modelwatch.serde.ReferenceProfileJson;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code modelwatch profile} and {@code run --references}: training data in, a reference the job uses out. */
class ProfileCommandTest {
    @TempDir
    Path dir;

    Path training() throws IOException {
        TrafficSimulator sim = new TrafficSimulator(3, Instant.parse("2026-11-20T00:00:00Z"), 1000, List.of(
                new ModelScenario("churn", "7", DriftKind.NONE, -1), new ModelScenario("fraud", "2", DriftKind.NONE, -1)));
        List<String> lines = new ArrayList<>();
        for (int m = 0; m < 8; m++) {
            sim.minute(m).forEach(e -> lines.add(new String(e.json(), StandardCharsets.UTF_8)));
        }
        lines.add("not json");
        Path f = dir.resolve("training.jsonl");
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void buildsAnExactReferenceOfOneModelThatRunReferencesLoads() throws IOException {
        Path in = training();
        Path refs = Files.createDirectory(dir.resolve("refs"));
        Path out = refs.resolve("churn-7.json");
        assertThat(Main.run(new String[] {"profile", "--input", in.toString(), "--model", "churn", "--out",
            out.toString()})).isZero();

        ReferenceProfileJson.Named named = ReferenceProfileJson.read(Files.readString(out));
        assertThat(named.modelId()).isEqualTo("churn");
        assertThat(named.modelVersion()).isEqualTo("7");
        ReferenceProfile ref = named.profile();
        assertThat(ref.events()).isEqualTo(8000);
        assertThat(ref.features().keySet())
                .containsExactlyInAnyOrder("tenure_months", "plan", "monthly_spend", "promo", "region");
        FeatureReference spend = ref.feature("monthly_spend");
        // Counted in a second pass: no sketch error left.
        assertThat(spend.rankError()).isZero();
        assertThat(spend.grid().binCount()).isGreaterThan(40);
        assertThat(ref.feature("region").missingRate()).isBetween(0.03, 0.07);

        Files.writeString(refs.resolve("notes.txt"), "ignored");
        RunOptions options = RunOptions.parse(new String[] {"--bootstrap-servers", "localhost:9", "--references",
            refs.toString()});
        assertThat(options.jobConfig().references()).containsOnlyKeys(ModelKey.of("churn", "7"));
        assertThat(ReferenceProfile.fromBytes(options.jobConfig().references().get(ModelKey.of("churn", "7"))).events())
                .isEqualTo(8000);
    }

    @Test
    void mistakesExitTwoWithOneLine() throws IOException {
        Path in = training();
        Path out = dir.resolve("x.json");
        assertThat(Main.run(new String[] {"profile", "--input", in.toString(), "--model", "nobody", "--out",
            out.toString()})).isEqualTo(2);
        assertThat(Main.run(new String[] {"profile", "--input", dir.resolve("missing.jsonl").toString(), "--model",
            "churn", "--out", out.toString()})).isEqualTo(2);
        assertThat(Main.run(new String[] {"profile", "--model", "churn"})).isEqualTo(2);
        assertThat(out).doesNotExist();

        assertThatThrownBy(() -> RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--references",
            dir.resolve("none").toString()}))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--references: no such file or directory");
        Path refs = Files.createDirectory(dir.resolve("refs"));
        assertThat(Main.run(new String[] {"profile", "--input", in.toString(), "--model", "churn", "--out",
            refs.resolve("a.json").toString()})).isZero();
        Files.copy(refs.resolve("a.json"), refs.resolve("b.json"));
        assertThatThrownBy(() -> RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--references",
            refs.toString()}))
                .hasMessage("--references: a.json and b.json are both for model churn version 7");
        Files.writeString(refs.resolve("b.json"), "{\"format\": \"something else\"}");
        assertThatThrownBy(() -> RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--references",
            refs.toString()}))
                .hasMessageContaining("b.json: format: expected \"modelwatch-reference/1\"");
    }
}
