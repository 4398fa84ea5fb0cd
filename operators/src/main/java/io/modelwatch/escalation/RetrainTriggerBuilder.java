package io.modelwatch.escalation;

import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.RetrainTrigger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns a match of {@link EscalationPattern} into a {@link RetrainTrigger}: detected at the
 * end of the last drifted window, first evidence at the start of the first, evidence per signal
 * taken from its strongest window (its effect entry, followed by the test that made it
 * significant where the window has one) and sorted strongest first, CRITICAL when the latest window
 * passed a critical threshold. Everything is derived from event time, so the id is deterministic.
 */
public final class RetrainTriggerBuilder extends PatternProcessFunction<DriftSignal, RetrainTrigger> {
    /**
     * Signals whose evidence a trigger keeps: enough to act on, small enough to read. Each keeps its
     * strongest effect entry and, from the same window, its significance entries
     * ({@link Evidence#significance()}), so a trigger holds at most twice as many entries.
     */
    static final int MAX_EVIDENCE = 10;

    @Override
    public void processMatch(Map<String, List<DriftSignal>> match, Context ctx, Collector<RetrainTrigger> out) {
        List<DriftSignal> signals = new ArrayList<>(match.getOrDefault(EscalationPattern.SIGNALS, List.of()));
        signals.addAll(match.get(EscalationPattern.DECISIVE));
        out.collect(build(signals));
    }

    public static RetrainTrigger build(List<DriftSignal> signals) {
        DriftSignal first = signals.get(0);
        DriftSignal last = signals.get(signals.size() - 1);
        // Per signal its strongest effect entry, and the significance entries of the same window.
        Map<String, Evidence> strongest = new LinkedHashMap<>();
        for (DriftSignal s : signals) {
            for (Evidence e : s.evidence()) {
                if (!e.significance()) {
                    strongest.merge(e.signal(), e, (a, b) -> b.strength() > a.strength() ? b : a);
                }
            }
        }
        List<Evidence> kept = strongest.values().stream()
                .sorted(Evidence.EFFECT_ORDER)
                .limit(MAX_EVIDENCE)
                .collect(Collectors.toCollection(ArrayList::new));
        List<Evidence> significance = new ArrayList<>();
        for (DriftSignal s : signals) {
            for (Evidence e : s.evidence()) {
                Evidence effect = strongest.get(e.signal());
                if (e.significance() && kept.contains(effect) && e.windowEnd().equals(effect.windowEnd())) {
                    significance.removeIf(x -> x.signal().equals(e.signal()) && x.statistic().equals(e.statistic()));
                    significance.add(e);
                }
            }
        }
        kept.addAll(significance);
        Evidence[] evidence = Evidence.strongestFirst(kept).toArray(Evidence[]::new);
        String detectedAt = Instant.ofEpochMilli(last.windowEnd()).toString();
        return new RetrainTrigger(
                RetrainTrigger.idOf(last.modelId(), last.modelVersion(), last.reason(), detectedAt),
                last.modelId(),
                last.modelVersion(),
                last.reason(),
                last.critical() ? RetrainTrigger.CRITICAL : RetrainTrigger.WARNING,
                detectedAt,
                Instant.ofEpochMilli(first.windowStart()).toString(),
                evidence,
                last.thresholdsVersion(),
                last.eventsSeen());
    }
}
