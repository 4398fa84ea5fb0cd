package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsParser;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EscalationGroupsTest {
    @Test
    void defaultsOnlyMakeOneOperatorThatTakesEverySignal() {
        var groups = EscalationGroups.of(ThresholdsParser.parse("models:\n  churn:\n    escalation: {cooldown: 1h}\n"))
                .groups();
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0).uid()).isEqualTo(OperatorIds.DRIFT_ESCALATION);
        assertThat(groups.get(0).routesEverything()).isTrue();
        assertThat(groups.get(0).describe()).isEqualTo("3 drifted windows within 10m");
    }

    @Test
    void modelsWithTheirOwnPairAreRoutedToOneOperatorPerPair() {
        var groups = EscalationGroups.of(ThresholdsParser.parse("""
                models:
                  a: {escalation: {windows: 1, within: 5m}}
                  b: {escalation: {windows: 1, within: 5m}}
                  c: {escalation: {windows: 5}}
                  d: {escalation: {windows: 3, within: 10m}}
                """)).groups();
        assertThat(groups).extracting(EscalationGroups.Group::uid).containsExactly(OperatorIds.DRIFT_ESCALATION,
                "drift-escalation-1-in-300000ms", "drift-escalation-5-in-600000ms");
        var defaults = groups.get(0);
        assertThat(defaults.accepts("d")).as("same pair as the defaults").isTrue();
        assertThat(defaults.accepts("unknown")).isTrue();
        assertThat(defaults.accepts("a")).isFalse();
        assertThat(groups.get(1).accepts("a")).isTrue();
        assertThat(groups.get(1).accepts("b")).isTrue();
        assertThat(groups.get(1).accepts("c")).isFalse();
        assertThat(groups.get(1).within()).isEqualTo(Duration.ofMinutes(5));
        assertThat(groups.get(2).windows()).isEqualTo(5);
    }
}
