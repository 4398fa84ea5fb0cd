package io.modelwatch.control;

import io.modelwatch.config.ConfigException;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.serde.ReferenceProfileJson;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.testing.Events;
import org.junit.jupiter.api.Test;

class ControlCommandParserTest {
    static final ThresholdsConfig FILE = ThresholdsParser.parse("""
            defaults:
              drift: {fdr: 0.001, effect: {numeric: 0.05}}
            models:
              churn:
                drift: {effect: {numeric: 0.08}}
            """);

    static ControlCommand parse(String key, String json) {
        return ControlCommandParser.parse(key, json, FILE);
    }

    @Test
    void overridesApplyOverTheFileInOrderFileDefaultsFileModelAllModelsModel() {
        ControlCommand all = parse("*", """
                {"modelId":"*","commandId":"g-1","thresholds":{"drift":{"fdr":0.01,"effect":{"categorical":0.2}}}}""");
        ControlCommand churn = parse("churn", """
                {"modelId":"churn","commandId":"c-42","thresholds":{"drift":{"effect":{"categorical":0.3}}}}""");

        ControlCommand.Resolved r = ControlCommand.resolve(FILE, "churn", all, churn);
        assertThat(r.thresholds().minNumericShift()).isEqualTo(0.08);      // file, per model
        assertThat(r.thresholds().falseDiscoveryRate()).isEqualTo(0.01);   // live *
        assertThat(r.thresholds().minCategoryShift()).isEqualTo(0.3);      // live per model beats live *
        assertThat(r.overrides()).containsExactly("drift.effect.categorical", "drift.fdr");
        assertThat(r.version()).startsWith(FILE.version() + "+").isNotEqualTo(FILE.version() + "+");

        ControlCommand.Resolved other = ControlCommand.resolve(FILE, "fraud", all, null);
        assertThat(other.thresholds().minNumericShift()).isEqualTo(0.05);  // file defaults
        assertThat(other.thresholds().minCategoryShift()).isEqualTo(0.2);
        assertThat(other.version()).isNotEqualTo(r.version());
    }

    @Test
    void theEstimatesThresholdAndSignalAreLiveSinceTheModelMonitorReadsThem() {
        ControlCommand churn = parse("churn", """
                {"modelId":"churn","commandId":"c-7","thresholds":{"performance":{"threshold":0.3,"estimatedDecay":true}}}""");
        ControlCommand.Resolved r = ControlCommand.resolve(FILE, "churn", null, churn);
        assertThat(r.thresholds().scoreThreshold()).isEqualTo(0.3);
        assertThat(r.thresholds().estimatedDecaySignal()).isTrue();
        assertThat(r.overrides()).containsExactly("performance.estimatedDecay", "performance.threshold");
    }

    @Test
    void theVersionIsTheFilesWhenNothingChangesAndFollowsTheOverrides() {
        assertThat(ControlCommand.resolve(FILE, "churn", null, null).version()).isEqualTo(FILE.version());
        ControlCommand same = parse("churn", """
                {"modelId":"churn","commandId":"c-1","thresholds":{"drift":{"effect":{"numeric":0.08}}}}""");
        assertThat(ControlCommand.resolve(FILE, "churn", null, same).version()).isEqualTo(FILE.version());
        ControlCommand a = parse("churn", """
                {"modelId":"churn","commandId":"c-2","thresholds":{"drift":{"effect":{"numeric":0.1}}}}""");
        ControlCommand b = parse("churn", """
                {"modelId":"churn","commandId":"c-3","thresholds":{"drift":{"effect":{"numeric":0.2}}}}""");
        assertThat(ControlCommand.resolve(FILE, "churn", null, a).version())
                .isNotEqualTo(ControlCommand.resolve(FILE, "churn", null, b).version());
    }

