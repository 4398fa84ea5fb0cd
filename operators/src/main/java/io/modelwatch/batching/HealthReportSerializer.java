package io.modelwatch.batching;

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
import io.modelwatch.model.ScoreHistogram;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The wire format of a {@link HealthReport} from the model monitor to the performance monitor
 * ({@link WireTypeInfo#HEALTH_REPORT}): every field of the report and of its nested records in
 * declaration order, the score histograms of its estimate included (they are not on the topic,
 * but the performance monitor calibrates the estimate with them). Flink's POJO serializer, which
 * it replaces on the wire, reads and writes each field by reflection and builds every nested record
 * through a reflective constructor call, a report of 25 features some 200 of them
 * (docs/benchmarks.md).
 *
 * <p>Strings as Flink writes them (null allowed); a nullable number or record behind a presence
 * byte; an array as its length, -1 for null, and a nullable element behind a presence byte. A
 * round trip gives a report equal field by field, NaN, infinities and -0.0 included. Reports are
 * never kept in Flink state through this serializer (the performance monitor stores its own
 * format, {@code WindowResult}), so the format carries no version.
 */
public final class HealthReportSerializer extends WireSerializer<HealthReport> {
    public static final HealthReportSerializer INSTANCE = new HealthReportSerializer();

    private static final byte ABSENT = 0;
    private static final byte PRESENT = 1;

    @Override
    public boolean isImmutableType() {
        return false; // records, but with arrays inside
    }

    @Override
    public HealthReport createInstance() {
        return new HealthReport("", "", "", "", HealthReport.OK, 0, 0, 0, new FeatureHealth[0], null,
                QualityCounts.of(0, 0, 0, 0), null, "", 0, null);
    }

    /**
     * A deep copy, through the wire format. Flink copies only between chained operators without
     * object reuse, and the job runs with object reuse ({@code FlinkSettings}), so this is rare.
     */
    @Override
    public HealthReport copy(HealthReport from) {
        try {
            DataOutputSerializer out = new DataOutputSerializer(4096);
            serialize(from, out);
            return deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy a health report", e);
        }
    }

    @Override
    public void serialize(HealthReport r, DataOutputView out) throws IOException {
        WireStrings.write(r.modelId(), out);
        WireStrings.write(r.modelVersion(), out);
        WireStrings.write(r.windowStart(), out);
        WireStrings.write(r.windowEnd(), out);
        WireStrings.write(r.status(), out);
        out.writeLong(r.events());
        out.writeLong(r.eventsSeen());
        out.writeLong(r.referenceEvents());
        FeatureHealth[] features = r.features();
        if (length(features, out)) {
            for (FeatureHealth f : features) {
                writeFeature(f, out);
            }
        }
        writeFeature(r.prediction(), out);
        writeQuality(r.quality(), out);
        writeEscalation(r.escalation(), out);
        WireStrings.write(r.thresholdsVersion(), out);
        out.writeInt(r.revision());
        writePerformance(r.performance(), out);
        writeControl(r.control(), out);
        writeUpgrade(r.upgrade(), out);
        writeEstimate(r.estimatedPerformance(), out);
        writeJoint(r.joint(), out);
        writeShift(r.predictionSegments(), out);
    }

    @Override
    public HealthReport deserialize(DataInputView in) throws IOException {
        String modelId = WireStrings.read(in);
        String modelVersion = WireStrings.read(in);
        String windowStart = WireStrings.read(in);
        String windowEnd = WireStrings.read(in);
        String status = WireStrings.read(in);
        long events = in.readLong();
        long eventsSeen = in.readLong();
        long referenceEvents = in.readLong();
        int n = in.readInt();
        FeatureHealth[] features = n < 0 ? null : new FeatureHealth[n];
        for (int i = 0; i < n; i++) {
            features[i] = readFeature(in);
        }
        FeatureHealth prediction = readFeature(in);
        QualityCounts quality = readQuality(in);
        EscalationState escalation = readEscalation(in);
        String thresholdsVersion = WireStrings.read(in);
        int revision = in.readInt();
        Performance performance = readPerformance(in);
        Control control = readControl(in);
        Upgrade upgrade = readUpgrade(in);
        EstimatedPerformance estimate = readEstimate(in);
        Joint joint = readJoint(in);
        PredictionShift shift = readShift(in);
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, thresholdsVersion, revision, performance,
                control, upgrade, estimate, joint, shift);
    }

    // --- features ---

    private static void writeFeature(FeatureHealth f, DataOutputView out) throws IOException {
        if (present(f, out)) {
            WireStrings.write(f.name(), out);
            WireStrings.write(f.type(), out);
            out.writeLong(f.count());
            out.writeLong(f.missing());
            out.writeLong(f.typeMismatches());
            writeDouble(f.mean(), out);
            writeDouble(f.stddev(), out);
            writeDouble(f.min(), out);
            writeDouble(f.max(), out);
            Quantiles q = f.quantiles();
            if (present(q, out)) {
                out.writeDouble(q.p05());
                out.writeDouble(q.p25());
                out.writeDouble(q.p50());
                out.writeDouble(q.p75());
                out.writeDouble(q.p95());
            }
            CategoryCount[] top = f.topCategories();
            if (length(top, out)) {
                for (CategoryCount c : top) {
                    if (present(c, out)) {
                        WireStrings.write(c.value(), out);
                        out.writeLong(c.count());
                    }
                }
            }
            DriftStatistic[] drift = f.drift();
            if (length(drift, out)) {
                for (DriftStatistic d : drift) {
                    if (present(d, out)) {
                        WireStrings.write(d.statistic(), out);
                        out.writeDouble(d.value());
                        writeDouble(d.threshold(), out);
                        out.writeBoolean(d.drifted());
                    }
                }
            }
        }
    }

    private static FeatureHealth readFeature(DataInputView in) throws IOException {
        if (in.readByte() == ABSENT) {
            return null;
        }
        String name = WireStrings.read(in);
        String type = WireStrings.read(in);
        long count = in.readLong();
        long missing = in.readLong();
        long typeMismatches = in.readLong();
        Double mean = readDouble(in);
        Double stddev = readDouble(in);
        Double min = readDouble(in);
        Double max = readDouble(in);
        Quantiles quantiles = in.readByte() == ABSENT ? null
                : new Quantiles(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
        int n = in.readInt();
        CategoryCount[] top = n < 0 ? null : new CategoryCount[n];
        for (int i = 0; i < n; i++) {
            top[i] = in.readByte() == ABSENT ? null : new CategoryCount(WireStrings.read(in), in.readLong());
        }
        n = in.readInt();
        DriftStatistic[] drift = n < 0 ? null : new DriftStatistic[n];
        for (int i = 0; i < n; i++) {
            drift[i] = in.readByte() == ABSENT ? null
                    : new DriftStatistic(WireStrings.read(in), in.readDouble(), readDouble(in), in.readBoolean());
        }
        return new FeatureHealth(name, type, count, missing, typeMismatches, mean, stddev, min, max, quantiles, top,
                drift);
    }

    // --- quality and escalation ---

    private static void writeQuality(QualityCounts q, DataOutputView out) throws IOException {
        if (present(q, out)) {
            out.writeLong(q.lateEvents());
            out.writeLong(q.unknownFeatureValues());
            out.writeLong(q.typeMismatches());
            out.writeLong(q.featuresOverCap());
            out.writeLong(q.nonFiniteValues());
            out.writeLong(q.outOfRangeValues());
            out.writeLong(q.unseenCategoryValues());
            writeDouble(q.expectedEvents(), out);
            QualityFinding[] findings = q.findings();
            if (length(findings, out)) {
                for (QualityFinding f : findings) {
                    if (present(f, out)) {
                        WireStrings.write(f.signal(), out);
                        WireStrings.write(f.statistic(), out);
                        out.writeDouble(f.value());
                        out.writeDouble(f.threshold());
                        out.writeDouble(f.pValue());
                    }
                }
            }
        }
    }

    private static QualityCounts readQuality(DataInputView in) throws IOException {
        if (in.readByte() == ABSENT) {
            return null;
        }
        long late = in.readLong();
        long unknown = in.readLong();
        long mismatches = in.readLong();
        long overCap = in.readLong();
        long nonFinite = in.readLong();
        long outOfRange = in.readLong();
        long unseen = in.readLong();
        Double expected = readDouble(in);
        int n = in.readInt();
        QualityFinding[] findings = n < 0 ? null : new QualityFinding[n];
        for (int i = 0; i < n; i++) {
            findings[i] = in.readByte() == ABSENT ? null : new QualityFinding(WireStrings.read(in),
                    WireStrings.read(in), in.readDouble(), in.readDouble(), in.readDouble());
        }
        return new QualityCounts(late, unknown, mismatches, overCap, nonFinite, outOfRange, unseen, expected, findings);
    }

    private static void writeEscalation(EscalationState e, DataOutputView out) throws IOException {
        if (present(e, out)) {
            out.writeInt(e.driftedWindows());
            out.writeInt(e.windowsToTrigger());
            WireStrings.write(e.within(), out);
        }
    }

    private static EscalationState readEscalation(DataInputView in) throws IOException {
        return in.readByte() == ABSENT ? null
                : new EscalationState(in.readInt(), in.readInt(), WireStrings.read(in));
    }

    // --- performance ---

    private static void writePerformance(Performance p, DataOutputView out) throws IOException {
        if (!present(p, out)) {
            return;
        }
        out.writeLong(p.labeled());
        out.writeLong(p.unlabeled());
        writeDouble(p.accuracy(), out);
        ClassMetrics[] classes = p.classes();
        if (length(classes, out)) {
            for (ClassMetrics c : classes) {
                if (present(c, out)) {
                    WireStrings.write(c.label(), out);
                    out.writeLong(c.support());
                    writeDouble(c.precision(), out);
                    writeDouble(c.recall(), out);
                    writeDouble(c.f1(), out);
                }
            }
        }
        writeDouble(p.auc(), out);
        writeDouble(p.calibrationError(), out);
        writeDouble(p.mae(), out);
        writeDouble(p.rmse(), out);
        writeDouble(p.bias(), out);
        writeDouble(p.labelLagP50Seconds(), out);
        writeDouble(p.labelLagP95Seconds(), out);
        writeDouble(p.referenceAccuracy(), out);
        writeDouble(p.referenceMae(), out);
        out.writeBoolean(p.decayed());
        SegmentFinding[] segments = p.segments();
        if (length(segments, out)) {
            for (SegmentFinding s : segments) {
                if (present(s, out)) {
                    WireStrings.write(s.segment(), out);
                    WireStrings.write(s.feature(), out);
                    WireStrings.write(s.value(), out);
                    WireStrings.write(s.metric(), out);
                    out.writeDouble(s.before());
                    out.writeDouble(s.after());
                    WireStrings.write(s.baseline(), out);
                    out.writeLong(s.labeled());
                    out.writeDouble(s.share());
                    out.writeDouble(s.pValue());
                    out.writeDouble(s.contribution());
                }
            }
        }
    }

    private static Performance readPerformance(DataInputView in) throws IOException {
        if (in.readByte() == ABSENT) {
            return null;
        }
        long labeled = in.readLong();
        long unlabeled = in.readLong();
        Double accuracy = readDouble(in);
        int n = in.readInt();
        ClassMetrics[] classes = n < 0 ? null : new ClassMetrics[n];
        for (int i = 0; i < n; i++) {
            classes[i] = in.readByte() == ABSENT ? null : new ClassMetrics(WireStrings.read(in), in.readLong(),
                    readDouble(in), readDouble(in), readDouble(in));
        }
        Double auc = readDouble(in);
        Double calibrationError = readDouble(in);
        Double mae = readDouble(in);
        Double rmse = readDouble(in);
        Double bias = readDouble(in);
        Double lagP50 = readDouble(in);
        Double lagP95 = readDouble(in);
        Double referenceAccuracy = readDouble(in);
        Double referenceMae = readDouble(in);
        boolean decayed = in.readBoolean();
        n = in.readInt();
        SegmentFinding[] segments = n < 0 ? null : new SegmentFinding[n];
        for (int i = 0; i < n; i++) {
            segments[i] = in.readByte() == ABSENT ? null : new SegmentFinding(WireStrings.read(in),
                    WireStrings.read(in), WireStrings.read(in), WireStrings.read(in),
                    in.readDouble(), in.readDouble(), WireStrings.read(in), in.readLong(), in.readDouble(),
                    in.readDouble(), in.readDouble());
        }
        return new Performance(labeled, unlabeled, accuracy, classes, auc, calibrationError, mae, rmse, bias, lagP50,
                lagP95, referenceAccuracy, referenceMae, decayed, segments);
    }

    // --- control and upgrade ---

    private static void writeControl(Control c, DataOutputView out) throws IOException {
        if (present(c, out)) {
            WireStrings.write(c.commandId(), out);
            WireStrings.write(c.allModelsCommandId(), out);
            writeStrings(c.overrides(), out);
            WireStrings.write(c.rejected(), out);
            WireStrings.write(c.referenceCommandId(), out);
            WireStrings.write(c.referenceAction(), out);
            WireStrings.write(c.referenceAppliedAt(), out);
        }
    }

    private static Control readControl(DataInputView in) throws IOException {
        return in.readByte() == ABSENT ? null : new Control(WireStrings.read(in), WireStrings.read(in),
                readStrings(in), WireStrings.read(in), WireStrings.read(in), WireStrings.read(in),
                WireStrings.read(in));
    }

    private static void writeUpgrade(Upgrade u, DataOutputView out) throws IOException {
        if (present(u, out)) {
            WireStrings.write(u.fromThresholdsVersion(), out);
            writeStrings(u.changed(), out);
        }
    }

    private static Upgrade readUpgrade(DataInputView in) throws IOException {
        return in.readByte() == ABSENT ? null : new Upgrade(WireStrings.read(in), readStrings(in));
    }

    // --- estimated performance ---

    private static void writeEstimate(EstimatedPerformance e, DataOutputView out) throws IOException {
        if (present(e, out)) {
            out.writeDouble(e.threshold());
            WireStrings.write(e.calibration(), out);
            out.writeLong(e.events());
            writeMetric(e.accuracy(), out);
            writeMetric(e.precision(), out);
            writeMetric(e.recall(), out);
            writeMetric(e.f1(), out);
            writeMetric(e.auc(), out);
            writeDouble(e.referenceAccuracy(), out);
            out.writeBoolean(e.decayed());
            WireStrings.write(e.realised(), out);
            if (present(e.calibrationLabels(), out)) {
                out.writeLong(e.calibrationLabels());
            }
            writeHistogram(e.windowScores(), out);
            writeHistogram(e.referenceScores(), out);
        }
    }

    private static EstimatedPerformance readEstimate(DataInputView in) throws IOException {
        if (in.readByte() == ABSENT) {
            return null;
        }
        double threshold = in.readDouble();
        String calibration = WireStrings.read(in);
        long events = in.readLong();
        EstimatedMetric accuracy = readMetric(in);
        EstimatedMetric precision = readMetric(in);
        EstimatedMetric recall = readMetric(in);
        EstimatedMetric f1 = readMetric(in);
        EstimatedMetric auc = readMetric(in);
        Double referenceAccuracy = readDouble(in);
        boolean decayed = in.readBoolean();
        String realised = WireStrings.read(in);
        Long calibrationLabels = in.readByte() == ABSENT ? null : in.readLong();
        ScoreHistogram window = readHistogram(in);
        ScoreHistogram reference = readHistogram(in);
        return new EstimatedPerformance(threshold, calibration, events, accuracy, precision, recall, f1, auc,
                referenceAccuracy, decayed, realised, calibrationLabels, window, reference);
    }

    private static void writeMetric(EstimatedMetric m, DataOutputView out) throws IOException {
        if (present(m, out)) {
            out.writeDouble(m.value());
            out.writeDouble(m.lower());
            out.writeDouble(m.upper());
        }
    }

    private static EstimatedMetric readMetric(DataInputView in) throws IOException {
        return in.readByte() == ABSENT ? null : new EstimatedMetric(in.readDouble(), in.readDouble(), in.readDouble());
    }

    /** Its cells as they are (a histogram always has {@link ScoreHistogram#CELLS}). */
    private static void writeHistogram(ScoreHistogram h, DataOutputView out) throws IOException {
        if (present(h, out)) {
            for (long c : h.counts()) {
                out.writeLong(c);
            }
            for (double m : h.means()) {
                out.writeDouble(m);
            }
        }
    }

    private static ScoreHistogram readHistogram(DataInputView in) throws IOException {
        if (in.readByte() == ABSENT) {
            return null;
        }
        long[] counts = new long[ScoreHistogram.CELLS];
        double[] means = new double[ScoreHistogram.CELLS];
        for (int c = 0; c < counts.length; c++) {
            counts[c] = in.readLong();
        }
        for (int c = 0; c < means.length; c++) {
            means[c] = in.readDouble();
        }
        return new ScoreHistogram(counts, means);
    }

    // --- pair tests and prediction segments ---

    private static void writeJoint(Joint j, DataOutputView out) throws IOException {
        if (!present(j, out)) {
            return;
        }
        writeStrings(j.features(), out);
        out.writeInt(j.pairsTested());
        PairHealth[] pairs = j.pairs();
        if (length(pairs, out)) {
            for (PairHealth p : pairs) {
                if (present(p, out)) {
                    WireStrings.write(p.first(), out);
                    WireStrings.write(p.second(), out);
                    writeDouble(p.reference(), out);
                    out.writeLong(p.referenceCount());
                    writeDouble(p.window(), out);
                    out.writeLong(p.windowCount());
                    writeDouble(p.z(), out);
                    out.writeDouble(p.pValue());
                    out.writeDouble(p.change());
                    out.writeDouble(p.threshold());
                    out.writeBoolean(p.drifted());
                }
            }
        }
    }

    private static Joint readJoint(DataInputView in) throws IOException {
        if (in.readByte() == ABSENT) {
            return null;
        }
        String[] features = readStrings(in);
        int pairsTested = in.readInt();
        int n = in.readInt();
        PairHealth[] pairs = n < 0 ? null : new PairHealth[n];
        for (int i = 0; i < n; i++) {
            pairs[i] = in.readByte() == ABSENT ? null : new PairHealth(WireStrings.read(in),
                    WireStrings.read(in), readDouble(in), in.readLong(), readDouble(in), in.readLong(),
                    readDouble(in), in.readDouble(), in.readDouble(), in.readDouble(), in.readBoolean());
        }
        return new Joint(features, pairsTested, pairs);
    }

    private static void writeShift(PredictionShift s, DataOutputView out) throws IOException {
        if (!present(s, out)) {
            return;
        }
        WireStrings.write(s.quantity(), out);
        out.writeDouble(s.referenceMean());
        out.writeDouble(s.windowMean());
        out.writeInt(s.segmentsTested());
        ShiftSegment[] segments = s.segments();
        if (length(segments, out)) {
            for (ShiftSegment g : segments) {
                if (present(g, out)) {
                    WireStrings.write(g.segment(), out);
                    WireStrings.write(g.feature(), out);
                    WireStrings.write(g.value(), out);
                    out.writeDouble(g.before());
                    out.writeDouble(g.after());
                    out.writeDouble(g.referenceShare());
                    out.writeDouble(g.share());
                    out.writeLong(g.events());
                    out.writeDouble(g.pValue());
                    out.writeDouble(g.contribution());
                    out.writeDouble(g.explained());
                }
            }
        }
    }

    private static PredictionShift readShift(DataInputView in) throws IOException {
        if (in.readByte() == ABSENT) {
            return null;
        }
        String quantity = WireStrings.read(in);
        double referenceMean = in.readDouble();
        double windowMean = in.readDouble();
        int segmentsTested = in.readInt();
        int n = in.readInt();
        ShiftSegment[] segments = n < 0 ? null : new ShiftSegment[n];
        for (int i = 0; i < n; i++) {
            segments[i] = in.readByte() == ABSENT ? null : new ShiftSegment(WireStrings.read(in),
                    WireStrings.read(in), WireStrings.read(in), in.readDouble(), in.readDouble(),
                    in.readDouble(), in.readDouble(), in.readLong(), in.readDouble(), in.readDouble(), in.readDouble());
        }
        return new PredictionShift(quantity, referenceMean, windowMean, segmentsTested, segments);
    }

    // --- shared shapes ---

    /** Writes whether {@code value} is there; true when it is (its fields follow). */
    private static boolean present(Object value, DataOutputView out) throws IOException {
        out.writeByte(value == null ? ABSENT : PRESENT);
        return value != null;
    }

    /** Writes an array's length, -1 for null; true when its elements follow. */
    private static boolean length(Object[] array, DataOutputView out) throws IOException {
        out.writeInt(array == null ? -1 : array.length);
        return array != null && array.length > 0;
    }

    private static void writeDouble(Double value, DataOutputView out) throws IOException {
        if (present(value, out)) {
            out.writeDouble(value);
        }
    }

    private static Double readDouble(DataInputView in) throws IOException {
        return in.readByte() == ABSENT ? null : in.readDouble();
    }

    private static void writeStrings(String[] strings, DataOutputView out) throws IOException {
        if (length(strings, out)) {
            for (String s : strings) {
                WireStrings.write(s, out);
            }
        }
    }

    private static String[] readStrings(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        String[] strings = new String[n];
        for (int i = 0; i < n; i++) {
            strings[i] = WireStrings.read(in);
        }
        return strings;
    }

    @Override
    public TypeSerializerSnapshot<HealthReport> snapshotConfiguration() {
        return new Snapshot();
    }

    /** No configuration to snapshot; reports only cross the network through this serializer. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<HealthReport> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
