package io.modelwatch.jobs;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the thresholds file's escalation settings map onto CEP operators. A CEP pattern's length
 * ({@code escalation.windows}) and time bound ({@code escalation.within}) are fixed when the graph
 * is built, so every distinct pair gets its own pattern operator and each model's signals are
 * routed to the one of its pair. The defaults' operator keeps the uid {@link OperatorIds#DRIFT_ESCALATION}
 * (its partial matches survive any upgrade); another pair's uid is derived from the pair, so a
 * savepoint upgrade that keeps a model's pair keeps its partial matches, and one that moves a model
 * to another pair starts that model's escalation afresh (its pending windows are not carried over).
 */
public record EscalationGroups(List<Group> groups) {

    /**
     * One CEP operator.
     *
     * @param models the model ids routed to it; for the defaults' group, the ids routed elsewhere
     *     ({@code routesAllBut}), since every unknown model takes the defaults
     */
    public record Group(int windows, Duration within, String uid, Set<String> models, boolean routesAllBut)
            implements Serializable {
        public boolean accepts(String modelId) {
            return models.contains(modelId) != routesAllBut;
        }

        /** "3 drifted windows within 10m", for operator names. */
        public String describe() {
            long s = within.toSeconds();
            String span = s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
            return windows + " drifted windows within " + span;
        }

        /** Whether a filter is needed in front of the operator (only when models are routed elsewhere). */
        public boolean routesEverything() {
            return routesAllBut && models.isEmpty();
        }
    }

    public static EscalationGroups of(ThresholdsConfig config) {
        Thresholds d = config.defaults();
        Map<String, Set<String>> byPair = new LinkedHashMap<>();
        Map<String, Thresholds> example = new LinkedHashMap<>();
        Set<String> elsewhere = new TreeSet<>();
        config.models().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            Thresholds t = e.getValue();
            if (t.escalationWindows() == d.escalationWindows() && t.escalationWithin().equals(d.escalationWithin())) {
                return;
            }
            String uid = OperatorIds.DRIFT_ESCALATION + "-" + t.escalationWindows() + "-in-"
                    + t.escalationWithin().toMillis() + "ms";
            byPair.computeIfAbsent(uid, k -> new TreeSet<>()).add(e.getKey());
            example.putIfAbsent(uid, t);
            elsewhere.add(e.getKey());
        });
        List<Group> groups = new ArrayList<>();
        groups.add(new Group(d.escalationWindows(), d.escalationWithin(), OperatorIds.DRIFT_ESCALATION,
                Set.copyOf(elsewhere), true));
        byPair.forEach((uid, models) -> groups.add(new Group(example.get(uid).escalationWindows(),
                example.get(uid).escalationWithin(), uid, Set.copyOf(models), false)));
        return new EscalationGroups(List.copyOf(groups));
    }
}
