package io.modelwatch.serde;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
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
    /** Double.toString writes plain notation below 10^7 (and from 10^-3), scientific from it. */
    private static final double PLAIN_INTEGRAL_LIMIT = 1e7;
    private static final long NEGATIVE_ZERO = Double.doubleToRawLongBits(-0.0);

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
        string(g, Names.modelId, r.modelId());
        string(g, Names.modelVersion, r.modelVersion());
        string(g, Names.windowStart, r.windowStart());
        string(g, Names.windowEnd, r.windowEnd());
        string(g, Names.status, r.status());
        number(g, Names.events, r.events());
        number(g, Names.eventsSeen, r.eventsSeen());
        number(g, Names.referenceEvents, r.referenceEvents());
        FeatureHealth[] features = r.features();
        if (features != null) {
            g.writeFieldName(Names.features);
            g.writeStartArray();
            for (FeatureHealth f : features) {
                feature(g, f);
            }
            g.writeEndArray();
        }
        if (r.prediction() != null) {
            g.writeFieldName(Names.prediction);
            feature(g, r.prediction());
        }
        if (r.quality() != null) {
            g.writeFieldName(Names.quality);
            quality(g, r.quality());
        }
        EscalationState e = r.escalation();
        if (e != null) {
            g.writeFieldName(Names.escalation);
            g.writeStartObject();
            number(g, Names.driftedWindows, e.driftedWindows());
            number(g, Names.windowsToTrigger, e.windowsToTrigger());
            string(g, Names.within, e.within());
            g.writeEndObject();
        }
        string(g, Names.thresholdsVersion, r.thresholdsVersion());
        number(g, Names.revision, r.revision());
        if (r.performance() != null) {
            g.writeFieldName(Names.performance);
            performance(g, r.performance());
        }
        if (r.control() != null) {
            g.writeFieldName(Names.control);
            control(g, r.control());
        }
        Upgrade u = r.upgrade();
        if (u != null) {
            g.writeFieldName(Names.upgrade);
            g.writeStartObject();
            string(g, Names.fromThresholdsVersion, u.fromThresholdsVersion());
            strings(g, Names.changed, u.changed());
            g.writeEndObject();
        }
        if (r.estimatedPerformance() != null) {
            g.writeFieldName(Names.estimatedPerformance);
            estimate(g, r.estimatedPerformance());
        }
        if (r.joint() != null) {
            g.writeFieldName(Names.joint);
            joint(g, r.joint());
        }
        if (r.predictionSegments() != null) {
            g.writeFieldName(Names.predictionSegments);
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
        string(g, Names.name, f.name());
        string(g, Names.type, f.type());
        number(g, Names.count, f.count());
        number(g, Names.missing, f.missing());
        number(g, Names.typeMismatches, f.typeMismatches());
        number(g, Names.mean, f.mean());
        number(g, Names.stddev, f.stddev());
        number(g, Names.min, f.min());
        number(g, Names.max, f.max());
        Quantiles q = f.quantiles();
        if (q != null) {
            g.writeFieldName(Names.quantiles);
            g.writeStartObject();
            number(g, Names.p05, q.p05());
            number(g, Names.p25, q.p25());
            number(g, Names.p50, q.p50());
            number(g, Names.p75, q.p75());
            number(g, Names.p95, q.p95());
            g.writeEndObject();
        }
        CategoryCount[] top = f.topCategories();
        if (top != null) {
            g.writeFieldName(Names.topCategories);
            g.writeStartArray();
            for (CategoryCount c : top) {
                if (c == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, Names.value, c.value());
                number(g, Names.count, c.count());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        DriftStatistic[] drift = f.drift();
        if (drift != null) {
            g.writeFieldName(Names.drift);
            g.writeStartArray();
            for (DriftStatistic d : drift) {
                if (d == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, Names.statistic, d.statistic());
                number(g, Names.value, d.value());
                number(g, Names.threshold, d.threshold());
                g.writeFieldName(Names.drifted);
                g.writeBoolean(d.drifted());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void quality(JsonGenerator g, QualityCounts q) throws IOException {
        g.writeStartObject();
        number(g, Names.lateEvents, q.lateEvents());
        number(g, Names.unknownFeatureValues, q.unknownFeatureValues());
        number(g, Names.typeMismatches, q.typeMismatches());
        number(g, Names.featuresOverCap, q.featuresOverCap());
        number(g, Names.nonFiniteValues, q.nonFiniteValues());
        number(g, Names.outOfRangeValues, q.outOfRangeValues());
        number(g, Names.unseenCategoryValues, q.unseenCategoryValues());
        number(g, Names.expectedEvents, q.expectedEvents());
        QualityFinding[] findings = q.findings();
        if (findings != null) {
            g.writeFieldName(Names.findings);
            g.writeStartArray();
            for (QualityFinding f : findings) {
                if (f == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, Names.signal, f.signal());
                string(g, Names.statistic, f.statistic());
                number(g, Names.value, f.value());
                number(g, Names.threshold, f.threshold());
                number(g, Names.pValue, f.pValue());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void performance(JsonGenerator g, Performance p) throws IOException {
        g.writeStartObject();
        number(g, Names.labeled, p.labeled());
        number(g, Names.unlabeled, p.unlabeled());
        number(g, Names.accuracy, p.accuracy());
        ClassMetrics[] classes = p.classes();
        if (classes != null) {
            g.writeFieldName(Names.classes);
            g.writeStartArray();
            for (ClassMetrics c : classes) {
                if (c == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, Names.label, c.label());
                number(g, Names.support, c.support());
                number(g, Names.precision, c.precision());
                number(g, Names.recall, c.recall());
                number(g, Names.f1, c.f1());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        number(g, Names.auc, p.auc());
        number(g, Names.calibrationError, p.calibrationError());
        number(g, Names.mae, p.mae());
        number(g, Names.rmse, p.rmse());
        number(g, Names.bias, p.bias());
        number(g, Names.labelLagP50Seconds, p.labelLagP50Seconds());
        number(g, Names.labelLagP95Seconds, p.labelLagP95Seconds());
        number(g, Names.referenceAccuracy, p.referenceAccuracy());
        number(g, Names.referenceMae, p.referenceMae());
        g.writeFieldName(Names.decayed);
        g.writeBoolean(p.decayed());
        SegmentFinding[] segments = p.segments();
        if (segments != null) {
            g.writeFieldName(Names.segments);
            g.writeStartArray();
            for (SegmentFinding s : segments) {
                if (s == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, Names.segment, s.segment());
                string(g, Names.feature, s.feature());
                string(g, Names.value, s.value());
                string(g, Names.metric, s.metric());
                number(g, Names.before, s.before());
                number(g, Names.after, s.after());
                string(g, Names.baseline, s.baseline());
                number(g, Names.labeled, s.labeled());
                number(g, Names.share, s.share());
                number(g, Names.pValue, s.pValue());
                number(g, Names.contribution, s.contribution());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void control(JsonGenerator g, Control c) throws IOException {
        g.writeStartObject();
        string(g, Names.commandId, c.commandId());
        string(g, Names.allModelsCommandId, c.allModelsCommandId());
        strings(g, Names.overrides, c.overrides());
        string(g, Names.rejected, c.rejected());
        string(g, Names.referenceCommandId, c.referenceCommandId());
        string(g, Names.referenceAction, c.referenceAction());
        string(g, Names.referenceAppliedAt, c.referenceAppliedAt());
        g.writeEndObject();
    }

    private static void estimate(JsonGenerator g, EstimatedPerformance e) throws IOException {
        g.writeStartObject();
        number(g, Names.threshold, e.threshold());
        string(g, Names.calibration, e.calibration());
        number(g, Names.events, e.events());
        metric(g, Names.accuracy, e.accuracy());
        metric(g, Names.precision, e.precision());
        metric(g, Names.recall, e.recall());
        metric(g, Names.f1, e.f1());
        metric(g, Names.auc, e.auc());
        number(g, Names.referenceAccuracy, e.referenceAccuracy());
        g.writeFieldName(Names.decayed);
        g.writeBoolean(e.decayed());
        string(g, Names.realised, e.realised());
        if (e.calibrationLabels() != null) {
            number(g, Names.calibrationLabels, e.calibrationLabels().longValue());
        }
        // windowScores and referenceScores: @JsonIgnore, not on the topic.
        g.writeEndObject();
    }

    private static void metric(JsonGenerator g, SerializableString name, EstimatedMetric m) throws IOException {
        if (m != null) {
            g.writeFieldName(name);
            g.writeStartObject();
            number(g, Names.value, m.value());
            number(g, Names.lower, m.lower());
            number(g, Names.upper, m.upper());
            g.writeEndObject();
        }
    }

    private static void joint(JsonGenerator g, Joint j) throws IOException {
        g.writeStartObject();
        strings(g, Names.features, j.features());
        number(g, Names.pairsTested, j.pairsTested());
        PairHealth[] pairs = j.pairs();
        if (pairs != null) {
            g.writeFieldName(Names.pairs);
            g.writeStartArray();
            for (PairHealth p : pairs) {
                if (p == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, Names.first, p.first());
                string(g, Names.second, p.second());
                number(g, Names.reference, p.reference());
                number(g, Names.referenceCount, p.referenceCount());
                number(g, Names.window, p.window());
                number(g, Names.windowCount, p.windowCount());
                number(g, Names.z, p.z());
                number(g, Names.pValue, p.pValue());
                number(g, Names.change, p.change());
                number(g, Names.threshold, p.threshold());
                g.writeFieldName(Names.drifted);
                g.writeBoolean(p.drifted());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void shift(JsonGenerator g, PredictionShift s) throws IOException {
        g.writeStartObject();
        string(g, Names.quantity, s.quantity());
        number(g, Names.referenceMean, s.referenceMean());
        number(g, Names.windowMean, s.windowMean());
        number(g, Names.segmentsTested, s.segmentsTested());
        ShiftSegment[] segments = s.segments();
        if (segments != null) {
            g.writeFieldName(Names.segments);
            g.writeStartArray();
            for (ShiftSegment x : segments) {
                if (x == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                string(g, Names.segment, x.segment());
                string(g, Names.feature, x.feature());
                string(g, Names.value, x.value());
                number(g, Names.before, x.before());
                number(g, Names.after, x.after());
                number(g, Names.referenceShare, x.referenceShare());
                number(g, Names.share, x.share());
                number(g, Names.events, x.events());
                number(g, Names.pValue, x.pValue());
                number(g, Names.contribution, x.contribution());
                number(g, Names.explained, x.explained());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** A string property; left out when null. */
    private static void string(JsonGenerator g, SerializableString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
        }
    }

    /** A nullable number property; left out when null. */
    private static void number(JsonGenerator g, SerializableString name, Double value) throws IOException {
        if (value != null) {
            number(g, name, value.doubleValue());
        }
    }

    private static void number(JsonGenerator g, SerializableString name, long value) throws IOException {
        g.writeFieldName(name);
        g.writeNumber(value);
    }

    private static void number(JsonGenerator g, SerializableString name, int value) throws IOException {
        g.writeFieldName(name);
        g.writeNumber(value);
    }

    private static void number(JsonGenerator g, SerializableString name, double value) throws IOException {
        g.writeFieldName(name);
        if (value == (long) value && Math.abs(value) < PLAIN_INTEGRAL_LIMIT
                && Double.doubleToRawLongBits(value) != NEGATIVE_ZERO) {
            // What Double.toString (Jackson's format of a double) writes for a whole number in
            // plain notation (below 10^7), "<integer>.0", without its digit generation: a
            // count-like feature's quantiles, minimum and maximum are whole numbers.
            g.writeNumber(Long.toString((long) value).concat(".0"));
        } else {
            g.writeNumber(value);
        }
    }

    /** A string array property, left out when null; its null elements written as null. */
    private static void strings(JsonGenerator g, SerializableString name, String[] values) throws IOException {
        if (values != null) {
            g.writeFieldName(name);
            g.writeStartArray();
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

    /**
     * The property names, quoted and UTF-8 encoded once (as Jackson's BeanSerializer keeps them),
     * named as they are on the topic.
     */
    private static final class Names {
        static final SerializableString accuracy = new SerializedString("accuracy");
        static final SerializableString after = new SerializedString("after");
        static final SerializableString allModelsCommandId = new SerializedString("allModelsCommandId");
        static final SerializableString auc = new SerializedString("auc");
        static final SerializableString baseline = new SerializedString("baseline");
        static final SerializableString before = new SerializedString("before");
        static final SerializableString bias = new SerializedString("bias");
        static final SerializableString calibration = new SerializedString("calibration");
        static final SerializableString calibrationError = new SerializedString("calibrationError");
        static final SerializableString calibrationLabels = new SerializedString("calibrationLabels");
        static final SerializableString change = new SerializedString("change");
        static final SerializableString changed = new SerializedString("changed");
        static final SerializableString classes = new SerializedString("classes");
        static final SerializableString commandId = new SerializedString("commandId");
        static final SerializableString contribution = new SerializedString("contribution");
        static final SerializableString control = new SerializedString("control");
        static final SerializableString count = new SerializedString("count");
        static final SerializableString decayed = new SerializedString("decayed");
        static final SerializableString drift = new SerializedString("drift");
        static final SerializableString drifted = new SerializedString("drifted");
        static final SerializableString driftedWindows = new SerializedString("driftedWindows");
        static final SerializableString escalation = new SerializedString("escalation");
        static final SerializableString estimatedPerformance = new SerializedString("estimatedPerformance");
        static final SerializableString events = new SerializedString("events");
        static final SerializableString eventsSeen = new SerializedString("eventsSeen");
        static final SerializableString expectedEvents = new SerializedString("expectedEvents");
        static final SerializableString explained = new SerializedString("explained");
        static final SerializableString f1 = new SerializedString("f1");
        static final SerializableString feature = new SerializedString("feature");
        static final SerializableString features = new SerializedString("features");
        static final SerializableString featuresOverCap = new SerializedString("featuresOverCap");
        static final SerializableString findings = new SerializedString("findings");
        static final SerializableString first = new SerializedString("first");
        static final SerializableString fromThresholdsVersion = new SerializedString("fromThresholdsVersion");
        static final SerializableString joint = new SerializedString("joint");
        static final SerializableString label = new SerializedString("label");
        static final SerializableString labelLagP50Seconds = new SerializedString("labelLagP50Seconds");
        static final SerializableString labelLagP95Seconds = new SerializedString("labelLagP95Seconds");
        static final SerializableString labeled = new SerializedString("labeled");
        static final SerializableString lateEvents = new SerializedString("lateEvents");
        static final SerializableString lower = new SerializedString("lower");
        static final SerializableString mae = new SerializedString("mae");
        static final SerializableString max = new SerializedString("max");
        static final SerializableString mean = new SerializedString("mean");
        static final SerializableString metric = new SerializedString("metric");
        static final SerializableString min = new SerializedString("min");
        static final SerializableString missing = new SerializedString("missing");
        static final SerializableString modelId = new SerializedString("modelId");
        static final SerializableString modelVersion = new SerializedString("modelVersion");
        static final SerializableString name = new SerializedString("name");
        static final SerializableString nonFiniteValues = new SerializedString("nonFiniteValues");
        static final SerializableString outOfRangeValues = new SerializedString("outOfRangeValues");
        static final SerializableString overrides = new SerializedString("overrides");
        static final SerializableString p05 = new SerializedString("p05");
        static final SerializableString p25 = new SerializedString("p25");
        static final SerializableString p50 = new SerializedString("p50");
        static final SerializableString p75 = new SerializedString("p75");
        static final SerializableString p95 = new SerializedString("p95");
        static final SerializableString pValue = new SerializedString("pValue");
        static final SerializableString pairs = new SerializedString("pairs");
        static final SerializableString pairsTested = new SerializedString("pairsTested");
        static final SerializableString performance = new SerializedString("performance");
        static final SerializableString precision = new SerializedString("precision");
        static final SerializableString prediction = new SerializedString("prediction");
        static final SerializableString predictionSegments = new SerializedString("predictionSegments");
        static final SerializableString quality = new SerializedString("quality");
        static final SerializableString quantiles = new SerializedString("quantiles");
        static final SerializableString quantity = new SerializedString("quantity");
        static final SerializableString realised = new SerializedString("realised");
        static final SerializableString recall = new SerializedString("recall");
        static final SerializableString reference = new SerializedString("reference");
        static final SerializableString referenceAccuracy = new SerializedString("referenceAccuracy");
        static final SerializableString referenceAction = new SerializedString("referenceAction");
        static final SerializableString referenceAppliedAt = new SerializedString("referenceAppliedAt");
        static final SerializableString referenceCommandId = new SerializedString("referenceCommandId");
        static final SerializableString referenceCount = new SerializedString("referenceCount");
        static final SerializableString referenceEvents = new SerializedString("referenceEvents");
        static final SerializableString referenceMae = new SerializedString("referenceMae");
        static final SerializableString referenceMean = new SerializedString("referenceMean");
        static final SerializableString referenceShare = new SerializedString("referenceShare");
        static final SerializableString rejected = new SerializedString("rejected");
        static final SerializableString revision = new SerializedString("revision");
        static final SerializableString rmse = new SerializedString("rmse");
        static final SerializableString second = new SerializedString("second");
        static final SerializableString segment = new SerializedString("segment");
        static final SerializableString segments = new SerializedString("segments");
        static final SerializableString segmentsTested = new SerializedString("segmentsTested");
        static final SerializableString share = new SerializedString("share");
        static final SerializableString signal = new SerializedString("signal");
        static final SerializableString statistic = new SerializedString("statistic");
        static final SerializableString status = new SerializedString("status");
        static final SerializableString stddev = new SerializedString("stddev");
        static final SerializableString support = new SerializedString("support");
        static final SerializableString threshold = new SerializedString("threshold");
        static final SerializableString thresholdsVersion = new SerializedString("thresholdsVersion");
        static final SerializableString topCategories = new SerializedString("topCategories");
        static final SerializableString type = new SerializedString("type");
        static final SerializableString typeMismatches = new SerializedString("typeMismatches");
        static final SerializableString unknownFeatureValues = new SerializedString("unknownFeatureValues");
        static final SerializableString unlabeled = new SerializedString("unlabeled");
        static final SerializableString unseenCategoryValues = new SerializedString("unseenCategoryValues");
        static final SerializableString upgrade = new SerializedString("upgrade");
        static final SerializableString upper = new SerializedString("upper");
        static final SerializableString value = new SerializedString("value");
        static final SerializableString window = new SerializedString("window");
        static final SerializableString windowCount = new SerializedString("windowCount");
        static final SerializableString windowEnd = new SerializedString("windowEnd");
        static final SerializableString windowMean = new SerializedString("windowMean");
        static final SerializableString windowStart = new SerializedString("windowStart");
        static final SerializableString windowsToTrigger = new SerializedString("windowsToTrigger");
        static final SerializableString within = new SerializedString("within");
        static final SerializableString z = new SerializedString("z");
    }
}
