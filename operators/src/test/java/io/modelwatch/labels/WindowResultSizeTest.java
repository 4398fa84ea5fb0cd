package io.modelwatch.labels;

import io.modelwatch.monitor.StateLifecycleTest;
import io.modelwatch.monitor.StateMigrationTest;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.Events;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the performance monitor keeps per window for its revisions, on reports of the real model
 * monitor (a numeric feature, a categorical one and a score prediction, with their statistics at
 * full precision): the {@link WindowResult} against the release's span (format 2: the report's
 * JSON deflated at zlib level 1), both with their 14-byte header.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WindowResultSizeTest {
    static final long MINUTE = 60_000;

    static int deflatedJsonSpan(HealthReport r) {
        return 18 + deflated(Json.toBytes(r));
    }

    static int deflated(byte[] json) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        d.setInput(json);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.size();
    }

    @Test
    void aWindowResultTakesAboutHalfTheBytesOfTheDeflatedJsonSpan() throws Exception {
        List<HealthReport> reports;
        try (var h = StateLifecycleTest.monitor(StateMigrationTest.CONFIG)) {
            h.open();
            StateLifecycleTest.feed(h, Events.stream("m", 4, 2_000, 0, 150, 0, 0));
            StateLifecycleTest.feed(h, Events.stream("m", 5, 1_200, 5 * MINUTE, 200, 0.5, 0.1));
            h.processWatermark(10 * MINUTE);
            reports = h.extractOutputValues();
        }
        List<HealthReport> evaluated = reports.stream()
                .filter(r -> r.features() != null && r.features().length == 2 && r.features()[0].drift() != null
                        && r.features()[0].drift().length > 0)
                .toList();
        assertThat(evaluated).isNotEmpty();
        long json = 0;
        long span = 0;
        long result = 0;
        for (HealthReport r : evaluated) {
            json += Json.toBytes(r).length;
            span += deflatedJsonSpan(r);
            result += WindowResult.of(r).toBytes().length;
        }
        int n = evaluated.size();
        System.out.printf("%d reports: JSON %d, span format 2 %d, window result %d bytes per report%n", n,
                json / n, span / n, result / n);
        // Most of what is left are the report's statistics, full-precision doubles (eight bytes
        // each, which deflate hardly shrinks): a revision re-sends them as they were.
        assertThat(result).isLessThan(span * 6 / 10);
    }

    /**
     * The pair part of a report of a model at the cap (12 joint features, 5 pairs shown) costs the
     * performance monitor a few hundred bytes per kept window (measured: 318, against 1,649 bytes of
     * JSON on the topic).
     */
    @Test
    void thePairTestsOfAModelAtTheCapAddAFewHundredBytesPerKeptWindow() {
        HealthReport bare = io.modelwatch.labels.PerformanceSnapshotWriter.report("m", 2);
        String[] names = new String[12];
        for (int i = 0; i < names.length; i++) {
            names[i] = "feature_" + (char) ('a' + i) + "_amount";
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        HealthReport.PairHealth[] pairs = new HealthReport.PairHealth[HealthReport.REPORTED_PAIRS];
        for (int k = 0; k < pairs.length; k++) {
            double ref = r.nextDouble() - 0.5;
            double win = ref + 0.05 * (r.nextDouble() - 0.5);
            pairs[k] = new HealthReport.PairHealth(names[k], names[k + 1], ref, 5000, win, 1187,
                    (win - ref) / 0.036, r.nextDouble(), Math.abs(win - ref), 0.2, false);
        }
        HealthReport withPairs = new HealthReport(bare.modelId(), bare.modelVersion(), bare.windowStart(),
                bare.windowEnd(), bare.status(), bare.events(), bare.eventsSeen(), bare.referenceEvents(),
                bare.features(), bare.prediction(), bare.quality(), bare.escalation(), bare.thresholdsVersion(),
                bare.revision(), bare.performance(), bare.control(), bare.upgrade(),
                new HealthReport.Joint(names, 66, pairs));
        int added = WindowResult.of(withPairs).toBytes().length - WindowResult.of(bare).toBytes().length;
        int json = Json.toBytes(withPairs).length - Json.toBytes(bare).length;
        System.out.printf("pair part: %d bytes per kept window, %d bytes of JSON%n", added, json);
        assertThat(added).isBetween(100, 600);
    }

    /**
     * The segments of a prediction drift are kept with the window, so a revision with performance
     * repeats them as revision 0 had them; a result written before them (format 5 or 6) reads without.
     */
    @Test
    void thePredictionSegmentsOfAWindowAreInEveryRevision() {
        HealthReport bare = io.modelwatch.labels.PerformanceSnapshotWriter.report("m", 2);
        HealthReport.PredictionShift shift = new HealthReport.PredictionShift("mean", 0.49, 0.57, 17,
                new HealthReport.ShiftSegment[] {new HealthReport.ShiftSegment("region=north_america", "region",
                        "north_america", 0.5, 0.9, 0.2, 0.21, 412, 1.2e-40, 0.081, 0.97)});
        HealthReport r = bare.withPredictionSegments(shift);
        String key = r.modelId() + io.modelwatch.model.ModelKey.SEPARATOR + r.modelVersion();
        byte[] stored = WindowResult.of(r).toBytes();
        HealthReport revised = WindowResult.read(0, stored).toReport(key, 1, null);
        assertThat(revised.revision()).isEqualTo(1);
        assertThat(revised.predictionSegments()).usingRecursiveComparison().isEqualTo(shift);
        HealthReport none = WindowResult.read(0, WindowResult.of(bare).toBytes()).toReport(key, 1, null);
        assertThat(none.predictionSegments()).isNull();
        int added = stored.length - WindowResult.of(bare).toBytes().length;
        System.out.printf("prediction segments (one named): %d bytes per kept window%n", added);
        assertThat(added).isBetween(20, 200);
    }
}