    @Test
    void badCommandsAreRefusedWithOneLineNamingTheField() {
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"thresholds\":"
                + "{\"drift\":{\"psy\":1}}}"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("thresholds.drift.psy: unknown setting");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"thresholds\":"
                + "{\"drift\":{\"fdr\":2}}}"))
                .hasMessageStartingWith("thresholds.drift.fdr: must be in (0, 1)");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"thresholds\":"
                + "{\"window\":{\"size\":\"5m\"}}}"))
                .hasMessageStartingWith("thresholds.window.size: cannot be changed live");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"thresholds\":"
                + "{\"escalation\":{\"cooldown\":\"1h\"}}}"))
                .hasMessageStartingWith("thresholds.escalation: cannot be changed live");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"thresholds\":"
                + "{\"performance\":{\"minLabels\":10}}}"))
                .hasMessageStartingWith("thresholds.performance.minLabels: cannot be changed live");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"thresholds\":"
                + "{\"performance\":{\"accuracyDrop\":0.1}}}"))
                .hasMessageStartingWith("thresholds.performance.accuracyDrop: cannot be changed live");
        assertThatThrownBy(() -> parse("fraud", "{\"modelId\":\"churn\",\"commandId\":\"c\"}"))
                .hasMessageStartingWith("modelId: 'churn' differs from the record's key 'fraud'");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\"}")).hasMessage("commandId: required");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"extra\":1}"))
                .hasMessageStartingWith("extra: unknown field");
        assertThatThrownBy(() -> parse("churn", "not json")).hasMessageStartingWith("not valid JSON");
        // A second command (or anything but whitespace) after the first is not ignored.
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\"}{\"modelId\":\"churn\"}"))
                .hasMessage("not one JSON object: more content after its end (several records concatenated?)");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\"} }"))
                .hasMessageStartingWith("not one JSON object");
        assertThat(parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\"}\n").commandId()).isEqualTo("c");
        assertThatThrownBy(() -> parse("*", "{\"modelId\":\"*\",\"commandId\":\"c\",\"reference\":"
                + "{\"action\":\"relearn\",\"version\":\"7\"}}"))
                .hasMessageStartingWith("reference: only for one model version");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"reference\":"
                + "{\"action\":\"relearn\",\"version\":\"7\",\"events\":10}}"))
                .hasMessageStartingWith("reference.events: must be a whole number of at least 100");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"reference\":"
                + "{\"action\":\"forget\",\"version\":\"7\"}}"))
                .hasMessageStartingWith("reference.action: 'forget' is not one of relearn, use");
        assertThatThrownBy(() -> parse("churn", "{\"modelId\":\"churn\",\"commandId\":\"c\",\"reference\":"
                + "{\"action\":\"use\",\"version\":\"7\"}}"))
                .hasMessageStartingWith("reference.profile: required with action 'use'");
    }

    @Test
    void aStarOverrideMustSuitEveryModelOfTheFile() {
        // churn's file effect floor is 0.08; psi bands do not matter here, fdr must stay in (0, 1)
        ThresholdsConfig file = ThresholdsParser.parse("""
                models:
                  churn:
                    drift: {psi: {warning: 0.2, critical: 0.3}}
                """);
        assertThatThrownBy(() -> ControlCommandParser.parse("*", """
                {"modelId":"*","commandId":"g","thresholds":{"drift":{"psi":{"critical":0.15}}}}""", file))
                .hasMessageStartingWith("thresholds.drift.psi.critical: must be >= drift.psi.warning");
    }

    @Test
    void overridesValidAloneButNotTogetherAreNotAppliedAndSayWhy() {
        ControlCommand all = parse("*", """
                {"modelId":"*","commandId":"g","thresholds":{"drift":{"psi":{"warning":0.2}}}}""");
        ControlCommand model = parse("fraud", """
                {"modelId":"fraud","commandId":"f","thresholds":{"drift":{"psi":{"critical":0.15}}}}""");
        ControlCommand.Resolved r = ControlCommand.resolve(FILE, "fraud", all, model);
        assertThat(r.thresholds()).isEqualTo(FILE.forModel("fraud"));
        assertThat(r.version()).isEqualTo(FILE.version());
        assertThat(r.error()).startsWith("thresholds.drift.psi.critical: must be >= drift.psi.warning");
    }

    @Test
    void referenceActionsParse() {
        ControlCommand relearn = parse("churn", """
                {"modelId":"churn","commandId":"c-7","reference":{"action":"relearn","version":"7","events":5000}}""");
        assertThat(relearn.reference().action()).isEqualTo("relearn");
        assertThat(relearn.reference().events()).isEqualTo(5000);
        assertThat(relearn.reference().describe()).isEqualTo("relearn from the next 5000 events");
        assertThat(relearn.thresholds()).isNull();

        ModelProfile learned = new ModelProfile();
        Events.stream("churn", 1, 1000, 0, 1, 0, 0).forEach(learned::add);
        ReferenceProfile profile = ReferenceProfile.freeze(learned, 10, 20);
        String json = "{\"modelId\":\"churn\",\"commandId\":\"c-8\",\"reference\":{\"action\":\"use\",\"version\":\"7\","
                + "\"profile\":" + ReferenceProfileJson.write("churn", "6", profile) + "}}";
        ControlCommand use = parse("churn", json);
        assertThat(ReferenceProfile.fromBytes(use.reference().profile()).events()).isEqualTo(1000);
        assertThatThrownBy(() -> parse("fraud", json.replace("\"modelId\":\"churn\",\"commandId\"",
                "\"modelId\":\"fraud\",\"commandId\"")))
                .hasMessageStartingWith("reference.profile: is a profile of model 'churn', not of 'fraud'");
    }
}
