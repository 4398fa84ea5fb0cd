package io.modelwatch.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.testing.Generated;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceProfileJsonTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** The schema at the repository root; tests run in the module directory. */
    static final Path SCHEMA = Path.of("..", "src", "schemas", "reference-profile.schema.json");

    static ReferenceProfile reference() {
        Generated g = new Generated()
                .feature("age", r -> 40 + 12 * r.nextGaussian())
                .feature("visits", r -> (double) Generated.poisson(r, 3))
                .feature("plan", r -> r.nextDouble() < 0.6 ? "basic" : r.nextDouble() < 0.1 ? null : "pro")
                .feature("never", r -> null);
        List<PredictionEvent> events = g.events(1, 3000);
        ModelProfile learned = new ModelProfile();
        events.forEach(learned::add);
        ReferenceProfile ref = ReferenceProfile.freeze(learned, 10, 20);
        ModelProfile counted = ModelProfile.against(ref);
        events.forEach(e -> counted.add(e, ref));
        return ref.withExactProportions(counted);
    }

    @Test
    void roundTripsEveryFieldExactly() {
        ReferenceProfile ref = reference();
        String json = ReferenceProfileJson.write("churn", "7", ref);
        ReferenceProfileJson.Named back = ReferenceProfileJson.read(json);
        assertThat(back.modelId()).isEqualTo("churn");
        assertThat(back.modelVersion()).isEqualTo("7");
        assertThat(back.profile().events()).isEqualTo(3000);
        assertThat(back.profile().firstTimestamp()).isEqualTo(ref.firstTimestamp());
        assertThat(back.profile().features().keySet()).containsExactly("age", "visits", "plan", "never");
        for (String name : ref.features().keySet()) {
            same(back.profile().feature(name), ref.feature(name));
        }
        same(back.profile().prediction(), ref.prediction());
        // Through the binary state format as well.
        assertThat(ReferenceProfile.fromBytes(back.profile().toBytes()).feature("age").grid())
                .isEqualTo(ref.feature("age").grid());
    }

    static void same(FeatureReference a, FeatureReference b) {
        assertThat(a.name()).isEqualTo(b.name());
        assertThat(a.numeric()).isEqualTo(b.numeric());
        assertThat(a.present()).isEqualTo(b.present());
        assertThat(a.missing()).isEqualTo(b.missing());
        assertThat(a.numericBins()).isEqualTo(b.numericBins());
        assertThat(a.grid()).isEqualTo(b.grid());
        assertThat(a.quantiles()).isEqualTo(b.quantiles());
        assertThat(a.rankError()).isEqualTo(b.rankError());
        if (b.categoryBins() != null) {
            assertThat(a.categoryBins().categories()).containsExactly(b.categoryBins().categories());
            assertThat(a.categoryBins().referenceProportions()).containsExactly(b.categoryBins().referenceProportions());
        } else {
            assertThat(a.categoryBins()).isNull();
        }
        if (b.present() > 0 && b.numeric()) {
            assertThat(a.mean()).isEqualTo(b.mean());
            assertThat(a.stddev()).isEqualTo(b.stddev());
        }
    }

    @Test
    void whatIsWrittenConformsToThePublishedSchema() throws Exception {
        String schema = SCHEMA.getFileName().toString();
        JsonNode doc = MAPPER.readTree(ReferenceProfileJson.write("churn", "7", reference()));
        assertThat(ContractSchemas.violations(schema, doc)).isEmpty();
        // And the schema is not vacuous: each mistake is found and named.
        ObjectNode oldFormat = doc.deepCopy();
        oldFormat.put("format", "modelwatch-reference/0");
        assertThat(ContractSchemas.violations(schema, oldFormat)).singleElement().asString().contains("/format");
        ObjectNode noCategories = doc.deepCopy();
        ((ObjectNode) noCategories.get("features").get(2)).remove("categories");
        assertThat(ContractSchemas.violations(schema, noCategories)).isNotEmpty()
                .allSatisfy(v -> assertThat(v).startsWith("/features/2")).anySatisfy(v -> assertThat(v).contains("categories"));
        ObjectNode extra = doc.deepCopy();
        extra.put("extra", 1);
        assertThat(ContractSchemas.violations(schema, extra)).singleElement().asString().contains("extra");
    }

    @Test
    void mistakesAreOneLineNamingTheField() {
        String json = ReferenceProfileJson.write("churn", "7", reference());
        assertThatThrownBy(() -> ReferenceProfileJson.read("{"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not valid JSON");
        assertThatThrownBy(() -> ReferenceProfileJson.read(json.replace("modelwatch-reference/1", "v0")))
                .hasMessageStartingWith("format: expected \"modelwatch-reference/1\"");
        assertThatThrownBy(() -> ReferenceProfileJson.read(json.replace("\"otherProportion\"", "\"otherShare\"")))
                .hasMessage("features[2].otherProportion: required number missing");
        assertThatThrownBy(() -> ReferenceProfileJson.read(json.replaceFirst("\"psiBins\"", "\"bins\"")))
                .hasMessageStartingWith("features[0].psiBins: required object");
        assertThat(ReferenceProfileJson.read(json).profile().feature("never").hasBins()).isFalse();
    }
}
