package io.modelwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import io.modelwatch.config.Thresholds;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A reduced run of the false-alarm simulation (the published one is {@code bin/false-alarms}). */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FalseAlarmSimulationTest {

    @Test
    void everyKindStaysQuietOnASmallReferenceInAReducedRun() {
        for (FalseAlarmSimulation.Kind kind : FalseAlarmSimulation.Kind.values()) {
            FalseAlarmSimulation.Result r = FalseAlarmSimulation.run(kind, 180, 4, 30, 5, null);
            assertThat(r.windows()).isEqualTo(120);
            assertThat(r.triggers()).as("%s", kind).isZero();
            assertThat(r.signalledWindows()).as("%s", kind).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void theEscalationRuleIsThreeWithinTenThenCooldown() {
        FalseAlarmSimulation.Escalation e = new FalseAlarmSimulation.Escalation(Thresholds.defaults());
        e.signal(0);
        e.signal(5);
        e.signal(10); // 10 minutes after the first: window 0 is out, only 2 open
        assertThat(e.triggers).isZero();
        e.signal(14); // 5, 10, 14 within 10 minutes
        assertThat(e.triggers).isEqualTo(1);
        e.signal(20);
        e.signal(21);
        e.signal(22); // a second match within the 24 h cooldown
        assertThat(e.triggers).isEqualTo(1);
        e.signal(14 + 1440);
        e.signal(14 + 1441);
        e.signal(14 + 1442);
        assertThat(e.triggers).isEqualTo(2);
    }

    @Test
    void theConditionalMatchProbabilityIsTheBinomialTail() {
        // q * P(Bin(9, q) >= 2) = q (1 - (1-q)^9 - 9 q (1-q)^8); q = 0.01: 0.01 * 0.0034208...
        double q = 0.01;
        double expected = q * (1 - Math.pow(1 - q, 9) - 9 * q * Math.pow(1 - q, 8));
        assertThat(FalseAlarmSimulation.completesMatch(q, 3, 10)).isCloseTo(expected, withPercentage(1e-9));
        assertThat(FalseAlarmSimulation.completesMatch(1e-3, 3, 10)).isCloseTo(36e-9, withPercentage(1));
    }

    @Test
    void thePoissonUpperBoundIsExact() {
        // k = 0: P(X = 0) = exp(-mu) = 0.05 -> mu = ln 20; k = 4: the chi-square(10) 95% quantile / 2.
        assertThat(FalseAlarmSimulation.poissonUpper95(0)).isCloseTo(Math.log(20), withPercentage(1e-6));
        assertThat(FalseAlarmSimulation.poissonUpper95(4)).isCloseTo(18.307038 / 2, withPercentage(1e-4));
    }
}
