package io.modelwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.cli.Main;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.jobs.ReferenceBootstrap;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.ingest.PredictionEventParser;
import io.modelwatch.serde.ReferenceProfileJson;
import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.sketches.StateBytes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code modelwatch profile}, {@code modelwatch bootstrap} and the evaluation's profiled
 * references build the same reference from the same events, and it is the one the monitor stores
 * when it is given that reference: {@link ReferenceBuilder#installed} of
 * {@link ReferenceBuilder#fromData} (the monitor's side, learned and given, is
 * {@code io.modelwatch.monitor.ReferenceBuilderTest} in the operators module, on the same events).
 * The events hold a continuous feature, a 0/1 flag (a discrete feature), a categorical and a
 * numeric feature with missing values, and span five hours; at most {@link FeatureProfile#SKETCH_K}
 * of them, so no sketch compacts at random and the references are compared byte for byte.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReferencePathsTest {
    static final int EVENTS = FeatureProfile.SKETCH_K;
    static final ThresholdsConfig CONFIG = ThresholdsParser.parse("""
            defaults:
              reference: {events: %d}
            """.formatted(EVENTS));
    static final Thresholds T = CONFIG.defaults();
    static final long START = Instant.parse("2026-11-20T00:00:00Z").toEpochMilli();
    static final long STEP = 90_000;

    @TempDir
    Path dir;

    /** The same events as the operators module's ReferenceBuilderTest. */
    static List<String> lines() {
        return lines(EVENTS, STEP);
    }

    static List<String> lines(int count, long step) {
        SplittableRandom r = new SplittableRandom(20);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String region = r.nextDouble() < 0.2 ? "null" : "\"" + List.of("north", "south", "east").get(r.nextInt(3)) + "\"";
            String income = r.nextDouble() < 0.1 ? "null" : String.format(Locale.ROOT, "%.3f", 20 + 80 * r.nextDouble());
            lines.add(String.format(Locale.ROOT, "{\"modelId\":\"m\",\"modelVersion\":\"1\",\"predictionId\":\"p-%d\","
                    + "\"timestamp\":\"%s\",\"features\":{\"spend\":%.4f,\"promo\":%d,\"region\":%s,\"income\":%s},"
                    + "\"prediction\":%.4f}", i, Instant.ofEpochMilli(START + i * step), r.nextGaussian() * 10 + 50,
                    r.nextDouble() < 0.3 ? 1 : 0, region, income, r.nextDouble()));
        }
        return lines;
    }

    static List<PredictionEvent> parse(List<String> lines) {
        List<PredictionEvent> events = new ArrayList<>();
        for (String line : lines) {
            events.add(PredictionEventParser.parse(line.getBytes(StandardCharsets.UTF_8)).event());
        }
        return events;
    }

    /** {@code bin/modelwatch profile} on the lines, as a user runs it; the reference it writes. */
    ReferenceProfile profile(List<String> lines) throws Exception {
        Path training = Files.write(dir.resolve("training.jsonl"), lines, StandardCharsets.UTF_8);
        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), "defaults:\n  reference: {events: "
                + EVENTS + "}\n");
        Path out = dir.resolve("m-1.json");
        Files.deleteIfExists(out);
        assertThat(Main.run(new String[] {"profile", "--input", training.toString(), "--model", "m", "--out",
            out.toString(), "--thresholds", thresholds.toString()})).isZero();
        return ReferenceProfileJson.read(Files.readString(out)).profile();
    }

    @Test
    void profileBootstrapAndTheEvaluationBuildTheReferenceTheMonitorInstalls() throws Exception {
        List<String> lines = lines();
        List<PredictionEvent> events = parse(lines);
        String key = ModelKey.of("m", "1");
        ReferenceProfile profiled = profile(lines);

        ReferenceProfile bootstrapped = ReferenceBootstrap.learn(events, CONFIG).get(key);
        ReferenceProfile evaluation = ReferenceProfile.fromBytes(EvaluationRun.profiledReference(events, T));
        ReferenceProfile built = ReferenceBuilder.fromData(events, T.numericBins(), T.categoryBins());

        // The file and the evaluation keep the data's span; the monitor collapses it when it installs them.
        assertThat(profiled.toBytes()).isEqualTo(built.toBytes());
        assertThat(evaluation.toBytes()).isEqualTo(built.toBytes());
        assertThat(built.lastTimestamp() - built.firstTimestamp()).isEqualTo((EVENTS - 1) * STEP);
        assertThat(built.feature("spend").rankError()).isZero();
        assertThat(built.feature("promo").discrete()).isTrue();
        assertThat(built.feature("region").missingRate()).isGreaterThan(0.1);
        assertThat(built.feature("income").missingRate()).isGreaterThan(0.05);

        // A bootstrapped savepoint holds what the monitor stores for a given reference: the same
        // reference, its training span collapsed, so no event rate is read from it.
        byte[] installed = ReferenceBuilder.installed(built).toBytes();
        assertThat(bootstrapped.toBytes()).isEqualTo(installed);
        assertThat(ReferenceBuilder.installed(profiled).toBytes()).isEqualTo(installed);
        assertThat(ReferenceBuilder.installed(evaluation).toBytes()).isEqualTo(installed);
        assertThat(bootstrapped.firstTimestamp()).isEqualTo(START);
        assertThat(bootstrapped.lastTimestamp()).isEqualTo(START);
    }

    /**
     * With more events than a sketch holds, its compaction is randomised, so the continuous
     * features' bin edges differ from run to run. What does not depend on the sketch is still the
     * same on all three paths: the counts, moments and range of every feature, the exact (zero)
     * rank error, the installed time span, the discrete flag's bins and shares (counted exactly; its
     * grid quantiles still come from the sketch) and the whole reference of the categorical feature.
     */
    @Test
    void withMoreEventsThanASketchHoldsWhatNoSketchDecidesIsTheSame() throws Exception {
        List<String> lines = lines(10 * EVENTS, STEP / 10);
        List<PredictionEvent> events = parse(lines);
        ReferenceProfile profiled = ReferenceBuilder.installed(profile(lines));
        ReferenceProfile bootstrapped = ReferenceBootstrap.learn(events, CONFIG).get(ModelKey.of("m", "1"));
        ReferenceProfile evaluation = ReferenceBuilder.installed(
                ReferenceProfile.fromBytes(EvaluationRun.profiledReference(events, T)));
        for (ReferenceProfile other : List.of(profiled, evaluation)) {
            assertThat(other.events()).isEqualTo(bootstrapped.events()).isEqualTo(10 * EVENTS);
            assertThat(other.firstTimestamp()).isEqualTo(bootstrapped.firstTimestamp()).isEqualTo(START);
            assertThat(other.lastTimestamp()).isEqualTo(bootstrapped.lastTimestamp()).isEqualTo(START);
            assertThat(other.features().keySet()).containsExactlyElementsOf(bootstrapped.features().keySet());
            for (String name : List.of("spend", "income")) {
                FeatureReference a = other.feature(name);
                FeatureReference b = bootstrapped.feature(name);
                assertThat(List.of(a.present(), a.missing(), a.nonFinite(), a.otherType())).as(name)
                        .isEqualTo(List.of(b.present(), b.missing(), b.nonFinite(), b.otherType()));
                assertThat(new double[] {a.mean(), a.stddev(), a.min(), a.max()}).as(name)
                        .containsExactly(b.mean(), b.stddev(), b.min(), b.max());
                assertThat(a.rankError()).as(name).isZero();
                assertThat(b.rankError()).as(name).isZero();
            }
            // The 0/1 flag's bins and shares are counted exactly; its quantiles at the grid's ranks
            // still come from the sketch, and one at the boundary between the two values can be
            // either of them from run to run (KLL compaction is randomised), so they are left out.
            FeatureReference a = other.feature("promo");
            FeatureReference b = bootstrapped.feature("promo");
            assertThat(a.discrete()).isEqualTo(b.discrete());
            assertThat(a.countingProportions()).containsExactly(b.countingProportions());
            assertThat(a.psiProportions()).containsExactly(b.psiProportions());
            assertThat(List.of(a.present(), a.missing(), a.nonFinite(), a.otherType()))
                    .isEqualTo(List.of(b.present(), b.missing(), b.nonFinite(), b.otherType()));
            assertThat(new double[] {a.mean(), a.stddev(), a.min(), a.max()})
                    .containsExactly(b.mean(), b.stddev(), b.min(), b.max());
            assertThat(StateBytes.of(other.feature("region")::writeTo)).as("region")
                    .isEqualTo(StateBytes.of(bootstrapped.feature("region")::writeTo));
        }
        assertThat(bootstrapped.feature("promo").discrete()).isTrue();
    }
}
