package io.modelwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ThresholdsParserTest {
    @Test
    void emptyFileMeansDocumentedDefaults() {
        ThresholdsConfig c = ThresholdsParser.parse("");
        assertThat(c.defaults()).isEqualTo(Thresholds.defaults());
        assertThat(c.forModel("anything")).isEqualTo(Thresholds.defaults());
        assertThat(c.version()).hasSize(8);
    }

    @Test
    void perModelOverridesInheritTheDefaults() {
        ThresholdsConfig c = ThresholdsParser.parse("""
                defaults:
                  window: {size: 2m, minEvents: 500}
                  escalation: {windows: 4, within: 20m}
                models:
                  churn:
                    drift: {psi: {warning: 0.15}}
                    escalation: {cooldown: 6h}
                """);
        assertThat(c.defaults().windowSize()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.defaults().escalationWindows()).isEqualTo(4);
        Thresholds churn = c.forModel("churn");
        assertThat(churn.psiWarning()).isEqualTo(0.15);
        assertThat(churn.psiCritical()).isEqualTo(0.25);
        assertThat(churn.minWindowEvents()).isEqualTo(500);
        assertThat(churn.cooldown()).isEqualTo(Duration.ofHours(6));
        assertThat(c.forModel("fraud").psiWarning()).isEqualTo(0.1);
    }

    @Test
    void significanceAndEffectFloorsCanBeSetAndAreChecked() {
        ThresholdsConfig c = ThresholdsParser.parse("""
                defaults:
                  drift:
                    fdr: 0.01
                    effect: {numeric: 0.2, categorical: 0.1, missingRate: 0.02}
                """);
        assertThat(c.defaults().falseDiscoveryRate()).isEqualTo(0.01);
        assertThat(c.defaults().minNumericShift()).isEqualTo(0.2);
        assertThat(c.defaults().minCategoryShift()).isEqualTo(0.1);
        assertThat(c.defaults().minMissingRateChange()).isEqualTo(0.02);
        assertThat(c.version()).isNotEqualTo(ThresholdsConfig.defaultConfig().version());
        assertThatThrownBy(() -> ThresholdsParser.parse("defaults: {drift: {fdr: 0}}"))
                .hasMessage("defaults.drift.fdr: must be in (0, 1)");
        assertThatThrownBy(() -> ThresholdsParser.parse("defaults: {drift: {effect: {numerc: 0.2}}}"))
                .hasMessage("defaults.drift.effect.numerc: unknown setting (expected one of categorical, missingRate, numeric)");
        assertThatThrownBy(() -> ThresholdsParser.parse("models: {churn: {drift: {effect: {categorical: 2}}}}"))
                .hasMessage("models.churn.drift.effect.categorical: must be 0..1");
    }

    @Test
    void theExampleInDocsDetectionSpellsOutTheDefaults() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "detection.md"));
        int start = doc.indexOf("```yaml\n");
        String yaml = doc.substring(start + 8, doc.indexOf("```", start + 8));
        ThresholdsConfig c = ThresholdsParser.parse(yaml);
        assertThat(c.defaults()).isEqualTo(Thresholds.defaults());
        assertThat(c.version()).isEqualTo(ThresholdsConfig.defaultConfig().version());
    }

    @Test
    void versionIgnoresFormattingButNotValues() {
        String a = ThresholdsParser.parse("defaults:\n  drift:\n    psi:\n      warning: 0.1\n").version();
        String b = ThresholdsParser.parse("{defaults: {drift: {psi: {warning: 0.10}}}}").version();
        String c = ThresholdsParser.parse("defaults:\n  drift:\n    psi:\n      warning: 0.12\n").version();
        assertThat(a).isEqualTo(b).isEqualTo(ThresholdsConfig.defaultConfig().version());
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void mistakesFailWithOneLineNamingTheKey() {
        assertThatThrownBy(() -> ThresholdsParser.parse("defaults:\n  drift:\n    psy: {warning: 0.1}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("defaults.drift.psy: unknown setting (expected one of categoryBins, effect, fdr, numericBins, psi, sequential)");
        assertThatThrownBy(() -> ThresholdsParser.parse("defaults:\n  window:\n    size: soon\n"))
                .hasMessage("defaults.window.size: 'soon' is not a duration (e.g. 30s, 1m, 24h)");
        assertThatThrownBy(() -> ThresholdsParser.parse("models:\n  churn:\n    drift: {psi: {warning: -1}}\n"))
                .hasMessage("models.churn.drift.psi.warning: must be > 0");
        assertThatThrownBy(() -> ThresholdsParser.parse("models:\n  churn:\n    escalation: {windows: 0}\n"))
                .hasMessageStartingWith("models.churn.escalation.windows: ");
        assertThatThrownBy(() -> ThresholdsParser.parse("defaults: [1, 2]"))
                .hasMessage("defaults: must be a mapping");
        assertThatThrownBy(() -> ThresholdsParser.parse("defaults:\n  reference: {events: many}\n"))
                .hasMessage("defaults.reference.events: must be a whole number, not 'many'");
        assertThatThrownBy(() -> ThresholdsParser.parse("a: [unclosed"))
                .hasMessageStartingWith("thresholds: not valid YAML");
        assertThat(new ConfigException("x").getMessage()).doesNotContain("\n");
    }

    @Test
    void lifecycleExpireAfterDefaultsToSevenDaysAndOnlyAChangeMovesTheVersion() {
        ThresholdsConfig c = ThresholdsParser.parse("""
                defaults:
                  lifecycle: {expireAfter: 14d}
                models:
                  churn:
                    lifecycle: {expireAfter: 36h}
                """);
        assertThat(c.defaults().expireAfter()).isEqualTo(Duration.ofDays(14));
        assertThat(c.forModel("churn").expireAfter()).isEqualTo(Duration.ofHours(36));
        assertThat(ThresholdsConfig.defaultConfig().defaults().expireAfter()).isEqualTo(Duration.ofDays(7));
        assertThat(c.version()).isNotEqualTo(ThresholdsConfig.defaultConfig().version());
        // Spelling out the default keeps the version, as for every other key.
        assertThat(ThresholdsParser.parse("defaults: {lifecycle: {expireAfter: 7d}}").version())
                .isEqualTo(ThresholdsConfig.defaultConfig().version());
        assertThatThrownBy(() -> ThresholdsParser.parse("defaults: {lifecycle: {expireAfter: 5m}}"))
                .hasMessage("defaults.lifecycle.expireAfter: must be at least escalation.within");
        assertThatThrownBy(() -> ThresholdsParser.parse("defaults: {lifecycle: {ttl: 5d}}"))
                .hasMessage("defaults.lifecycle.ttl: unknown setting (expected one of expireAfter)");
    }

    @Test
    void settingsNameEveryKeyOfTheFile() {
        assertThat(ThresholdsParser.settings(Thresholds.defaults()).keySet())
                .containsExactlyElementsOf(ThresholdsParser.keys());
        assertThat(ThresholdsParser.settings(Thresholds.defaults())).containsEntry("window.size", "1m")
                .containsEntry("drift.psi.warning", "0.1").containsEntry("escalation.windows", "3");
    }
}
