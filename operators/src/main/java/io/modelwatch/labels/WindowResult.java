package io.modelwatch.labels;

import io.modelwatch.stats.sketches.VarLongs;

import io.modelwatch.ingest.Timestamps;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.Control;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.EscalationState;
import io.modelwatch.model.HealthReport.EstimatedMetric;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.HealthReport.QualityCounts;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.model.HealthReport.Quantiles;
import io.modelwatch.model.HealthReport.Upgrade;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.ScoreHistogram;
import io.modelwatch.serde.Json;
import io.modelwatch.stats.sketches.StateBytes;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * What the performance monitor keeps of one window's health report, by window start, for the
 * label horizon: enough to send the report again as a revision with new performance, and to
 * assess the window for a decay signal. Times are epoch milliseconds; the report is rendered as
 * JSON only at the sink.
 *
 * @param revision the last revision sent, {@link #AWAITING} until revision 0 went out
 * @param assessed whether the window has been assessed for a decay (once, at {@code minLabels})
 * @param start the window's start (the state's map key; not in the bytes)
 * @param end the window's end, exclusive
 * @param eventsSeen the report's {@code eventsSeen}, for the decay signal
 * @param thresholdsVersion the report's thresholds version, for the decay signal
 * @param report the rest of the report, or null when only the summary above is kept
 *     ({@code --label-join labelled-models}: no revisions for the window)
 */
