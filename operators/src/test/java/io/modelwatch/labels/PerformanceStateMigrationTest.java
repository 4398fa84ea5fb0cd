package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.ModelKey;
import io.modelwatch.serde.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The performance monitor restores the windows kept for revisions in every format a savepoint
 * of the release can hold, and sends the same revisions, reports and decay signals from them as
 * the release did. The snapshots and the release's outputs after restoring them are written by
 * {@link PerformanceSnapshotWriter} with the release's code (span formats 2 and 3).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PerformanceStateMigrationTest {
    static Path snapshots() throws Exception {
        return Path.of(PerformanceStateMigrationTest.class.getResource("/snapshots").toURI());
    }

    /** The release's outputs after restoring {@code name}, from the fixture file. */
    static List<String> releaseOutputs(String name) throws Exception {
        List<String> lines = Files.readAllLines(snapshots().resolve("performance-spans-revisions.txt"));
        List<String> section = new ArrayList<>();
        boolean in = false;
        for (String line : lines) {
            if (line.startsWith("# ")) {
                in = line.equals("# " + name);
            } else if (in) {
                section.add(line);
            }
        }
        return section;
    }

    static List<String> outputsAfterRestoring(String name, boolean labelledModelsOnly) throws Exception {
        try (var h = PerformanceSnapshotWriter.harness(labelledModelsOnly)) {
            h.initializeState(OperatorSnapshotUtil.readStateHandle(snapshots().resolve(name).toString()));
            h.open();
            PerformanceSnapshotWriter.after(h);
            return PerformanceSnapshotWriter.outputs(h);
        }
    }

    @Test
    void reportsKeptAsDeflatedJsonAreRevisedAsTheReleaseRevisedThem() throws Exception {
        List<String> expected = releaseOutputs("performance-spans-rocksdb-savepoint");
        // Revision 0 of the window that waited at the savepoint, revisions 1 of windows 0 and 1
        // (whole reports, read back from format 2), and window 1's decay signal.
        assertThat(expected).hasSize(6).anyMatch(s -> s.startsWith("signal "))
                .anyMatch(s -> s.contains("\"revision\":1") && s.contains("\"upgrade\":"));
        assertThat(outputsAfterRestoring("performance-spans-rocksdb-savepoint", false)).isEqualTo(expected);
    }

    @Test
    void summariesKeptInLabelledModelsModeStillSignalAsTheReleaseDid() throws Exception {
        List<String> expected = releaseOutputs("performance-summaries-rocksdb-savepoint");
        assertThat(expected).anyMatch(s -> s.startsWith("signal ") && s.contains("\"eventsSeen\":60"));
        assertThat(outputsAfterRestoring("performance-summaries-rocksdb-savepoint", true)).isEqualTo(expected);
    }

    /** Format 1 (the report as plain JSON), built as the release's code wrote it. */
    static byte[] format1(HealthReport r, int revision, boolean assessed, long end) {
        byte[] json = Json.toBytes(r);
        return ByteBuffer.allocate(18 + json.length).put((byte) 1).putInt(revision).put((byte) (assessed ? 1 : 0))
                .putLong(end).putInt(json.length).put(json).array();
    }

    @Test
    void aReportKeptAsPlainJsonIsReadAndConvertedWhenItsHeaderChanges() {
        HealthReport r = PerformanceSnapshotWriter.report("m", 2);
        byte[] stored = format1(r, 0, false, 3 * PerformanceSnapshotWriter.MINUTE);
        long start = 2 * PerformanceSnapshotWriter.MINUTE;
        WindowResult read = WindowResult.read(start, stored);
        assertThat(read.revision()).isZero();
        assertThat(json(read.toReport(ModelKey.of("m", "1"), 0, null))).isEqualTo(json(r));

        byte[] converted = WindowResult.withHeader(start, stored, 1, true);
        assertThat(converted[0]).isEqualTo((byte) WindowResult.FORMAT);
        assertThat(WindowResult.header(converted)).isEqualTo(new WindowResult.Header(1, true, 3 * 60_000L));
        assertThat(json(WindowResult.read(start, converted).toReport(ModelKey.of("m", "1"), 0, null)))
                .isEqualTo(json(r));
    }

    @Test
    void everyPartOfAReportAndEveryNullSurvivesTheRoundTrip() {
        for (int k = 0; k < 3; k++) {
            HealthReport r = PerformanceSnapshotWriter.report("m", k);
            WindowResult w = WindowResult.of(r).revised(3, k == 1);
            WindowResult back = WindowResult.read(w.start(), w.toBytes());
            assertThat(WindowResult.header(w.toBytes())).isEqualTo(new WindowResult.Header(3, k == 1, w.end()));
            assertThat(json(back.toReport(ModelKey.of("m", "1"), 0, null))).isEqualTo(json(r));
            WindowResult summary = WindowResult.read(w.start(), w.summary().toBytes());
            assertThat(summary.report()).isNull();
            assertThat(summary.eventsSeen()).isEqualTo(r.eventsSeen());
            assertThat(summary.thresholdsVersion()).isEqualTo("v1");
        }
        HealthReport bare = new HealthReport("m", "1", "1970-01-01T00:00:00.001Z", "1970-01-01T00:01:00.001Z",
                HealthReport.OK, 1, 1, 0, null, null, null, null, null, 0, null);
        WindowResult w = WindowResult.of(bare);
        assertThat(json(WindowResult.read(w.start(), w.toBytes()).toReport(ModelKey.of("m", "1"), 0, null)))
                .isEqualTo(json(bare));
    }

    static String json(Object value) {
        return new String(Json.toBytes(value), StandardCharsets.UTF_8);
    }

    /** {@code r} with pair tests: a flagged pair with every value, and one whose correlations were undefined. */
    static HealthReport withPairs(HealthReport r) {
        return new HealthReport(r.modelId(), r.modelVersion(), r.windowStart(), r.windowEnd(), r.status(), r.events(),
                r.eventsSeen(), r.referenceEvents(), r.features(), r.prediction(), r.quality(), r.escalation(),
                r.thresholdsVersion(), r.revision(), r.performance(), r.control(), r.upgrade(),
                new HealthReport.Joint(new String[] {"income", "spend", "tenure"}, 3, new HealthReport.PairHealth[] {
                    new HealthReport.PairHealth("income", "spend", 0.79, 5000, -0.78, 1200, -61.2, 0.0, 1.57, 0.2,
                            true),
                    new HealthReport.PairHealth("income", "tenure", null, 5000, null, 1200, null, 1, 0, 0.2, false)}));
    }

    @Test
    void aReportsPairTestsSurviveTheRoundTripAndItsRevisions() {
        HealthReport r = withPairs(PerformanceSnapshotWriter.report("m", 1));
        WindowResult w = WindowResult.of(r);
        byte[] stored = w.toBytes();
        assertThat(stored[0]).isEqualTo((byte) WindowResult.FORMAT);
        assertThat(json(WindowResult.read(w.start(), stored).toReport(ModelKey.of("m", "1"), 0, null)))
                .isEqualTo(json(r)).contains("\"joint\":").contains("\"z\":-61.2");
        byte[] revised = WindowResult.withHeader(w.start(), stored, 2, true);
        assertThat(WindowResult.read(w.start(), revised).toReport(ModelKey.of("m", "1"), 2, null).joint().pairs())
                .extracting(HealthReport.PairHealth::first, HealthReport.PairHealth::second,
                        HealthReport.PairHealth::drifted)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("income", "spend", true),
                        org.assertj.core.groups.Tuple.tuple("income", "tenure", false));
    }

    /**
     * Format 4, as the builds before the report's pair tests wrote it: format 5's layout with the
     * report's body ending before the pair tests (here: a report without them, whose format-5
     * body ends in the one byte that marks their absence).
     */
    static byte[] format4(WindowResult w) throws Exception {
        byte[] five = w.toBytes();
        ByteBuffer in = ByteBuffer.wrap(five);
        in.position(14);
        readVarLong(in); // eventsSeen
        long versionLength = readVarLong(in) - 1;
        in.position(in.position() + (int) Math.max(versionLength, 0));
        assertThat(in.get()).isEqualTo((byte) 1); // a report follows
        int bodyAt = in.position();
        int length = (int) readVarLong(in) - 1;
        byte[] body = new byte[length];
        in.get(body);
        Inflater inflater = new Inflater();
        inflater.setInput(body);
        byte[] raw = new byte[1 << 16];
        int n = inflater.inflate(raw);
        inflater.end();
        assertThat(raw[n - 1]).isZero(); // no pair tests
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        deflater.setInput(raw, 0, n - 1);
        deflater.finish();
        byte[] packed = new byte[1 << 16];
        int m = deflater.deflate(packed);
        deflater.end();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(five, 0, bodyAt);
        long lengthPlusOne = m + 1L;
        long z = lengthPlusOne << 1; // zigzag of a positive number
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        out.write(packed, 0, m);
        byte[] four = out.toByteArray();
        four[0] = 4;
        return four;
    }

    static long readVarLong(ByteBuffer in) {
        long z = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.get() & 0xFF;
            z |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (z >>> 1) ^ -(z & 1);
            }
        }
    }

    @Test
    void aReportStoredInFormat4IsReadAndConvertedWhenItsHeaderChanges() throws Exception {
        HealthReport r = PerformanceSnapshotWriter.report("m", 2);
        WindowResult w = WindowResult.of(r).revised(1, false);
        byte[] stored = format4(w);
        WindowResult read = WindowResult.read(w.start(), stored);
        assertThat(read.revision()).isEqualTo(1);
        assertThat(json(read.toReport(ModelKey.of("m", "1"), 1, null))).isEqualTo(json(r.withPerformance(null, 1)))
                .doesNotContain("\"joint\"");
        byte[] converted = WindowResult.withHeader(w.start(), stored, 2, true);
        assertThat(converted[0]).isEqualTo((byte) WindowResult.FORMAT);
        assertThat(json(WindowResult.read(w.start(), converted).toReport(ModelKey.of("m", "1"), 1, null)))
                .isEqualTo(json(r.withPerformance(null, 1)));
    }

    /** {@code r} with an estimate as the model monitor makes it: raw, with its score histograms. */
    static HealthReport withEstimate(HealthReport r, boolean histograms) {
        HealthReport.EstimatedMetric acc = new HealthReport.EstimatedMetric(0.81, 0.78, 0.84);
        HealthReport.EstimatedPerformance e = new HealthReport.EstimatedPerformance(0.5,
                HealthReport.EstimatedPerformance.UNCALIBRATED, 1000, acc, null, acc, acc, acc, 0.85, true, null);
        if (histograms) {
            double[] scores = {0.01, 0.04, 0.33, 0.499, 0.5, 0.52, 0.77, 0.999, 1.0};
            double[] weights = {100, 28, 3, 1, 7, 300, 2, 16_000, 1};
            e = e.withScores(io.modelwatch.model.ScoreHistogram.of(scores, weights, 0.5),
                    io.modelwatch.model.ScoreHistogram.of(new double[] {0.2, 0.8}, new double[] {2500, 2500}, 0.5));
        }
        return r.withEstimatedPerformance(e);
    }

    /**
     * Format 5, as the builds before the calibrated estimate wrote it: format 7's layout with the
     * estimate ending at {@code realised} and no prediction segments (here: a report whose
     * estimate has no calibration labels and no histograms, no pair tests and no prediction
     * segments, whose format-7 body ends in the three bytes that mark the estimate's absent parts,
     * the one of the pair tests' and the one of the prediction segments').
     */
    static byte[] format5(WindowResult w) throws Exception {
        byte[] six = w.toBytes();
        ByteBuffer in = ByteBuffer.wrap(six);
        in.position(14);
        readVarLong(in);
        long versionLength = readVarLong(in) - 1;
        in.position(in.position() + (int) Math.max(versionLength, 0));
        assertThat(in.get()).isEqualTo((byte) 1);
        int bodyAt = in.position();
        int length = (int) readVarLong(in) - 1;
        byte[] body = new byte[length];
        in.get(body);
        Inflater inflater = new Inflater();
        inflater.setInput(body);
        byte[] raw = new byte[1 << 16];
        int n = inflater.inflate(raw);
        inflater.end();
        assertThat(new byte[] {raw[n - 5], raw[n - 4], raw[n - 3], raw[n - 2], raw[n - 1]}).containsOnly(0);
        raw[n - 5] = 0; // the pair tests' absence
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        deflater.setInput(raw, 0, n - 4);
        deflater.finish();
        byte[] packed = new byte[1 << 16];
        int m = deflater.deflate(packed);
        deflater.end();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(six, 0, bodyAt);
        long z = (m + 1L) << 1;
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        out.write(packed, 0, m);
        byte[] five = out.toByteArray();
        five[0] = 5;
        return five;
    }

    @Test
    void aReportWithAnEstimateStoredInFormat5IsReadAndConvertedWhenItsHeaderChanges() throws Exception {
        HealthReport r = withEstimate(PerformanceSnapshotWriter.report("m", 2), false);
        WindowResult w = WindowResult.of(r).revised(1, false);
        byte[] stored = format5(w);
        WindowResult read = WindowResult.read(w.start(), stored);
        assertThat(read.report().estimatedPerformance()).isEqualTo(r.estimatedPerformance());
        assertThat(json(read.toReport(ModelKey.of("m", "1"), 1, null))).isEqualTo(json(r.withPerformance(null, 1)))
                .contains("\"calibration\":\"none\"");
        byte[] converted = WindowResult.withHeader(w.start(), stored, 2, true);
        assertThat(converted[0]).isEqualTo((byte) WindowResult.FORMAT);
        assertThat(WindowResult.read(w.start(), converted).report().estimatedPerformance())
                .isEqualTo(r.estimatedPerformance());
    }

    @Test
    void anEstimatesScoreHistogramsSurviveTheRoundTrip() {
        HealthReport r = withEstimate(PerformanceSnapshotWriter.report("m", 1), true);
        WindowResult w = WindowResult.of(r);
        HealthReport.EstimatedPerformance back = WindowResult.read(w.start(), w.toBytes()).report()
                .estimatedPerformance();
        io.modelwatch.model.ScoreHistogram kept = back.windowScores();
        io.modelwatch.model.ScoreHistogram sent = r.estimatedPerformance().windowScores();
        // The very same histogram: its means are held to the codes the state keeps.
        assertThat(kept).isEqualTo(sent);
        assertThat(back.referenceScores().counts()).containsExactly(
                r.estimatedPerformance().referenceScores().counts());
        assertThat(json(back)).isEqualTo(json(r.estimatedPerformance()));
        // Every cell's kept mean stays in its bin and on its side of the threshold.
        for (int c = 0; c < io.modelwatch.model.ScoreHistogram.CELLS; c++) {
            if (kept.counts()[c] > 0) {
                assertThat(io.modelwatch.model.ScoreHistogram.bin(kept.means()[c])).isEqualTo(c / 2);
            }
        }
    }
}
