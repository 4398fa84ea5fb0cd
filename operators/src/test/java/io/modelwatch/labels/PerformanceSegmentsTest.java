package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.model.ValueKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A classifier whose labels flip for one region (about 20% of its traffic) from minute 4 on: the
 * decay signal and the decayed reports name {@code region=north_america} first; one whose labels
 * flip where x3 (standard normal) is above its p75 names x3's top quartile bin first; the same
 * model unchanged names nothing. Through a snapshot and restore in the middle, on RocksDB (the
 * dictionary with its bins and the waiting outcomes with their numeric codes among the state).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PerformanceSegmentsTest {
    static final long MINUTE = 60_000;
    static final int PER_WINDOW = 600;
    static final int WINDOWS = 8;
    static final int ONSET = 4;
    static final String[] REGIONS = {"north_america", "europe", "asia", "latam", "africa"};
    static final double[] SHARES = {0.2, 0.3, 0.25, 0.15, 0.1};
    static final String[] DEVICES = {"mobile", "desktop", "tablet"};

    /** Where the labels flip from the onset on. */
    enum Flip { NONE, REGION, X3 }

    static KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> harness(
            OperatorSubtaskState restore) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new PerformanceMonitorFunction(ThresholdsParser.parse(
                        "defaults:\n  window: {size: 1m}\n  performance: {labelHorizon: 5m}\n"))),
                (HealthReport r) -> ModelKey.of(r.modelId(), r.modelVersion()), LabelOutcome::modelKey, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    static StreamRecord<HealthReport> report(int k) {
        FeatureHealth region = new FeatureHealth("region", "CATEGORICAL", PER_WINDOW, 0, 0, null, null, null, null,
                null, new CategoryCount[] {new CategoryCount("europe", 180), new CategoryCount("asia", 150),
                        new CategoryCount("north_america", 120), new CategoryCount("latam", 90),
                        new CategoryCount("africa", 60)}, null);
        FeatureHealth device = new FeatureHealth("device", "CATEGORICAL", PER_WINDOW, 0, 0, null, null, null, null,
                null, new CategoryCount[] {new CategoryCount("mobile", 200), new CategoryCount("desktop", 200),
                        new CategoryCount("tablet", 200)}, null);
        // x3's quartiles as a window of 600 standard normal values gives them (rounded to 4 digits: 0.6745).
        FeatureHealth x3 = new FeatureHealth("x3", "NUMERIC", PER_WINDOW, 0, 0, 0.0, 1.0, -3.0, 3.0,
                new HealthReport.Quantiles(-1.645 + 0.01 * k, -0.67449 + 0.01 * k, 0.01 * k, 0.67449 + 0.01 * k,
                        1.645), null, null);
        return new StreamRecord<>(new HealthReport("m", "1", Instant.ofEpochMilli(k * MINUTE).toString(),
                Instant.ofEpochMilli((k + 1) * MINUTE).toString(), HealthReport.OK, PER_WINDOW, PER_WINDOW,
                1000, new FeatureHealth[] {region, device, x3}, null, null, null, "v1", 0, null),
                (k + 1) * MINUTE - 1);
    }

    /** Window k's labelled predictions (labels 10 s late): 10% wrong, all but 10% in north_america after onset. */
    static List<LabelOutcome> outcomes(int k, Flip flip, Random random) {
        List<LabelOutcome> out = new ArrayList<>();
        for (int i = 0; i < PER_WINDOW; i++) {
            long predicted = k * MINUTE + i * 50L;
            double u = random.nextDouble();
            int r = 0;
            for (double c = SHARES[0]; u >= c && r < REGIONS.length - 1; c += SHARES[++r]) {}
            String device = DEVICES[random.nextInt(DEVICES.length)];
            double x3 = random.nextGaussian();
            boolean wrong = random.nextDouble() < 0.1;
            if (k >= ONSET && (flip == Flip.REGION && r == 0 || flip == Flip.X3 && x3 >= 0.6745)) {
                wrong = !wrong;
            }
            long code = SegmentCodes.of("region", REGIONS[r]) | (long) SegmentCodes.of("device", device) << 16;
            out.add(new LabelOutcome(LabelOutcome.MATCHED, "m", "1", predicted, predicted + 10_000,
                    ValueKind.CATEGORICAL, 0, "yes", ValueKind.CATEGORICAL, 0, wrong ? "no" : "yes", code,
                    SegmentCodes.ofName("x3"), SegmentCodes.toBfloat16(x3)));
        }
        return out;
    }

    record Run(List<HealthReport> reports, List<DriftSignal> signals) {}

    static Run run(Flip flip) throws Exception {
        Random random = new Random(11);
        List<LabelOutcome> labels = new ArrayList<>();
        for (int k = 0; k < WINDOWS; k++) {
            labels.addAll(outcomes(k, flip, random));
        }
        List<HealthReport> reports = new ArrayList<>();
        List<DriftSignal> signals = new ArrayList<>();
        OperatorSubtaskState snapshot = null;
        for (int part = 0; part < 2; part++) {
            try (var h = harness(snapshot)) {
                for (int k = part * 5; k < (part == 0 ? 5 : 14); k++) {
                    long watermark = (k + 1) * MINUTE - 1;
                    for (LabelOutcome o : labels) {
                        if (o.labelTimestamp() > watermark - MINUTE && o.labelTimestamp() <= watermark) {
                            h.processElement2(new StreamRecord<>(o, o.labelTimestamp()));
                        }
                    }
                    if (k < WINDOWS) {
                        h.processElement1(report(k));
                    }
                    h.processBothWatermarks(new Watermark(watermark));
                }
                reports.addAll(h.extractOutputValues());
                var side = h.getSideOutput(SideOutputs.SIGNALS);
                if (side != null) {
                    side.forEach(s -> signals.add(s.getValue()));
                }
                snapshot = h.snapshot(part, part);
            }
        }
        return new Run(reports, signals);
    }

    @Test
    void theFlippedRegionIsNamedFirstInTheSignalAndTheReports() throws Exception {
        Run run = run(Flip.REGION);
        assertThat(run.signals()).isNotEmpty();
        for (DriftSignal s : run.signals()) {
            assertThat(s.windowStart()).isGreaterThanOrEqualTo(ONSET * MINUTE);
            assertThat(s.evidence()[0].signal()).isEqualTo("performance");
            List<Evidence> segments = List.of(s.evidence()).stream()
                    .filter(e -> e.signal().startsWith("segment:")).toList();
            assertThat(segments.get(0).signal()).isEqualTo("segment:region=north_america");
            assertThat(segments.get(0).statistic()).isEqualTo("segment_contribution");
            Evidence rate = segments.stream().filter(e -> e.signal().equals("segment:region=north_america")
                    && e.statistic().equals("segment_error_rate")).findFirst().orElseThrow();
            assertThat(rate.threshold()).as("before").isLessThan(0.2);
            assertThat(rate.value()).as("after").isGreaterThan(0.8);
            assertThat(segments).extracting(Evidence::signal).noneMatch(n -> n.startsWith("segment:region=")
                    && !n.equals("segment:region=north_america"));
        }
        List<HealthReport> decayed = run.reports().stream()
                .filter(r -> r.performance() != null && r.performance().decayed()).toList();
        assertThat(decayed).isNotEmpty().allSatisfy(r -> {
            assertThat(r.performance().segments()[0].segment()).isEqualTo("region=north_america");
            assertThat(r.performance().segments()[0].share()).isBetween(0.15, 0.25);
        });
    }

    @Test
    void anUnchangedModelNamesNoSegment() throws Exception {
        Run run = run(Flip.NONE);
        assertThat(run.signals()).isEmpty();
        assertThat(run.reports()).isNotEmpty().allSatisfy(r -> assertThat(r.performance() == null
                || r.performance().segments() == null).isTrue());
    }

    @Test
    void theTopQuartileBinWhoseLabelsFlippedIsNamedFirstWithTheEdgesOfTheFirstReport() throws Exception {
        Run run = run(Flip.X3);
        assertThat(run.signals()).isNotEmpty();
        for (DriftSignal s : run.signals()) {
            List<Evidence> segments = List.of(s.evidence()).stream()
                    .filter(e -> e.signal().startsWith("segment:")).toList();
            // The edges of window 0's report, not of the later ones (whose quartiles move by 0.01 a window).
            assertThat(segments.get(0).signal()).isEqualTo("segment:x3=[0.6745, +inf)");
            Evidence share = segments.stream().filter(e -> e.signal().equals("segment:x3=[0.6745, +inf)")
                    && e.statistic().equals("segment_share")).findFirst().orElseThrow();
            assertThat(share.value()).isBetween(0.2, 0.3);
            assertThat(segments).extracting(Evidence::signal)
                    .noneMatch(n -> n.startsWith("segment:x3=") && !n.equals("segment:x3=[0.6745, +inf)"));
        }
        assertThat(run.reports().stream().filter(r -> r.performance() != null && r.performance().decayed()))
                .isNotEmpty().allSatisfy(r -> assertThat(r.performance().segments()[0].segment())
                        .isEqualTo("x3=[0.6745, +inf)"));
    }
}
