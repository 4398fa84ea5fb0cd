package io.modelwatch.serde;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.ClassMetrics;
import io.modelwatch.model.HealthReport.Control;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.EscalationState;
import io.modelwatch.model.HealthReport.EstimatedMetric;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.HealthReport.Joint;
import io.modelwatch.model.HealthReport.PairHealth;
import io.modelwatch.model.HealthReport.Performance;
import io.modelwatch.model.HealthReport.PredictionShift;
import io.modelwatch.model.HealthReport.Quantiles;
import io.modelwatch.model.HealthReport.QualityCounts;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.model.HealthReport.SegmentFinding;
import io.modelwatch.model.HealthReport.ShiftSegment;
import io.modelwatch.model.HealthReport.Upgrade;
import java.io.IOException;

/**
 * A {@link HealthReport} as the bytes {@link Json#MAPPER} writes for it, written field by field on
 * the mapper's own {@link JsonGenerator} instead of through Jackson's reflective BeanSerializer,
 * which cost about 19 us per report of 25 features once warm, the largest part of the performance
 * monitor's thread (docs/benchmarks.md). Same generator, so the same escaping and number formats
 * (NaN and the infinities as strings); the mapper's rules by hand: properties in the records'
 * component order, a null property left out ({@code NON_NULL}), a null array element written as
 * {@code null}, the estimate's score histograms left out ({@code @JsonIgnore}). {@code
 * HealthReportJsonTest} holds it to the mapper byte for byte; a new field of a report record must
 * be added here too (that test fails until it is).
 */
final class HealthReportJson {
    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();

    private HealthReportJson() {}

    static byte[] toBytes(HealthReport r) throws IOException {
        ByteArrayBuilder bytes = new ByteArrayBuilder(4096);
        try (JsonGenerator g = FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
            write(r, g);
        }
        return bytes.toByteArray();
    }

    static void write(HealthReport r, JsonGenerator g) throws IOException {
        g.writeStartObject();
        string(g, "modelId", r.modelId());
        string(g, "modelVersion", r.modelVersion());
        string(g, "windowStart", r.windowStart());
        string(g, "windowEnd", r.windowEnd());
        string(g, "status", r.status());
        g.writeNumberField("events", r.events());
        g.writeNumberField("eventsSeen", r.eventsSeen());
        g.writeNumberField("referenceEvents", r.referenceEvents());
        FeatureHealth[] features = r.features();
        if (features != null) {
            g.writeArrayFieldStart("features");
            for (FeatureHealth f : features) {
                feature(g, f);
            }
            g.writeEndArray();
        }
        if (r.prediction() != null) {
            g.writeFieldName("prediction");
            feature(g, r.prediction());
        }
        if (r.quality() != null) {
            g.writeFieldName("quality");
            quality(g, r.quality());
        }
        EscalationState e = r.escalation();
        if (e != null) {
            g.writeObjectFieldStart("escalation");
            g.writeNumberField("driftedWindows", e.driftedWindows());
            g.writeNumberField("windowsToTrigger", e.windowsToTrigger());
            string(g, "within", e.within());
            g.writeEndObject();
        }
        string(g, "thresholdsVersion", r.thresholdsVersion());
        g.writeNumberField("revision", r.revision());
        if (r.performance() != null) {
            g.writeFieldName("performance");
            performance(g, r.performance());
        }
        if (r.control() != null) {
            g.writeFieldName("control");
            control(g, r.control());
        }
        Upgrade u = r.upgrade();
        if (u != null) {
            g.writeObjectFieldStart("upgrade");
            string(g, "fromThresholdsVersion", u.fromThresholdsVersion());
            strings(g, "changed", u.changed());
            g.writeEndObject();
        }
        if (r.estimatedPerformance() != null) {
            g.writeFieldName("estimatedPerformance");
            estimate(g, r.estimatedPerformance());
        }
        if (r.joint() != null) {
            g.writeFieldName("joint");
            joint(g, r.joint());
        }
        if (r.predictionSegments() != null) {
            g.writeFieldName("predictionSegments");
            shift(g, r.predictionSegments());
        }
        g.writeEndObject();
    }

