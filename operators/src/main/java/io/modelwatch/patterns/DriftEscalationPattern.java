package io.modelwatch.patterns;

import io.modelwatch.model.DriftSignal;
import java.time.Duration;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

/**
 * "k drifted windows within T" for one model version and reason. Relaxed contiguity: healthy
 * windows in between do not reset the count, because a real shift often leaves a window under
 * the threshold by chance. Skip past the last event: windows of one match never start another,
 * so one sustained drift yields one match, then the cooldown keeps the next ones quiet.
 *
 * <p>The stream fed to it carries one signal per drifted window (never raw events): CEP's NFA on
 * RocksDB is far too slow for per-event input.
 */
public final class DriftEscalationPattern {
    public static final String DRIFTED = "drifted";

    private DriftEscalationPattern() {}

    public static Pattern<DriftSignal, DriftSignal> create(int windows, Duration within) {
        return Pattern.<DriftSignal>begin(DRIFTED, AfterMatchSkipStrategy.skipPastLastEvent())
                .where(SimpleCondition.of(s -> s.evidence().length > 0))
                .times(windows)
                .within(within);
    }
}
