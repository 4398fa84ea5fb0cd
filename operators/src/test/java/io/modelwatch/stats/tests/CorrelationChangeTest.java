package io.modelwatch.stats.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Values from scipy 1.17: {@code (arctanh(r2) - arctanh(r1)) / sqrt(1.06/(n1-3) + 1.06/(n2-3))}, {@code 2 norm.sf(|z|)}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CorrelationChangeTest {

    @Test
    void matchesTheTextbookStatisticAndTwoSidedPValue() {
        assertEquals(-2.3952247273297576, CorrelationChange.statistic(0.30, 5000, 0.20, 600), 1e-12);
        assertEquals(0.016610181304040822, CorrelationChange.pValue(0.30, 5000, 0.20, 600), 1e-12);
        assertEquals(-2.136901125746945, CorrelationChange.statistic(0.5, 200, 0.3, 150), 1e-12);
        assertEquals(0.03260603443120517, CorrelationChange.pValue(0.5, 200, 0.3, 150), 1e-12);
        assertEquals(-45.61872770245942, CorrelationChange.statistic(0.786, 5000, -0.75, 600), 1e-9);
    }

    @Test
    void aFlippedCorrelationIsOverwhelminglySignificantAndNoChangeIsNot() {
        assertTrue(CorrelationChange.pValue(0.786, 5000, -0.75, 600) < 1e-300);
        assertEquals(1.0, CorrelationChange.pValue(0.4, 5000, 0.4, 600), 1e-12);
    }

    @Test
    void tooFewPairsOrAnUndefinedCorrelationTestNothing() {
        assertEquals(1.0, CorrelationChange.pValue(0.9, 3, -0.9, 600));
        assertEquals(1.0, CorrelationChange.pValue(Double.NaN, 5000, -0.9, 600));
    }

    @Test
    void aPerfectCorrelationStaysFinite() {
        assertTrue(Double.isFinite(CorrelationChange.fisherZ(1.0)));
        assertTrue(Double.isFinite(CorrelationChange.statistic(1.0, 100, -1.0, 100)));
    }
}