    private static void feature(JsonGenerator g, FeatureHealth f) throws IOException {
        if (f == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        string(g, "name", f.name());
        string(g, "type", f.type());
        g.writeNumberField("count", f.count());
        g.writeNumberField("missing", f.missing());
        g.writeNumberField("typeMismatches", f.typeMismatches());
        number(g, "mean", f.mean());
        number(g, "stddev", f.stddev());
        number(g, "min", f.min());
        number(g, "max", f.max());
        Quantiles q = f.quantiles();
        if (q != null) {
            g.writeObjectFieldStart("quantiles");
            g.writeNumberField("p05", q.p05());
            g.writeNumberField("p25", q.p25());
            g.writeNumberField("p50", q.p50());
            g.writeNumberField("p75", q.p75());
            g.writeNumberField("p95", q.p95());
            g.writeEndObject();
        }
        CategoryCount[] top = f.topCategories();
        if (top != null) {
            g.writeArrayFieldStart("topCategories");
            for (CategoryCount c : top) {
                if (c == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, "value", c.value());
                g.writeNumberField("count", c.count());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        DriftStatistic[] drift = f.drift();
        if (drift != null) {
            g.writeArrayFieldStart("drift");
            for (DriftStatistic d : drift) {
                if (d == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, "statistic", d.statistic());
                g.writeNumberField("value", d.value());
                number(g, "threshold", d.threshold());
                g.writeBooleanField("drifted", d.drifted());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void quality(JsonGenerator g, QualityCounts q) throws IOException {
        g.writeStartObject();
        g.writeNumberField("lateEvents", q.lateEvents());
        g.writeNumberField("unknownFeatureValues", q.unknownFeatureValues());
        g.writeNumberField("typeMismatches", q.typeMismatches());
        g.writeNumberField("featuresOverCap", q.featuresOverCap());
        g.writeNumberField("nonFiniteValues", q.nonFiniteValues());
        g.writeNumberField("outOfRangeValues", q.outOfRangeValues());
        g.writeNumberField("unseenCategoryValues", q.unseenCategoryValues());
        number(g, "expectedEvents", q.expectedEvents());
        QualityFinding[] findings = q.findings();
        if (findings != null) {
            g.writeArrayFieldStart("findings");
            for (QualityFinding f : findings) {
                if (f == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, "signal", f.signal());
                string(g, "statistic", f.statistic());
                g.writeNumberField("value", f.value());
                g.writeNumberField("threshold", f.threshold());
                g.writeNumberField("pValue", f.pValue());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void performance(JsonGenerator g, Performance p) throws IOException {
        g.writeStartObject();
        g.writeNumberField("labeled", p.labeled());
        g.writeNumberField("unlabeled", p.unlabeled());
        number(g, "accuracy", p.accuracy());
        ClassMetrics[] classes = p.classes();
        if (classes != null) {
            g.writeArrayFieldStart("classes");
            for (ClassMetrics c : classes) {
                if (c == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, "label", c.label());
                g.writeNumberField("support", c.support());
                number(g, "precision", c.precision());
                number(g, "recall", c.recall());
                number(g, "f1", c.f1());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        number(g, "auc", p.auc());
        number(g, "calibrationError", p.calibrationError());
        number(g, "mae", p.mae());
        number(g, "rmse", p.rmse());
        number(g, "bias", p.bias());
        number(g, "labelLagP50Seconds", p.labelLagP50Seconds());
        number(g, "labelLagP95Seconds", p.labelLagP95Seconds());
        number(g, "referenceAccuracy", p.referenceAccuracy());
        number(g, "referenceMae", p.referenceMae());
        g.writeBooleanField("decayed", p.decayed());
        SegmentFinding[] segments = p.segments();
        if (segments != null) {
            g.writeArrayFieldStart("segments");
            for (SegmentFinding s : segments) {
                if (s == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, "segment", s.segment());
                string(g, "feature", s.feature());
                string(g, "value", s.value());
                string(g, "metric", s.metric());
                g.writeNumberField("before", s.before());
                g.writeNumberField("after", s.after());
                string(g, "baseline", s.baseline());
                g.writeNumberField("labeled", s.labeled());
                g.writeNumberField("share", s.share());
                g.writeNumberField("pValue", s.pValue());
                g.writeNumberField("contribution", s.contribution());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void control(JsonGenerator g, Control c) throws IOException {
        g.writeStartObject();
        string(g, "commandId", c.commandId());
        string(g, "allModelsCommandId", c.allModelsCommandId());
        strings(g, "overrides", c.overrides());
        string(g, "rejected", c.rejected());
        string(g, "referenceCommandId", c.referenceCommandId());
        string(g, "referenceAction", c.referenceAction());
        string(g, "referenceAppliedAt", c.referenceAppliedAt());
        g.writeEndObject();
    }

    private static void estimate(JsonGenerator g, EstimatedPerformance e) throws IOException {
        g.writeStartObject();
        g.writeNumberField("threshold", e.threshold());
        string(g, "calibration", e.calibration());
        g.writeNumberField("events", e.events());
        metric(g, "accuracy", e.accuracy());
        metric(g, "precision", e.precision());
        metric(g, "recall", e.recall());
        metric(g, "f1", e.f1());
        metric(g, "auc", e.auc());
        number(g, "referenceAccuracy", e.referenceAccuracy());
        g.writeBooleanField("decayed", e.decayed());
        string(g, "realised", e.realised());
        if (e.calibrationLabels() != null) {
            g.writeNumberField("calibrationLabels", e.calibrationLabels().longValue());
        }
        // windowScores and referenceScores: @JsonIgnore, not on the topic.
        g.writeEndObject();
    }

    private static void metric(JsonGenerator g, String name, EstimatedMetric m) throws IOException {
        if (m != null) {
            g.writeObjectFieldStart(name);
            g.writeNumberField("value", m.value());
            g.writeNumberField("lower", m.lower());
            g.writeNumberField("upper", m.upper());
            g.writeEndObject();
        }
    }

    private static void joint(JsonGenerator g, Joint j) throws IOException {
        g.writeStartObject();
        strings(g, "features", j.features());
        g.writeNumberField("pairsTested", j.pairsTested());
        PairHealth[] pairs = j.pairs();
        if (pairs != null) {
            g.writeArrayFieldStart("pairs");
            for (PairHealth p : pairs) {
                if (p == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, "first", p.first());
                string(g, "second", p.second());
                number(g, "reference", p.reference());
                g.writeNumberField("referenceCount", p.referenceCount());
                number(g, "window", p.window());
                g.writeNumberField("windowCount", p.windowCount());
                number(g, "z", p.z());
                g.writeNumberField("pValue", p.pValue());
                g.writeNumberField("change", p.change());
                g.writeNumberField("threshold", p.threshold());
                g.writeBooleanField("drifted", p.drifted());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void shift(JsonGenerator g, PredictionShift s) throws IOException {
        g.writeStartObject();
        string(g, "quantity", s.quantity());
        g.writeNumberField("referenceMean", s.referenceMean());
        g.writeNumberField("windowMean", s.windowMean());
        g.writeNumberField("segmentsTested", s.segmentsTested());
        ShiftSegment[] segments = s.segments();
        if (segments != null) {
            g.writeArrayFieldStart("segments");
            for (ShiftSegment x : segments) {
                if (x == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, "segment", x.segment());
                string(g, "feature", x.feature());
                string(g, "value", x.value());
                g.writeNumberField("before", x.before());
                g.writeNumberField("after", x.after());
                g.writeNumberField("referenceShare", x.referenceShare());
                g.writeNumberField("share", x.share());
                g.writeNumberField("events", x.events());
                g.writeNumberField("pValue", x.pValue());
                g.writeNumberField("contribution", x.contribution());
                g.writeNumberField("explained", x.explained());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** A string property; left out when null. */
    private static void string(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    /** A nullable number property; left out when null. */
    private static void number(JsonGenerator g, String name, Double value) throws IOException {
        if (value != null) {
            g.writeNumberField(name, value.doubleValue());
        }
    }

    /** A string array property, left out when null; its null elements written as null. */
    private static void strings(JsonGenerator g, String name, String[] values) throws IOException {
        if (values != null) {
            g.writeArrayFieldStart(name);
            for (String v : values) {
                if (v == null) {
                    g.writeNull();
                } else {
                    g.writeString(v);
                }
            }
            g.writeEndArray();
        }
    }
}
