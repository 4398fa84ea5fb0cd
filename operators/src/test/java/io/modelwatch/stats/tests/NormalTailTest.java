package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NormalTailTest {
    @Test
    void matchesTabulatedValues() {
        // Standard normal table: P(Z >= 1.96) = 0.0249979, P(Z >= 3) = 0.0013499, P(Z >= 5) = 2.8665e-7.
        assertThat(NormalTail.upper(0)).isEqualTo(0.5);
        assertThat(NormalTail.upper(1.959964)).isCloseTo(0.025, within(1e-7));
        assertThat(NormalTail.upper(3)).isCloseTo(0.0013499, within(1e-7));
        assertThat(NormalTail.upper(5) / 2.8665157e-7).isCloseTo(1.0, within(1e-5));
        assertThat(NormalTail.upper(-1.959964)).isCloseTo(0.975, within(1e-7));
        assertThat(NormalTail.upper(1)).isCloseTo(0.1586553, within(1e-7));
    }
}
