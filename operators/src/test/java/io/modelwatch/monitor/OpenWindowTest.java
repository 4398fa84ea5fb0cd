package io.modelwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A window kept as its events must become, whenever it is profiled, read back from state or added
 * into a span, exactly what a profile fed the same events in their order is: the monitor's
 * verdicts may not depend on which form a window was in.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class OpenWindowTest {
    private static final ReferenceProfile REF = reference();

    private static ReferenceProfile reference() {
        ModelProfile learned = new ModelProfile();
        for (PredictionEvent e : LearningChunksTest.events(1, 2000)) {
            learned.add(e);
        }
        return ReferenceBuilder.learned(learned, 10, 10);
    }

    private static ModelProfile direct(List<PredictionEvent> events, boolean binned) {
        return feed(binned ? ModelProfile.against(REF) : new ModelProfile(), events, binned);
    }

    private static ModelProfile feed(ModelProfile p, List<PredictionEvent> events, boolean binned) {
        for (PredictionEvent e : events) {
            if (binned) {
                p.add(e, REF);
            } else {
                p.add(e);
            }
        }
        return p;
    }

    private static OpenWindow window(List<PredictionEvent> events, boolean binned) {
        OpenWindow w = OpenWindow.open(binned);
        for (PredictionEvent e : events) {
            if (binned) {
                w.add(e, REF);
            } else {
                w.add(e);
            }
        }
        return w;
    }

    @Test
    void aWindowOfEventsProfilesAsTheEventsFedInOrderBinnedOrNot() {
        for (boolean binned : new boolean[] {false, true}) {
            for (int n : new int[] {1, 10, OpenWindow.EVENTS_KEPT, OpenWindow.EVENTS_KEPT + 1, 300}) {
                List<PredictionEvent> events = LearningChunksTest.events(n, n);
                OpenWindow w = window(events, binned);
                assertThat(w.keepsEvents()).as("%d events", n).isEqualTo(n <= OpenWindow.EVENTS_KEPT);
                assertThat(w.events()).isEqualTo(n);
                assertThat(w.binned()).isEqualTo(binned);
                assertThat(w.profile(REF).toBytes()).as("%s, %d events", binned ? "binned" : "warm-up", n)
                        .isEqualTo(direct(events, binned).toBytes());
            }
        }
    }

    @Test
    void itsStateFormReadsBackAsTheSameWindowAndAProfileWrittenByEarlierBuildsStillReads() {
        for (boolean binned : new boolean[] {false, true}) {
            List<PredictionEvent> events = LearningChunksTest.events(7, 40);
            OpenWindow w = window(events, binned);
            byte[] bytes = w.toBytes();
            assertThat(bytes[0]).isEqualTo(OpenWindow.EVENTS_TAG);
            OpenWindow back = OpenWindow.fromBytes(bytes);
            assertThat(back.keepsEvents()).isTrue();
            assertThat(back.binned()).isEqualTo(binned);
            assertThat(back.events()).isEqualTo(40);
            assertThat(back.profile(REF).toBytes()).isEqualTo(direct(events, binned).toBytes());
            // A window that state holds as a profile (earlier builds, or past EVENTS_KEPT).
            byte[] profileBytes = direct(events, binned).toBytes();
            OpenWindow profiled = OpenWindow.fromBytes(profileBytes);
            assertThat(profiled.keepsEvents()).isFalse();
            assertThat(profiled.binned()).isEqualTo(binned);
            assertThat(profiled.toBytes()).isEqualTo(profileBytes);
        }
    }

    @Test
    void addedIntoASpanItsEventsCountAsIfTheSpanHadTakenThemOneByOne() {
        for (boolean binned : new boolean[] {false, true}) {
            List<PredictionEvent> first = LearningChunksTest.events(3, 200);
            List<PredictionEvent> next = LearningChunksTest.events(4, 12);
            ModelProfile span = direct(first, binned);
            window(next, binned).addTo(span, REF);
            // And from its state form, as a pending span's chunk is replayed.
            ModelProfile replayed = direct(first, binned);
            OpenWindow.fromBytes(window(next, binned).toBytes()).addTo(replayed, REF);
            ModelProfile expected = feed(direct(first, binned), next, binned);
            assertThat(span.toBytes()).isEqualTo(expected.toBytes());
            assertThat(replayed.toBytes()).isEqualTo(expected.toBytes());
            assertThat(span.events()).isEqualTo(212);
        }
    }

    @Test
    void writtenAtEveryCheckpointWhileOpenItsStateFormIsThatOfItsEventsWrittenAtOnce() {
        for (boolean binned : new boolean[] {false, true}) {
            List<PredictionEvent> events = LearningChunksTest.events(9, OpenWindow.EVENTS_KEPT);
            OpenWindow w = OpenWindow.open(binned);
            for (int i = 0; i < events.size(); i++) {
                if (binned) {
                    w.add(events.get(i), REF);
                } else {
                    w.add(events.get(i));
                }
                if (i % 7 == 3) {
                    List<PredictionEvent> sofar = events.subList(0, i + 1);
                    assertThat(w.toBytes()).isEqualTo(writtenAtOnce(sofar, binned));
                }
            }
            assertThat(w.toBytes()).isEqualTo(writtenAtOnce(events, binned));
            // As a span's chunk (past NAMED_CHUNK_EVENTS) it is the same bytes.
            assertThat(w.toBytes(OpenWindow.names(direct(events, binned)))).isEqualTo(writtenAtOnce(events, binned));
        }
    }

    private static byte[] writtenAtOnce(List<PredictionEvent> events, boolean binned) {
        return io.modelwatch.stats.sketches.StateBytes.of(out -> {
            out.writeByte(OpenWindow.EVENTS_TAG);
            out.writeBoolean(binned);
            LearningChunks.writeTo(events, out, null);
        });
    }

    @Test
    void aPendingSpansChunkNamesTheSpansFeaturesByAFlagAndReadsBackWithThem() {
        List<PredictionEvent> first = LearningChunksTest.events(3, 200).subList(0, 50); // the first schema only
        List<PredictionEvent> next = LearningChunksTest.events(4, 3).subList(0, 1);
        ModelProfile span = direct(first, true);
        String[] names = OpenWindow.names(span);
        assertThat(names).containsExactly(next.get(0).featureNames());
        OpenWindow w = window(next, true);
        byte[] flagged = w.toBytes(names);
        assertThat(flagged.length).isLessThan(w.toBytes().length - 100);
        OpenWindow.fromBytes(flagged, names).addTo(span, REF);
        assertThat(span.toBytes()).isEqualTo(feed(direct(first, true), next, true).toBytes());
        // Other names than the span's are written out.
        List<PredictionEvent> other = LearningChunksTest.events(4, 200).subList(150, 151);
        assertThat(window(other, true).toBytes(names)).isEqualTo(window(other, true).toBytes());
    }

    @Test
    void aWindowOfAFewEventsTakesAFractionOfTheStateOfItsProfile() {
        List<PredictionEvent> one = LearningChunksTest.events(5, 1);
        int asEvents = window(one, true).toBytes().length;
        int asProfile = direct(one, true).toBytes().length;
        assertThat(asEvents).isLessThan(asProfile / 4);
    }
}
