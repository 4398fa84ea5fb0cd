package io.modelwatch.monitor;

import static io.modelwatch.monitor.ModelMonitorFunctionTest.CONFIG;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.serde.Json;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.testing.Events;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reference being learned is written back as the events added since the last write
 * ({@link LearningChunks}) and read back as the profile written whole with them replayed: what is
 * learned must be the same, byte for byte, as one profile that took every event in order.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LearningChunksTest {
    /**
     * 25 features (20 numeric, 5 categorical, one of them with 100 categories, past the top-K's
     * 64), some missing or non-finite, a feature that appears half-way, a categorical prediction.
     */
    static List<PredictionEvent> events(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] names = new String[25];
        byte[] kinds = new byte[25];
        for (int i = 0; i < 25; i++) {
            names[i] = (i < 20 ? "num_" : "cat_") + i;
            kinds[i] = i < 20 ? ValueKind.NUMERIC : ValueKind.CATEGORICAL;
        }
        String[] more = java.util.Arrays.copyOf(names, 26);
        more[25] = "late_feature";
        List<PredictionEvent> out = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            String[] ns = j < n / 2 ? names : more;
            byte[] ks = new byte[ns.length];
            double[] x = new double[ns.length];
            String[] s = new String[ns.length];
            for (int i = 0; i < ns.length; i++) {
                ks[i] = i < 20 || i == 25 ? ValueKind.NUMERIC : ValueKind.CATEGORICAL;
                if (ks[i] == ValueKind.NUMERIC) {
                    x[i] = 10 + 3 * r.nextDouble() + i;
                } else {
                    s[i] = i == 20 ? "c" + r.nextInt(100) : "c" + r.nextInt(6);
                }
                if (r.nextInt(50) == 0) {
                    ks[i] = ValueKind.MISSING;
                } else if (ks[i] == ValueKind.NUMERIC && r.nextInt(80) == 0) {
                    ks[i] = ValueKind.NON_FINITE;
                    x[i] = Double.NaN;
                }
            }
            out.add(new PredictionEvent("m", "1", "p" + j, j * 1000L, ns, ks, x, s, ValueKind.CATEGORICAL, 0,
                    r.nextBoolean() ? "yes" : "no"));
        }
        return out;
    }

    @Test
    void aProfileWrittenOnceAndThenAsChunksOfEventsReadsBackAsTheProfileThatTookThemInOrder() {
        // 1,000 events: past the sketch's k (200) of a profile being learned, and past the top-K's capacity.
        List<PredictionEvent> events = events(7, 1_000);
        ModelProfile whole = new ModelProfile();
        events.forEach(whole::add);

        // Written whole after 70 events, then a chunk every 10 to 150 events (checkpoints apart).
        byte[] base = null;
        List<byte[]> chunks = new ArrayList<>();
        ModelProfile merged = null;
        int[] cuts = {70, 80, 90, 240, 250, 400, 550, 555, 700, 850, 1_000};
        int from = 0;
        for (int cut : cuts) {
            List<PredictionEvent> part = events.subList(from, cut);
            if (base == null) {
                ModelProfile first = new ModelProfile();
                part.forEach(first::add);
                base = first.toBytes();
            } else {
                chunks.add(LearningChunks.of(part));
                assertThat(LearningChunks.events(chunks.get(chunks.size() - 1))).isEqualTo(part.size());
            }
            // What a delta profile merged in would give instead (not what is written).
            ModelProfile delta = new ModelProfile();
            part.forEach(delta::add);
            if (merged == null) {
                merged = delta;
            } else {
                merged.merge(delta);
            }
            from = cut;
        }
        ModelProfile read = ModelProfile.fromBytes(base);
        int replayed = 0;
        for (byte[] chunk : chunks) {
            replayed += LearningChunks.replay(chunk, read);
        }

        assertThat(replayed).isEqualTo(930);
        assertThat(read.toBytes()).isEqualTo(whole.toBytes());

        // The same chunks naming the written profile's features by a flag (the events of the
        // first half carry exactly those; the second half one more, so theirs are written out).
        String[] names = OpenWindow.names(ModelProfile.fromBytes(base));
        ModelProfile readWithNames = ModelProfile.fromBytes(base);
        from = cuts[0];
        long plainBytes = 0;
        long flaggedBytes = 0;
        for (int c = 1; c < cuts.length; c++) {
            List<PredictionEvent> part = events.subList(from, cuts[c]);
            byte[] flagged = LearningChunks.of(part, names);
            plainBytes += LearningChunks.of(part).length;
            flaggedBytes += flagged.length;
            LearningChunks.replay(flagged, readWithNames, names);
            from = cuts[c];
        }
        assertThat(readWithNames.toBytes()).isEqualTo(whole.toBytes());
        assertThat(flaggedBytes).isLessThan(plainBytes);
        // Why chunks hold events: merging profiles of the parts gives another profile (Welford's
        // moments merged by Chan's formula differ in their last bits, KLL sketches merged past k
        // compact other items).
        assertThat(merged.toBytes()).isNotEqualTo(whole.toBytes());
        assertThat(merged.features().get("num_0").moments().mean())
                .isNotEqualTo(whole.features().get("num_0").moments().mean());
    }

    @Test
    void aChunkOfNoEventsAndAnUnknownFormatAreHandled() {
        ModelProfile p = new ModelProfile();
        assertThat(LearningChunks.replay(LearningChunks.of(List.of()), p)).isZero();
        assertThat(p.events()).isZero();
        byte[] chunk = LearningChunks.of(events(1, 3));
        chunk[0] = 9;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LearningChunks.replay(chunk, new ModelProfile()))
                .hasMessageContaining("unknown format 9");
    }

    /**
     * Format 2 (varints, compact doubles, a table of categories) holds what format 1 held: a chunk
     * as the previous build wrote it replays into the very profile format 2's replays into, which is
     * the profile that took the events directly; format 2 is under 60% of the bytes here.
     */
    @Test
    void aFormat1ChunkReplaysAsTheFormat2ChunkOfTheSameEvents() throws Exception {
        List<PredictionEvent> events = new ArrayList<>(events(3, 300));
        // 4-decimal values, as parsed from JSON, and a numeric prediction in part of them.
        for (int j = 0; j < events.size(); j++) {
            PredictionEvent e = events.get(j);
            double[] x = e.numericValues().clone();
            for (int i = 0; i < x.length; i++) {
                x[i] = Double.isNaN(x[i]) ? x[i] : Math.round(x[i] * 1e4) / 1e4;
            }
            boolean numericPrediction = j % 3 == 0;
            events.set(j, new PredictionEvent("m", "1", e.predictionId(), e.timestamp(), e.featureNames(),
                    e.featureKinds(), x, e.categoricalValues(),
                    numericPrediction ? ValueKind.NUMERIC : ValueKind.CATEGORICAL, numericPrediction ? 0.25 * j : 0,
                    numericPrediction ? null : e.categoricalPrediction()));
        }
        ModelProfile direct = new ModelProfile();
        events.forEach(direct::add);
        byte[] format1 = format1Chunk(events);
        byte[] format2 = LearningChunks.of(events);
        assertThat(format2[0]).isEqualTo((byte) 2);
        assertThat(format2.length).isLessThan(format1.length * 6 / 10);
        assertThat(LearningChunks.events(format1)).isEqualTo(300);
        assertThat(LearningChunks.events(format2)).isEqualTo(300);
        ModelProfile fromFormat1 = new ModelProfile();
        ModelProfile fromFormat2 = new ModelProfile();
        LearningChunks.replay(format1, fromFormat1);
        LearningChunks.replay(format2, fromFormat2);
        assertThat(fromFormat1.toBytes()).isEqualTo(direct.toBytes());
        assertThat(fromFormat2.toBytes()).isEqualTo(direct.toBytes());
    }

    /** LearningChunks' format 1, as the previous build wrote it. */
    private static byte[] format1Chunk(List<PredictionEvent> events) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeByte(1);
        out.writeInt(events.size());
        String[] names = null;
        for (PredictionEvent e : events) {
            out.writeLong(e.timestamp());
            if (java.util.Arrays.equals(e.featureNames(), names)) {
                out.writeByte(1);
            } else {
                out.writeByte(0);
                out.writeInt(e.featureNames().length);
                for (String name : e.featureNames()) {
                    out.writeUTF(name);
                }
                names = e.featureNames();
            }
            for (int i = 0; i < names.length; i++) {
                out.writeByte(e.featureKinds()[i]);
                writeFormat1Value(out, e.featureKinds()[i], e.numericValues()[i], e.categoricalValues()[i]);
            }
            out.writeByte(e.predictionKind());
            writeFormat1Value(out, e.predictionKind() == ValueKind.NUMERIC ? ValueKind.NUMERIC : ValueKind.CATEGORICAL,
                    e.numericPrediction(), e.categoricalPrediction());
        }
        return bytes.toByteArray();
    }

    private static void writeFormat1Value(java.io.DataOutputStream out, byte kind, double x, String s)
            throws java.io.IOException {
        if (kind == ValueKind.NUMERIC) {
            out.writeDouble(x);
        } else if (kind == ValueKind.CATEGORICAL) {
            out.writeBoolean(s != null);
            if (s != null) {
                out.writeUTF(s);
            }
        }
    }

    private static void feed(MonitorHarness h, List<PredictionEvent> events, int batch) throws Exception {
        for (int i = 0; i < events.size(); i += batch) {
            List<PredictionEvent> b = events.subList(i, Math.min(i + batch, events.size()));
            h.processElement(new StreamRecord<>(new PredictionBatch(b.get(0).modelKey(),
                    b.toArray(PredictionEvent[]::new)), b.get(b.size() - 1).timestamp()));
        }
    }

    private static List<String> json(List<HealthReport> reports) {
        return reports.stream().map(r -> new String(Json.toBytes(r), java.nio.charset.StandardCharsets.UTF_8)).toList();
    }

    /** A reference learned (500 events) across checkpoints and a restore, then two windows, the second drifted. */
    @Test
    void checkpointsAndARestoreWhileLearningGiveTheSameReportsAsOneRunWithout() throws Exception {
        List<PredictionEvent> learning = Events.stream("m", 1, 500, 0, 100, 0, 0.0);
        List<PredictionEvent> windows = new ArrayList<>(Events.stream("m", 2, 300, MINUTE, 100, 0, 0));
        windows.addAll(Events.stream("m", 3, 300, 2 * MINUTE, 100, 1.5, 0.2));

        List<String> expected;
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            feed(h, learning, 20);
            feed(h, windows, 20);
            h.processWatermark(3 * MINUTE);
            expected = json(h.extractOutputValues());
        }
        assertThat(expected).hasSize(3);
        assertThat(expected.get(2)).contains("\"DRIFTING\"");

        List<String> actual = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.open();
            for (int i = 0; i < 300; i += 20) {
                feed(h, learning.subList(i, i + 20), 20);
                h.snapshot(1 + i, i); // a checkpoint after every batch: a chunk each (or the whole profile)
            }
            assertThat(StateLifecycleTest.entries(h, List.of("learningChunks"))).isEqualTo(1);
            snapshot = h.snapshot(1_000, 0);
            actual.addAll(json(h.extractOutputValues()));
        }
        try (var h = new MonitorHarness(new ModelMonitorFunction(CONFIG))) {
            h.initializeState(snapshot);
            h.open();
            for (int i = 300; i < 500; i += 20) {
                feed(h, learning.subList(i, i + 20), 20);
                h.snapshot(2_000 + i, i);
            }
            feed(h, windows, 20);
            h.processWatermark(3 * MINUTE);
            actual.addAll(json(h.extractOutputValues()));
        }
        assertThat(actual).isEqualTo(expected);
    }
}
