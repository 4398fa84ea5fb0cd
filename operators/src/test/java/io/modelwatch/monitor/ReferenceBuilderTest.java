package io.modelwatch.monitor;

import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.ingest.PredictionEventParser;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The monitor builds its reference with {@link ReferenceBuilder}, as {@code profile},
 * {@code bootstrap} and the evaluation do (their side: {@code ReferencePathsTest} in the
 * evaluation module). The events hold a continuous feature, a 0/1 flag (counted exactly as a
 * discrete feature), a categorical feature with missing values, a numeric feature with missing
 * values, and span five hours. There are at most {@link FeatureProfile#SKETCH_K} of them, so every
 * quantile sketch holds all its values and no randomised compaction runs: the references are
 * deterministic and compared byte for byte.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReferenceBuilderTest {
    static final int EVENTS = FeatureProfile.SKETCH_K;
    static final ThresholdsConfig CONFIG = ThresholdsParser.parse("""
            defaults:
              reference: {events: %d}
              window: {size: 1m, minEvents: 200}
            """.formatted(EVENTS));
    static final Thresholds T = CONFIG.defaults();
    static final long START = Instant.parse("2026-11-20T00:00:00Z").toEpochMilli();
    /** 90 s apart: 200 events span five hours. */
    static final long STEP = 90_000;

    /** The shared events, as JSON lines (the evaluation module's test builds the same ones). */
    static List<String> lines() {
        SplittableRandom r = new SplittableRandom(20);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            String region = r.nextDouble() < 0.2 ? "null" : "\"" + List.of("north", "south", "east").get(r.nextInt(3)) + "\"";
            String income = r.nextDouble() < 0.1 ? "null" : String.format(Locale.ROOT, "%.3f", 20 + 80 * r.nextDouble());
            lines.add(String.format(Locale.ROOT, "{\"modelId\":\"m\",\"modelVersion\":\"1\",\"predictionId\":\"p-%d\","
                    + "\"timestamp\":\"%s\",\"features\":{\"spend\":%.4f,\"promo\":%d,\"region\":%s,\"income\":%s},"
                    + "\"prediction\":%.4f}", i, Instant.ofEpochMilli(START + i * STEP), r.nextGaussian() * 10 + 50,
                    r.nextDouble() < 0.3 ? 1 : 0, region, income, r.nextDouble()));
        }
        return lines;
    }

    static List<PredictionEvent> events() {
        List<PredictionEvent> events = new ArrayList<>();
        for (String line : lines()) {
            PredictionEventParser.Result p = PredictionEventParser.parse(line.getBytes(StandardCharsets.UTF_8));
            assertThat(p.ok()).as(p.error()).isTrue();
            events.add(p.event());
        }
        return events;
    }

    @Test
    void theMonitorFreezesWhatTheBuilderLearnsAndTheBuilderCountsTheSame() throws Exception {
        List<PredictionEvent> events = events();
        byte[] stored;
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            ModelMonitorFunctionTest.feed(h, events);
            stored = referenceState(h, ModelKey.of("m", "1"));
        }
        ModelProfile learned = new ModelProfile();
        events.forEach(learned::add);
        ReferenceProfile byBuilder = ReferenceBuilder.learned(learned, T.numericBins(), T.categoryBins());
        assertThat(stored).isEqualTo(byBuilder.toBytes());

        ReferenceProfile monitor = ReferenceProfile.fromBytes(stored);
        // Learned from its own traffic, the reference keeps the traffic's span: the expected event rate.
        assertThat(monitor.lastTimestamp() - monitor.firstTimestamp()).isEqualTo((EVENTS - 1) * STEP);
        assertThat(monitor.feature("promo").discrete()).isTrue();
        assertThat(monitor.feature("region").missingRate()).isGreaterThan(0.1);
        assertThat(monitor.feature("income").missingRate()).isGreaterThan(0.05);

        // What profile, bootstrap and the evaluation build from the same events: the same bins, and
        // the same proportions (the sketches hold every value, so their proportions are the
        // counted ones, up to the last bit of a double: a rank difference against count / n).
        ReferenceProfile fromData = ReferenceBuilder.fromData(events, T.numericBins(), T.categoryBins());
        assertSameBinsAndProportions(fromData, monitor);
    }

    /**
     * Equal but for the rank error (0 when counted, the sketch's bound when learned) and the last
     * bits of the proportions.
     */
    static void assertSameBinsAndProportions(ReferenceProfile counted, ReferenceProfile learned) {
        assertThat(counted.events()).isEqualTo(learned.events());
        assertThat(counted.firstTimestamp()).isEqualTo(learned.firstTimestamp());
        assertThat(counted.lastTimestamp()).isEqualTo(learned.lastTimestamp());
        assertThat(counted.features().keySet()).containsExactlyElementsOf(learned.features().keySet());
        List<FeatureReference> a = new ArrayList<>(counted.features().values());
        List<FeatureReference> b = new ArrayList<>(learned.features().values());
        a.add(counted.prediction());
        b.add(learned.prediction());
        for (int i = 0; i < a.size(); i++) {
            FeatureReference x = a.get(i);
            FeatureReference y = b.get(i);
            assertThat(x.rankError()).as(x.name()).isZero();
            FeatureReference yCounted = new FeatureReference(y.name(), y.numeric(), y.present(), y.missing(), y.mean(),
                    y.stddev(), y.min(), y.max(), y.numericBins(), y.categoryBins(), y.grid(), y.quantiles(), 0,
                    y.knownCategories(), y.singletons(), y.nonFinite(), y.otherType());
            assertThat(x).as(x.name()).usingRecursiveComparison()
                    .ignoringFieldsMatchingRegexes(".*[pP]roportions")
                    .withEqualsForType((p, q) -> Double.compare(p, q) == 0, Double.class)
                    .isEqualTo(yCounted);
            assertThat(x.countingProportions()).as(x.name()).containsExactly(y.countingProportions(), within(1e-12));
            assertThat(x.psiProportions()).as(x.name()).containsExactly(y.psiProportions(), within(1e-12));
        }
    }

    @Test
    void aGivenReferenceIsStoredAsTheBuilderInstallsIt() throws Exception {
        List<PredictionEvent> events = events();
        ReferenceProfile fromData = ReferenceBuilder.fromData(events, T.numericBins(), T.categoryBins());
        byte[] stored;
        try (MonitorHarness h = new MonitorHarness(new ModelMonitorFunction(CONFIG,
                Map.of(ModelKey.of("m", "1"), fromData.toBytes())))) {
            h.open();
            ModelMonitorFunctionTest.feed(h, events.subList(0, 1));
            stored = referenceState(h, ModelKey.of("m", "1"));
        }
        assertThat(stored).isEqualTo(ReferenceBuilder.installed(fromData).toBytes());
        ReferenceProfile installed = ReferenceProfile.fromBytes(stored);
        assertThat(installed.lastTimestamp()).isEqualTo(installed.firstTimestamp());
    }

    static byte[] referenceState(MonitorHarness h, String key) throws Exception {
        KeyedStateBackend<String> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        backend.setCurrentKey(key);
        return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                MonitorStateDescriptors.reference()).value();
    }
}