public record WindowResult(int revision, boolean assessed, long start, long end, long eventsSeen,
        String thresholdsVersion, Report report) {
    public static final int AWAITING = -1;

    /**
     * The formats of a stored window result. All share the header: format (1 byte), revision
     * (int), assessed (boolean), end (long): 14 bytes, so a walk over the windows reads only those
     * and a new revision rewrites them in place ({@link #withHeader}). Formats 1 to 3 can be in
     * savepoints of release 0.1.0, 4 in those of the builds before the estimated performance
     * and the pair tests, 5 in those of the builds before the calibrated estimate and the
     * prediction segments (6 was written by no build on main): they are read, and converted to 7
     * when rewritten; 7 is written.
     * <ul>
     *   <li>1: header, body length (int), the report as JSON.
     *   <li>2: as 1, the JSON deflated.
     *   <li>3: header, body length (int), eventsSeen (long), thresholdsVersion (modified UTF-8,
     *       empty for none): a summary without the report.
     *   <li>4: header, eventsSeen, thresholdsVersion, whether a {@link Report} follows, and the
     *       report: its length and its bytes, deflated (zlib level 1), written with
     *       {@link StateBytes} field by field in the order of the records, nulls marked
     *       ({@link #writeTo}). Counts and lengths are zigzag varints.
     *   <li>5: as 4, the report followed by its estimated performance and its pair tests
     *       ({@link HealthReport.Joint}), nulls marked.
     *   <li>6: as 5, the estimated performance followed by its calibration's labels (nullable) and
     *       its two {@link ScoreHistogram}s, window's and reference's ({@link #writeHistogram}:
     *       about 5 bytes per occupied cell, so some 100 bytes a window).
     *   <li>7: as 6, followed by the segments of its prediction drift
     *       ({@link HealthReport.PredictionShift}), null marked.
     * </ul>
     */
    static final int FORMAT = 7;

    private static final int JSON = 1;
    private static final int DEFLATED_JSON = 2;
    private static final int SUMMARY = 3;
    private static final int WITHOUT_ESTIMATE_OR_PAIRS = 4;
    private static final int WITHOUT_SCORE_HISTOGRAMS = 5;
    private static final int WITHOUT_PREDICTION_SEGMENTS = 6;
    private static final int HEADER_BYTES = 14;

    /**
     * The parts of a health report that stay the same in all its revisions (revision and
     * performance change) and that the state key (model id and version) and the window's times
     * do not give.
     */
    public record Report(
            String status,
            long events,
            long referenceEvents,
            FeatureHealth[] features,
            FeatureHealth prediction,
            QualityCounts quality,
            EscalationState escalation,
            Control control,
            Upgrade upgrade,
            EstimatedPerformance estimatedPerformance,
            HealthReport.Joint joint,
            HealthReport.PredictionShift predictionSegments) {}

    /** Revision, assessed flag and end of a stored window result, read without its body. */
    public record Header(int revision, boolean assessed, long end) {}

    /** {@code r}, awaiting revision 0. */
    public static WindowResult of(HealthReport r) {
        // The job's own instants (Instant.toString): Timestamps' fast path, not DateTimeFormatter,
        // which was a tenth of the performance monitor's thread at 10 events per model-minute.
        return new WindowResult(AWAITING, false, Timestamps.parse(r.windowStart()),
                Timestamps.parse(r.windowEnd()), r.eventsSeen(), r.thresholdsVersion(),
                new Report(r.status(), r.events(), r.referenceEvents(), r.features(), r.prediction(), r.quality(),
                        r.escalation(), r.control(), r.upgrade(), r.estimatedPerformance(), r.joint(),
                        r.predictionSegments()));
    }

    /** This result after revision {@code newRevision}. */
    public WindowResult revised(int newRevision, boolean newAssessed) {
        return new WindowResult(newRevision, newAssessed, start, end, eventsSeen, thresholdsVersion, report);
    }

    /** This result without its report: what the labelled-models mode keeps of an unlabelled version. */
    public WindowResult summary() {
        return new WindowResult(revision, assessed, start, end, eventsSeen, thresholdsVersion, null);
    }

    /**
     * The health report of model version {@code modelKey} as revision {@code newRevision} with
     * {@code performance}; the report must be kept ({@code report() != null}).
     */
    public HealthReport toReport(String modelKey, int newRevision, HealthReport.Performance performance) {
        Report b = report;
        return new HealthReport(ModelKey.modelId(modelKey), ModelKey.modelVersion(modelKey),
                Instant.ofEpochMilli(start).toString(), Instant.ofEpochMilli(end).toString(), b.status(), b.events(),
                eventsSeen, b.referenceEvents(), b.features(), b.prediction(), b.quality(), b.escalation(),
                thresholdsVersion, newRevision, performance, b.control(), b.upgrade(), b.estimatedPerformance(), b.joint(),
                b.predictionSegments());
    }

    public byte[] toBytes() {
        return StateBytes.of(this::writeTo);
    }

    public static Header header(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes, 1, HEADER_BYTES - 1);
        return new Header(b.getInt(), b.get() != 0, b.getLong());
    }

    /**
     * The stored {@code bytes} of the window starting at {@code start} with a new revision and
     * assessed flag: the header rewritten in place in format 4, an older format converted.
     */
    public static byte[] withHeader(long start, byte[] bytes, int revision, boolean assessed) {
        if (bytes[0] != FORMAT) {
            return read(start, bytes).revised(revision, assessed).toBytes();
        }
        byte[] b = bytes.clone();
        ByteBuffer.wrap(b, 1, 5).putInt(revision).put((byte) (assessed ? 1 : 0));
        return b;
    }

    /** The window result stored as {@code bytes} (any format) for the window starting at {@code start}. */
    public static WindowResult read(long start, byte[] bytes) {
        return StateBytes.read(bytes, in -> readFrom(in, start));
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(revision);
        out.writeBoolean(assessed);
        out.writeLong(end);
        writeVarLong(out, eventsSeen);
        writeString(out, thresholdsVersion);
        out.writeBoolean(report != null);
        if (report != null) {
            byte[] body = deflate(StateBytes.of(o -> writeReport(o, report)));
            writeVarLong(out, body.length + 1L);
            out.write(body);
        }
    }

    private static void writeReport(DataOutput out, Report report) throws IOException {
        writeString(out, report.status());
        writeVarLong(out, report.events());
        writeVarLong(out, report.referenceEvents());
        writeFeatures(out, report.features());
        writeFeature(out, report.prediction());
        writeQuality(out, report.quality());
        writeEscalation(out, report.escalation());
        writeControl(out, report.control());
        writeUpgrade(out, report.upgrade());
        writeEstimate(out, report.estimatedPerformance());
        writeJoint(out, report.joint());
        writePredictionSegments(out, report.predictionSegments());
    }

    static WindowResult readFrom(DataInput in, long start) throws IOException {
        int format = in.readByte();
        int revision = in.readInt();
        boolean assessed = in.readBoolean();
        long end = in.readLong();
        switch (format) {
            case FORMAT, WITHOUT_PREDICTION_SEGMENTS, WITHOUT_SCORE_HISTOGRAMS, WITHOUT_ESTIMATE_OR_PAIRS -> {
                long eventsSeen = readVarLong(in);
                String thresholdsVersion = readString(in);
                Report report = null;
                if (in.readBoolean()) {
                    byte[] body = new byte[Math.max(readLength(in), 0)];
                    in.readFully(body);
                    report = StateBytes.read(inflate(body), i -> readReport(i, format));
                }
                return new WindowResult(revision, assessed, start, end, eventsSeen, thresholdsVersion, report);
            }
            case JSON, DEFLATED_JSON -> {
                byte[] body = new byte[in.readInt()];
                in.readFully(body);
                HealthReport r = Json.read(format == DEFLATED_JSON ? inflate(body) : body, HealthReport.class);
                WindowResult of = of(r);
                return new WindowResult(revision, assessed, start, end, of.eventsSeen(), of.thresholdsVersion(),
                        of.report());
            }
            case SUMMARY -> {
                in.readInt();
                long eventsSeen = in.readLong();
                String version = in.readUTF();
                return new WindowResult(revision, assessed, start, end, eventsSeen,
                        version.isEmpty() ? null : version, null);
            }
            default -> throw new IOException("unknown performance window format " + format);
        }
    }

    private static Report readReport(DataInput in, int format) throws IOException {
        boolean withEstimateAndPairs = format != WITHOUT_ESTIMATE_OR_PAIRS;
        return new Report(readString(in), readVarLong(in), readVarLong(in), readFeatures(in), readFeature(in),
                readQuality(in), readEscalation(in), readControl(in), readUpgrade(in),
                withEstimateAndPairs ? readEstimate(in, format >= WITHOUT_PREDICTION_SEGMENTS) : null,
                withEstimateAndPairs ? readJoint(in) : null,
                format >= FORMAT ? readPredictionSegments(in) : null);
    }

    /** zlib at level 1: the report's repeated names and thresholds shrink; its doubles hardly do. */
    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(raw);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 16);
            byte[] buf = new byte[4096];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] packed) throws IOException {
        Inflater i = new Inflater();
        try {
            i.setInput(packed);
            ByteArrayOutputStream out = new ByteArrayOutputStream(packed.length * 4);
            byte[] buf = new byte[8192];
            while (!i.finished()) {
                int n = i.inflate(buf);
                if (n == 0 && (i.needsInput() || i.needsDictionary())) {
                    throw new IOException("truncated performance span");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IOException(e);
        } finally {
            i.end();
        }
    }

    // Field codecs. Counts are small and non-negative in practice: zigzag varints. Nullable
    // values carry a marker; arrays and strings their length + 1 (0: null).

    private static void writeVarLong(DataOutput out, long v) throws IOException {
        VarLongs.writeSigned(out, v);
    }

    private static long readVarLong(DataInput in) throws IOException {
        return VarLongs.readSigned(in, "performance window");
    }

    /** Length + 1 (0 for null), then the elements. */
    private static int readLength(DataInput in) throws IOException {
        long n = readVarLong(in) - 1;
        if (n < -1 || n > Integer.MAX_VALUE - 8) {
            throw new IOException("bad length " + n + " in performance window");
        }
        return (int) n;
    }

    private static void writeLength(DataOutput out, Object[] array) throws IOException {
        writeVarLong(out, array == null ? 0 : array.length + 1L);
    }

    private static void writeString(DataOutput out, String s) throws IOException {
        if (s == null) {
            writeVarLong(out, 0);
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeVarLong(out, utf8.length + 1L);
        out.write(utf8);
    }

    private static String readString(DataInput in) throws IOException {
        int n = readLength(in);
        if (n < 0) {
            return null;
        }
        byte[] utf8 = new byte[n];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static void writeStrings(DataOutput out, String[] a) throws IOException {
        writeLength(out, a);
        if (a != null) {
            for (String s : a) {
                writeString(out, s);
            }
        }
    }

    private static String[] readStrings(DataInput in) throws IOException {
        int n = readLength(in);
        if (n < 0) {
            return null;
        }
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
            a[i] = readString(in);
        }
        return a;
    }

    private static void writeNullableDouble(DataOutput out, Double d) throws IOException {
        out.writeBoolean(d != null);
        if (d != null) {
            out.writeDouble(d);
        }
    }

    private static Double readNullableDouble(DataInput in) throws IOException {
        return in.readBoolean() ? in.readDouble() : null;
    }

    private static void writeFeatures(DataOutput out, FeatureHealth[] a) throws IOException {
        writeLength(out, a);
        if (a != null) {
            for (FeatureHealth f : a) {
                writeFeature(out, f);
            }
        }
    }

    private static FeatureHealth[] readFeatures(DataInput in) throws IOException {
        int n = readLength(in);
        if (n < 0) {
            return null;
        }
        FeatureHealth[] a = new FeatureHealth[n];
        for (int i = 0; i < n; i++) {
            a[i] = readFeature(in);
        }
        return a;
    }

    private static void writeFeature(DataOutput out, FeatureHealth f) throws IOException {
        out.writeBoolean(f != null);
        if (f == null) {
            return;
        }
        writeString(out, f.name());
        writeString(out, f.type());
        writeVarLong(out, f.count());
        writeVarLong(out, f.missing());
        writeVarLong(out, f.typeMismatches());
        writeNullableDouble(out, f.mean());
        writeNullableDouble(out, f.stddev());
        writeNullableDouble(out, f.min());
        writeNullableDouble(out, f.max());
        Quantiles q = f.quantiles();
        out.writeBoolean(q != null);
        if (q != null) {
            out.writeDouble(q.p05());
            out.writeDouble(q.p25());
            out.writeDouble(q.p50());
            out.writeDouble(q.p75());
            out.writeDouble(q.p95());
        }
        CategoryCount[] top = f.topCategories();
        writeLength(out, top);
        if (top != null) {
            for (CategoryCount c : top) {
                out.writeBoolean(c != null);
                if (c != null) {
                    writeString(out, c.value());
                    writeVarLong(out, c.count());
                }
            }
        }
        DriftStatistic[] drift = f.drift();
        writeLength(out, drift);
        if (drift != null) {
            for (DriftStatistic d : drift) {
                out.writeBoolean(d != null);
                if (d != null) {
                    writeString(out, d.statistic());
                    out.writeDouble(d.value());
                    writeNullableDouble(out, d.threshold());
                    out.writeBoolean(d.drifted());
                }
            }
        }
    }

    private static FeatureHealth readFeature(DataInput in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        String name = readString(in);
        String type = readString(in);
        long count = readVarLong(in);
        long missing = readVarLong(in);
        long typeMismatches = readVarLong(in);
        Double mean = readNullableDouble(in);
        Double stddev = readNullableDouble(in);
        Double min = readNullableDouble(in);
        Double max = readNullableDouble(in);
        Quantiles q = in.readBoolean()
                ? new Quantiles(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble())
                : null;
        int n = readLength(in);
        CategoryCount[] top = n < 0 ? null : new CategoryCount[n];
        for (int i = 0; i < n; i++) {
            top[i] = in.readBoolean() ? new CategoryCount(readString(in), readVarLong(in)) : null;
        }
        n = readLength(in);
        DriftStatistic[] drift = n < 0 ? null : new DriftStatistic[n];
        for (int i = 0; i < n; i++) {
            drift[i] = in.readBoolean()
                    ? new DriftStatistic(readString(in), in.readDouble(), readNullableDouble(in), in.readBoolean())
                    : null;
        }
        return new FeatureHealth(name, type, count, missing, typeMismatches, mean, stddev, min, max, q, top, drift);
    }

    private static void writeQuality(DataOutput out, QualityCounts q) throws IOException {
        out.writeBoolean(q != null);
        if (q == null) {
            return;
        }
        writeVarLong(out, q.lateEvents());
        writeVarLong(out, q.unknownFeatureValues());
        writeVarLong(out, q.typeMismatches());
        writeVarLong(out, q.featuresOverCap());
        writeVarLong(out, q.nonFiniteValues());
        writeVarLong(out, q.outOfRangeValues());
        writeVarLong(out, q.unseenCategoryValues());
        writeNullableDouble(out, q.expectedEvents());
        QualityFinding[] findings = q.findings();
        writeLength(out, findings);
        if (findings != null) {
            for (QualityFinding f : findings) {
                out.writeBoolean(f != null);
                if (f != null) {
                    writeString(out, f.signal());
                    writeString(out, f.statistic());
                    out.writeDouble(f.value());
                    out.writeDouble(f.threshold());
                    out.writeDouble(f.pValue());
                }
            }
        }
    }

    private static QualityCounts readQuality(DataInput in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        long late = readVarLong(in);
        long unknown = readVarLong(in);
        long mismatches = readVarLong(in);
        long overCap = readVarLong(in);
        long nonFinite = readVarLong(in);
        long outOfRange = readVarLong(in);
        long unseen = readVarLong(in);
        Double expected = readNullableDouble(in);
        int n = readLength(in);
        QualityFinding[] findings = n < 0 ? null : new QualityFinding[n];
        for (int i = 0; i < n; i++) {
            findings[i] = in.readBoolean() ? new QualityFinding(readString(in), readString(in), in.readDouble(),
                    in.readDouble(), in.readDouble()) : null;
        }
        return new QualityCounts(late, unknown, mismatches, overCap, nonFinite, outOfRange, unseen, expected,
                findings);
    }

    private static void writeEscalation(DataOutput out, EscalationState e) throws IOException {
        out.writeBoolean(e != null);
        if (e != null) {
            writeVarLong(out, e.driftedWindows());
            writeVarLong(out, e.windowsToTrigger());
            writeString(out, e.within());
        }
    }

    private static EscalationState readEscalation(DataInput in) throws IOException {
        return in.readBoolean()
                ? new EscalationState((int) readVarLong(in), (int) readVarLong(in), readString(in))
                : null;
    }

    private static void writeControl(DataOutput out, Control c) throws IOException {
        out.writeBoolean(c != null);
        if (c != null) {
            writeString(out, c.commandId());
            writeString(out, c.allModelsCommandId());
            writeStrings(out, c.overrides());
            writeString(out, c.rejected());
            writeString(out, c.referenceCommandId());
            writeString(out, c.referenceAction());
            writeString(out, c.referenceAppliedAt());
        }
    }

    private static Control readControl(DataInput in) throws IOException {
        return in.readBoolean()
                ? new Control(readString(in), readString(in), readStrings(in), readString(in), readString(in),
                        readString(in), readString(in))
                : null;
    }

    private static void writeUpgrade(DataOutput out, Upgrade u) throws IOException {
        out.writeBoolean(u != null);
        if (u != null) {
            writeString(out, u.fromThresholdsVersion());
            writeStrings(out, u.changed());
        }
    }

    private static Upgrade readUpgrade(DataInput in) throws IOException {
        return in.readBoolean() ? new Upgrade(readString(in), readStrings(in)) : null;
    }

    private static void writeEstimate(DataOutput out, EstimatedPerformance e) throws IOException {
        out.writeBoolean(e != null);
        if (e == null) {
            return;
        }
        out.writeDouble(e.threshold());
        writeString(out, e.calibration());
        writeVarLong(out, e.events());
        for (EstimatedMetric m : new EstimatedMetric[] {e.accuracy(), e.precision(), e.recall(), e.f1(), e.auc()}) {
            out.writeBoolean(m != null);
            if (m != null) {
                out.writeDouble(m.value());
                out.writeDouble(m.lower());
                out.writeDouble(m.upper());
            }
        }
        writeNullableDouble(out, e.referenceAccuracy());
        out.writeBoolean(e.decayed());
        writeString(out, e.realised());
        out.writeBoolean(e.calibrationLabels() != null);
        if (e.calibrationLabels() != null) {
            writeVarLong(out, e.calibrationLabels());
        }
        writeHistogram(out, e.windowScores());
        writeHistogram(out, e.referenceScores());
    }

    /**
     * Presence; a bit mask of the occupied cells (a varint); per occupied cell its count (a
     * varint) and its mean score's 16-bit code ({@link ScoreHistogram#meanCode}, which the
     * histogram's means already are: read back, they are the same doubles).
     */
    static void writeHistogram(DataOutput out, ScoreHistogram h) throws IOException {
        out.writeBoolean(h != null);
        if (h == null) {
            return;
        }
        long mask = 0;
        for (int c = 0; c < ScoreHistogram.CELLS; c++) {
            if (h.counts()[c] > 0) {
                mask |= 1L << c;
            }
        }
        writeVarLong(out, mask);
        for (int c = 0; c < ScoreHistogram.CELLS; c++) {
            if (h.counts()[c] > 0) {
                writeVarLong(out, h.counts()[c]);
                out.writeShort(ScoreHistogram.meanCode(c, h.means()[c]));
            }
        }
    }

    static ScoreHistogram readHistogram(DataInput in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        long mask = readVarLong(in);
        long[] counts = new long[ScoreHistogram.CELLS];
        double[] means = new double[ScoreHistogram.CELLS];
        for (int c = 0; c < ScoreHistogram.CELLS; c++) {
            if ((mask & (1L << c)) != 0) {
                counts[c] = readVarLong(in);
                means[c] = ScoreHistogram.mean(c, in.readUnsignedShort());
            }
        }
        return new ScoreHistogram(counts, means);
    }

    private static EstimatedPerformance readEstimate(DataInput in, boolean withCalibration) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        double threshold = in.readDouble();
        String calibration = readString(in);
        long events = readVarLong(in);
        EstimatedMetric[] m = new EstimatedMetric[5];
        for (int i = 0; i < m.length; i++) {
            m[i] = in.readBoolean() ? new EstimatedMetric(in.readDouble(), in.readDouble(), in.readDouble()) : null;
        }
        Double referenceAccuracy = readNullableDouble(in);
        boolean decayed = in.readBoolean();
        String realised = readString(in);
        if (!withCalibration) {
            return new EstimatedPerformance(threshold, calibration, events, m[0], m[1], m[2], m[3], m[4],
                    referenceAccuracy, decayed, realised);
        }
        Long labels = in.readBoolean() ? readVarLong(in) : null;
        return new EstimatedPerformance(threshold, calibration, events, m[0], m[1], m[2], m[3], m[4],
                referenceAccuracy, decayed, realised, labels, readHistogram(in), readHistogram(in));
    }

    private static void writeJoint(DataOutput out, HealthReport.Joint j) throws IOException {
        out.writeBoolean(j != null);
        if (j == null) {
            return;
        }
        writeStrings(out, j.features());
        writeVarLong(out, j.pairsTested());
        writeLength(out, j.pairs());
        if (j.pairs() != null) {
            for (HealthReport.PairHealth p : j.pairs()) {
                out.writeBoolean(p != null);
                if (p != null) {
                    writeString(out, p.first());
                    writeString(out, p.second());
                    writeNullableDouble(out, p.reference());
                    writeVarLong(out, p.referenceCount());
                    writeNullableDouble(out, p.window());
                    writeVarLong(out, p.windowCount());
                    writeNullableDouble(out, p.z());
                    out.writeDouble(p.pValue());
                    out.writeDouble(p.change());
                    out.writeDouble(p.threshold());
                    out.writeBoolean(p.drifted());
                }
            }
        }
    }

    private static HealthReport.Joint readJoint(DataInput in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        String[] features = readStrings(in);
        int tested = (int) readVarLong(in);
        int n = readLength(in);
        HealthReport.PairHealth[] pairs = null;
        if (n >= 0) {
            pairs = new HealthReport.PairHealth[n];
            for (int i = 0; i < n; i++) {
                if (in.readBoolean()) {
                    pairs[i] = new HealthReport.PairHealth(readString(in), readString(in), readNullableDouble(in),
                            readVarLong(in), readNullableDouble(in), readVarLong(in), readNullableDouble(in),
                            in.readDouble(), in.readDouble(), in.readDouble(), in.readBoolean());
                }
            }
        }
        return new HealthReport.Joint(features, tested, pairs);
    }

    private static void writePredictionSegments(DataOutput out, HealthReport.PredictionShift p) throws IOException {
        out.writeBoolean(p != null);
        if (p == null) {
            return;
        }
        writeString(out, p.quantity());
        out.writeDouble(p.referenceMean());
        out.writeDouble(p.windowMean());
        writeVarLong(out, p.segmentsTested());
        writeLength(out, p.segments());
        if (p.segments() != null) {
            for (HealthReport.ShiftSegment g : p.segments()) {
                writeString(out, g.segment());
                writeString(out, g.feature());
                writeString(out, g.value());
                out.writeDouble(g.before());
                out.writeDouble(g.after());
                out.writeDouble(g.referenceShare());
                out.writeDouble(g.share());
                writeVarLong(out, g.events());
                out.writeDouble(g.pValue());
                out.writeDouble(g.contribution());
                out.writeDouble(g.explained());
            }
        }
    }

    private static HealthReport.PredictionShift readPredictionSegments(DataInput in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        String quantity = readString(in);
        double referenceMean = in.readDouble();
        double windowMean = in.readDouble();
        int tested = (int) readVarLong(in);
        int n = readLength(in);
        HealthReport.ShiftSegment[] segments = null;
        if (n >= 0) {
            segments = new HealthReport.ShiftSegment[n];
            for (int i = 0; i < n; i++) {
                segments[i] = new HealthReport.ShiftSegment(readString(in), readString(in), readString(in),
                        in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), readVarLong(in),
                        in.readDouble(), in.readDouble(), in.readDouble());
            }
        }
        return new HealthReport.PredictionShift(quantity, referenceMean, windowMean, tested, segments);
    }
}
