package io.modelwatch.stats.profiles;

import io.modelwatch.model.PredictionEvent;
import java.util.LinkedHashMap;
import java.util.function.Consumer;

/**
 * The one way a reference is built from events: by the monitor from its own traffic, and by
 * {@code modelwatch profile}, {@code modelwatch bootstrap} and the evaluation from trusted data.
 *
 * <ul>
 *   <li>{@link #learned}: what the monitor freezes once it has seen {@code reference.events} of a
 *       version's traffic. It reads each event once, so the bin proportions are the sketches'
 *       (exact for discrete features and while a sketch holds every value), and the time span
 *       is the traffic's own: the volume check reads the expected event rate from it.
 *   <li>{@link #fromData}: from data that can be read twice. The first pass places the bins as
 *       {@link #learned} does, the second counts what each bin holds, so the proportions are
 *       exact. The time span is the data's, kept so a profile file says what it was built from.
 *   <li>{@link #installed}: what the monitor stores for a reference that was not learned from
 *       its own traffic (a profile file, a control command, a bootstrapped savepoint): the same
 *       reference with its timestamps collapsed to one instant, so no event rate is read from the
 *       training data's time span (the volume check then needs a learned reference).
 * </ul>
 */
public final class ReferenceBuilder {
    private ReferenceBuilder() {}

    /** One pass over a data set: hands every event to the sink. Called twice by {@link #fromData}. */
    @FunctionalInterface
    public interface Pass {
        void over(Consumer<PredictionEvent> sink);
    }

    /** The reference the monitor freezes from the profile it learned on its traffic. */
    public static ReferenceProfile learned(ModelProfile learned, int numericBins, int categoryBins) {
        return ReferenceProfile.freeze(learned, numericBins, categoryBins);
    }

    /**
     * The reference of a data set read twice: bins placed as {@link #learned} places them on the
     * same events, proportions counted exactly in the second pass. Null for no events.
     */
    public static ReferenceProfile fromData(Pass events, int numericBins, int categoryBins) {
        ModelProfile learned = new ModelProfile();
        events.over(learned::add);
        if (learned.events() == 0) {
            return null;
        }
        return counted(learned(learned, numericBins, categoryBins), events);
    }

    /**
     * The second pass of {@link #fromData}, for a caller that runs the first itself (to check
     * what it read before reading again): {@code frozen} with the proportions counted on
     * {@code events}, the same events that built it.
     */
    public static ReferenceProfile counted(ReferenceProfile frozen, Pass events) {
        ModelProfile counted = ModelProfile.against(frozen);
        events.over(e -> counted.add(e, frozen));
        return frozen.withExactProportions(counted);
    }

    /** {@link #fromData} over events held in memory. */
    public static ReferenceProfile fromData(Iterable<PredictionEvent> events, int numericBins, int categoryBins) {
        return fromData(events::forEach, numericBins, categoryBins);
    }

    /** A reference from outside the monitor's traffic as the monitor stores it: timestamps collapsed. */
    public static ReferenceProfile installed(ReferenceProfile given) {
        return new ReferenceProfile(given.events(), given.firstTimestamp(), given.firstTimestamp(),
                new LinkedHashMap<>(given.features()), given.prediction(), given.joint(), given.jointComplete(),
                given.segments(), given.segmentsComplete());
    }
}
