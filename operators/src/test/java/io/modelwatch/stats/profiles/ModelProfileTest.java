package io.modelwatch.stats.profiles;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.testing.Events;
import java.util.List;

import org.junit.jupiter.api.Test;

class ModelProfileTest {
    /** The events with {@code extra} appended to each; all share one names array if {@code shared}. */
    private static List<PredictionEvent> withNames(List<PredictionEvent> events, String[] extra, boolean shared) {
        String[] names = new String[2 + extra.length];
        names[0] = "x";
        names[1] = "plan";
        System.arraycopy(extra, 0, names, 2, extra.length);
        return events.stream().map(e -> {
            int n = names.length;
            byte[] kinds = new byte[n];
            double[] numeric = new double[n];
            String[] categorical = new String[n];
            kinds[0] = e.featureKinds()[0];
            numeric[0] = e.numericValues()[0];
            kinds[1] = e.featureKinds()[1];
            categorical[1] = e.categoricalValues()[1];
            for (int i = 2; i < n; i++) {
                kinds[i] = ValueKind.NUMERIC;
                numeric[i] = e.numericValues()[0] * i;
            }
            return new PredictionEvent(e.modelId(), e.modelVersion(), e.predictionId(), e.timestamp(),
                    shared ? names : names.clone(), kinds, numeric, categorical, e.predictionKind(),
                    e.numericPrediction(), e.categoricalPrediction());
        }).toList();
    }

    @Test
    void eventsSharingANamesArrayBuildTheSameProfileAsEventsWithTheirOwn() {
        ModelProfile learned = new ModelProfile();
        Events.stream("m", 1, 2_000, 0, 100, 0, 0).forEach(learned::add);
        ReferenceProfile ref = ReferenceProfile.freeze(learned, 10, 20);

        // The window sees a feature the reference does not know, half-way a second names array.
        // Fewer values than a window sketch holds before its first (randomised) compaction, so
        // equal inputs give equal bytes.
        List<PredictionEvent> stream = Events.stream("m", 2, 90, 0, 100, 0.5, 0.1);
        String[] unknown = {"new_feature"};
        ModelProfile shared = ModelProfile.against(ref);
        ModelProfile own = ModelProfile.against(ref);
        withNames(stream.subList(0, 45), unknown, true).forEach(e -> shared.add(e, ref));
        withNames(stream.subList(45, 90), new String[0], true).forEach(e -> shared.add(e, ref));
        withNames(stream.subList(0, 45), unknown, false).forEach(e -> own.add(e, ref));
        withNames(stream.subList(45, 90), new String[0], false).forEach(e -> own.add(e, ref));

        assertThat(shared.unknownFeatureValues()).isEqualTo(45);
        assertThat(shared.toBytes()).isEqualTo(own.toBytes());
    }

    @Test
    void namesOverTheFeatureCapAreCountedOncePerValueWithSharedArraysToo() {
        String[] many = new String[ModelProfile.MAX_FEATURES + 10];
        for (int i = 0; i < many.length; i++) {
            many[i] = "f" + i;
        }
        List<PredictionEvent> stream = Events.stream("m", 3, 100, 0, 100, 0, 0);
        ModelProfile shared = new ModelProfile();
        ModelProfile own = new ModelProfile();
        withNames(stream, many, true).forEach(shared::add);
        withNames(stream, many, false).forEach(own::add);
        // x and plan and the first 198 extra names are kept; 12 names x 100 events are not.
        assertThat(shared.featuresOverCap()).isEqualTo(12L * 100);
        assertThat(shared.toBytes()).isEqualTo(own.toBytes());
    }

    /** A report of a version not cached counts the learned events in state without reading the profile. */
    @Test
    void theEventsOfAProfileAreReadFromItsBytesAlone() {
        ModelProfile p = new ModelProfile();
        for (PredictionEvent e : Events.stream("m", 3, 1234, 0, 100, 0, 0)) {
            p.add(e);
        }
        assertThat(ModelProfile.eventsOf(p.toBytes())).isEqualTo(1234).isEqualTo(ModelProfile.fromBytes(p.toBytes()).events());
        assertThat(ModelProfile.eventsOf(new ModelProfile().toBytes())).isZero();
    }
}
