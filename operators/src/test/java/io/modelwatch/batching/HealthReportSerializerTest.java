package io.modelwatch.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.ScoreHistogram;
import io.modelwatch.serde.Json;
import io.modelwatch.testing.RandomHealthReports;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthReportSerializerTest {
    private static final HealthReportSerializer SERIALIZER = HealthReportSerializer.INSTANCE;
    /**
     * Field by field into every array and nested record (a record's equals compares its arrays by
     * reference); doubles exactly (Double.compare: NaN equals NaN, -0.0 differs from 0.0).
     */
    private static final RecursiveComparisonConfiguration FIELD_BY_FIELD = RecursiveComparisonConfiguration.builder()
            .withStrictTypeChecking(true).withComparatorForType(Double::compare, Double.class).build();

    static List<HealthReport> examples() throws IOException {
        List<HealthReport> reports = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of("../src/examples"), "health-report*.json")) {
            for (Path f : files) {
                reports.add(Json.read(Files.readAllBytes(f), HealthReport.class));
            }
        }
        assertThat(reports).as("the example reports in src/examples").hasSizeGreaterThanOrEqualTo(3);
        return reports;
    }

    private static HealthReport roundTrip(HealthReport r) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        SERIALIZER.serialize(r, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        HealthReport back = SERIALIZER.deserialize(in);
        assertThat(in.available()).as("bytes left after reading the report").isZero();
        return back;
    }

    @Test
    void everyExampleReportComesBackEqualFieldByField() throws IOException {
        for (HealthReport r : examples()) {
            HealthReport back = roundTrip(r);
            assertThat(back).usingRecursiveComparison(FIELD_BY_FIELD).isEqualTo(r);
            assertThat(Json.toBytes(back)).isEqualTo(Json.toBytes(r));
        }
    }

    @Test
    void randomReportsComeBackEqualFieldByField() throws IOException {
        // Nulls everywhere, then none (every optional part present), then some. Every report's
        // JSON by the reflective mapper (every field but the score histograms, doubles exact:
        // -0.0, NaN and the infinities as written) and its histograms; the first ones also by a
        // recursive comparison (slow: some 20 ms a report).
        for (double nulls : new double[] {0.5, 0.0, 0.15}) {
            RandomHealthReports random = new RandomHealthReports(16, nulls);
            for (int i = 0; i < 1_000; i++) {
                HealthReport r = random.next();
                HealthReport back = roundTrip(r);
                assertThat(Json.MAPPER.writeValueAsString(back)).isEqualTo(Json.MAPPER.writeValueAsString(r));
                HealthReport.EstimatedPerformance e = r.estimatedPerformance();
                if (e != null) {
                    assertThat(back.estimatedPerformance().windowScores()).isEqualTo(e.windowScores());
                    assertThat(back.estimatedPerformance().referenceScores()).isEqualTo(e.referenceScores());
                }
                if (i < 30) {
                    assertThat(back).usingRecursiveComparison(FIELD_BY_FIELD).isEqualTo(r);
                }
            }
        }
    }

    @Test
    void theEstimatesScoreHistogramsCrossTheWire() throws IOException {
        // Not on the topic (@JsonIgnore), but the performance monitor calibrates the estimate with them.
        RandomHealthReports random = new RandomHealthReports(7, 0.0);
        HealthReport r = random.next();
        assertThat(r.estimatedPerformance().windowScores()).isNotNull();
        HealthReport back = roundTrip(r);
        assertThat(back.estimatedPerformance().windowScores()).isEqualTo(r.estimatedPerformance().windowScores());
        assertThat(back.estimatedPerformance().referenceScores()).isEqualTo(r.estimatedPerformance().referenceScores());
    }

    @Test
    void aCopyIsEqualAndSharesNoArray() throws IOException {
        HealthReport r = new RandomHealthReports(3, 0.0).next();
        HealthReport copy = SERIALIZER.copy(r);
        assertThat(copy).usingRecursiveComparison(FIELD_BY_FIELD).isEqualTo(r);
        assertThat(copy.features()).isNotSameAs(r.features());
        DataOutputSerializer out = new DataOutputSerializer(256);
        SERIALIZER.serialize(r, out);
        DataOutputSerializer copied = new DataOutputSerializer(256);
        SERIALIZER.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    }

    @Test
    void theSerializerRestoresFromItsSnapshot() {
        var snapshot = SERIALIZER.snapshotConfiguration();
        assertThat(snapshot.restoreSerializer()).isSameAs(SERIALIZER);
        assertThat(SERIALIZER.duplicate()).isSameAs(SERIALIZER);
        assertThat(WireTypeInfo.HEALTH_REPORT.createSerializer(null)).isSameAs(SERIALIZER);
    }

    /**
     * The records this serializer and {@code HealthReportJson} write field by field, with their
     * components as both know them. A new component fails here: add it to both (and to
     * {@code RandomHealthReports}), then here. Without this, a report built through one of
     * HealthReport's shorter constructors would leave a new field null in every test, and both
     * writers could drop it unnoticed.
     */
    @Test
    void everyComponentOfTheReportsRecordsIsOneBothWritersKnow() {
        Map<Class<?>, String> known = Map.ofEntries(
                Map.entry(HealthReport.class, "modelId,modelVersion,windowStart,windowEnd,status,events,eventsSeen,referenceEvents,features,prediction,quality,escalation,thresholdsVersion,revision,performance,control,upgrade,estimatedPerformance,joint,predictionSegments"),
                Map.entry(HealthReport.PredictionShift.class, "quantity,referenceMean,windowMean,segmentsTested,segments"),
                Map.entry(HealthReport.ShiftSegment.class, "segment,feature,value,before,after,referenceShare,share,events,pValue,contribution,explained"),
                Map.entry(HealthReport.EstimatedPerformance.class, "threshold,calibration,events,accuracy,precision,recall,f1,auc,referenceAccuracy,decayed,realised,calibrationLabels,windowScores,referenceScores"),
                Map.entry(HealthReport.EstimatedMetric.class, "value,lower,upper"),
                Map.entry(HealthReport.Upgrade.class, "fromThresholdsVersion,changed"),
                Map.entry(HealthReport.Control.class, "commandId,allModelsCommandId,overrides,rejected,referenceCommandId,referenceAction,referenceAppliedAt"),
                Map.entry(HealthReport.Performance.class, "labeled,unlabeled,accuracy,classes,auc,calibrationError,mae,rmse,bias,labelLagP50Seconds,labelLagP95Seconds,referenceAccuracy,referenceMae,decayed,segments"),
                Map.entry(HealthReport.SegmentFinding.class, "segment,feature,value,metric,before,after,baseline,labeled,share,pValue,contribution"),
                Map.entry(HealthReport.ClassMetrics.class, "label,support,precision,recall,f1"),
                Map.entry(HealthReport.FeatureHealth.class, "name,type,count,missing,typeMismatches,mean,stddev,min,max,quantiles,topCategories,drift"),
                Map.entry(HealthReport.Quantiles.class, "p05,p25,p50,p75,p95"),
                Map.entry(HealthReport.CategoryCount.class, "value,count"),
                Map.entry(HealthReport.DriftStatistic.class, "statistic,value,threshold,drifted"),
                Map.entry(HealthReport.QualityCounts.class, "lateEvents,unknownFeatureValues,typeMismatches,featuresOverCap,nonFiniteValues,outOfRangeValues,unseenCategoryValues,expectedEvents,findings"),
                Map.entry(HealthReport.QualityFinding.class, "signal,statistic,value,threshold,pValue"),
                Map.entry(HealthReport.EscalationState.class, "driftedWindows,windowsToTrigger,within"),
                Map.entry(HealthReport.Joint.class, "features,pairsTested,pairs"),
                Map.entry(HealthReport.PairHealth.class, "first,second,reference,referenceCount,window,windowCount,z,pValue,change,threshold,drifted"),
                Map.entry(ScoreHistogram.class, "counts,means"));
        for (Map.Entry<Class<?>, String> e : known.entrySet()) {
            String components = Arrays.stream(e.getKey().getRecordComponents()).map(RecordComponent::getName)
                    .collect(Collectors.joining(","));
            assertThat(components).as(e.getKey().getSimpleName()).isEqualTo(e.getValue());
        }
        List<Class<?>> nested = Arrays.stream(HealthReport.class.getDeclaredClasses()).filter(Class::isRecord).toList();
        assertThat(known.keySet()).as("the report's records").containsAll(nested);
    }
}
