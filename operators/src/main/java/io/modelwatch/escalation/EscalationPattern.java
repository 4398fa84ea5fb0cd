package io.modelwatch.escalation;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.model.DriftSignal;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.IterativeCondition;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

/**
 * "Signalled windows worth {@code escalation.windows} within {@code escalation.within}" for one
 * model version and reason, with every model's own settings, in one pattern whose NFA does not
 * depend on them:
 *
 * <pre>
 * begin("signals").oneOrMore().optional()   every signal of the key, in order, none skipped
 *   .next("decisive")                        the signal that completes the match, where
 *       weights of signals + decisive >= escalation.windows of the model, and
 *       decisive.windowEnd - first.windowEnd < escalation.within of the model
 *   .within(the longest escalation.within configured)   only bounds how long partial matches live
 * </pre>
 *
 * <p>The NFA's state names ({@code signals}, {@code signals:0..2}, {@code decisive},
 * {@code $endState$}, from Flink's NFACompiler) are the same whatever k and T are, so a savepoint
 * upgrade that changes {@code escalation.windows} or {@code escalation.within}, in the defaults or
 * per model, restores every partial match and the next signal is judged on the new values.
 * ({@code times(k)}, the pattern before, names its states {@code drifted:k-2 .. drifted}: another k
 * is another NFA; {@link EscalationOperator} replays such partial matches into this one.)
 *
 * <p>A window counts {@link DriftSignal#windowsCounted()} times ({@link EvidenceWeight}): 1 for a
 * flagged window, up to k when its evidence is overwhelming. Healthy windows in between do not
 * break a match (they send no signal), because a real shift often leaves a window under the
 * threshold by chance. Skip past the last event: windows of one match never start another, so one
 * sustained drift yields one match, then the cooldown keeps the next ones quiet.
 *
 * <p>The stream fed to it carries one signal per signalled window (never raw events): CEP's NFA on
 * RocksDB is far too slow for per-event input.
 */
public final class EscalationPattern {
    /** The signals before the decisive one (possibly none). */
    public static final String SIGNALS = "signals";
    /** The signal that completes the match. */
    public static final String DECISIVE = "decisive";

    private EscalationPattern() {}

    public static Pattern<DriftSignal, DriftSignal> create(ThresholdsConfig config) {
        return Pattern.<DriftSignal>begin(SIGNALS, AfterMatchSkipStrategy.skipPastLastEvent())
                .where(SimpleCondition.of(s -> true))
                .oneOrMore().optional()
                .next(DECISIVE)
                .where(new Decisive(config))
                .within(longestWithin(config));
    }

    /** The pattern's time bound: the longest {@code escalation.within} of the defaults and models. */
    public static Duration longestWithin(ThresholdsConfig config) {
        return Stream.concat(Stream.of(config.defaults()), config.models().values().stream())
                .map(Thresholds::escalationWithin).max(Duration::compareTo).orElseThrow();
    }

    /** Whether the signals of a partial match and one more complete it, on the model's settings. */
    static final class Decisive extends IterativeCondition<DriftSignal> {
        private final ThresholdsConfig config;

        Decisive(ThresholdsConfig config) {
            this.config = config;
        }

        @Override
        public boolean filter(DriftSignal value, Context<DriftSignal> ctx) throws Exception {
            Thresholds t = config.forModel(value.modelId());
            long firstEnd = value.windowEnd();
            int counted = counted(value, t);
            for (DriftSignal s : ctx.getEventsForPattern(SIGNALS)) {
                firstEnd = Math.min(firstEnd, s.windowEnd());
                counted += counted(s, t);
            }
            return completes(counted, value.windowEnd() - firstEnd, t);
        }
    }

    /** With {@code escalation.weighted: false} (also for signals already in flight) every window counts once. */
    static int counted(DriftSignal s, Thresholds t) {
        return t.escalationWeighted() ? s.windowsCounted() : 1;
    }

    /**
     * The rule, on its own: {@code counted} confirmations whose windows end {@code spanMillis}
     * apart (first to last) make a trigger. Strictly less than {@code within}, as {@code times(k)
     * .within(T)} was: k windows of one minute fit in T = k minutes.
     */
    static boolean completes(int counted, long spanMillis, Thresholds t) {
        return counted >= t.escalationWindows() && spanMillis < t.escalationWithin().toMillis();
    }
}
