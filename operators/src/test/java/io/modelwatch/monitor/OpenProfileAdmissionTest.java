package io.modelwatch.monitor;

import static io.modelwatch.monitor.ModelMonitorFunctionTest.CONFIG;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.MINUTE;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.feed;
import static io.modelwatch.monitor.ModelMonitorFunctionTest.reports;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.PredictionEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A full open-profile cache admits a version only if it came more often lately than the one it
 * would push out ({@link OpenProfiles}, {@link FrequencySketch}): against versions coming in turn,
 * more than it holds, it keeps what it has and hits for as many as it holds, where least recently
 * used eviction hits for none; what the monitor reports does not depend on it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenProfileAdmissionTest {
    /** A byte bound that never binds here: the versions do. */
    static final long UNBOUNDED_BYTES = Long.MAX_VALUE;

    /** One batch of {@code key} as the monitor has it (OpenProfileStore.entry, then batchDone); true on a hit. */
    static boolean batch(OpenProfiles cache, String key) {
        boolean hit = cache.get(key) != null;
        OpenProfiles.Entry e = cache.getOrCreate(key, new HashMap<>());
        if (!e.admitted) {
            cache.remove(key);
        }
        return hit;
    }

    @Test
    void aFullCacheKeepsItsVersionsAgainstAStreamOfNewcomers() {
        // Three versions with a batch a round, and ten newcomers a round that come once each: a
        // least recently used cache of three would hold only newcomers at the end of every round.
        OpenProfiles cache = new OpenProfiles(3, UNBOUNDED_BYTES);
        int hits = 0;
        for (int round = 0; round < 100; round++) {
            for (String key : List.of("a", "b", "c")) {
                if (batch(cache, key)) {
                    hits++;
                }
            }
            for (int i = 0; i < 10; i++) {
                assertThat(batch(cache, "new-" + round + "-" + i)).isFalse();
            }
        }
        assertThat(hits).isEqualTo(3 * 99);
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.evictions()).isZero();
        assertThat(cache.notAdmitted()).isEqualTo(100 * 10);
    }

    /** Hits per round of {@code versions} versions coming in turn, one batch each, for {@code rounds} rounds. */
    static int[] hitsPerRound(OpenProfiles cache, int versions, int rounds) {
        int[] hits = new int[rounds];
        for (int round = 0; round < rounds; round++) {
            for (int v = 0; v < versions; v++) {
                if (batch(cache, "model-" + v + "/1")) {
                    hits[round]++;
                }
            }
        }
        return hits;
    }

    @Test
    void versionsComingInTurnHitForAsManyAsTheCacheHolds() {
        // 100,000 models at the bench's rate are 50,000 versions per instance coming in turn for
        // 12,288 cached; here four versions per cached one likewise.
        OpenProfiles cache = new OpenProfiles(250, UNBOUNDED_BYTES);
        int[] hits = hitsPerRound(cache, 1_000, 40);
        assertThat(hits[0]).isZero();
        for (int round = 1; round < hits.length; round++) {
            // Count-min estimates above the true count (shared counters) let a few versions in.
            assertThat(hits[round]).as("hits in round %d", round).isGreaterThanOrEqualTo(225);
        }
        assertThat(cache.size()).isEqualTo(250);
        assertThat(cache.evictions()).as("versions let in by estimates above their count").isLessThan(250);
    }

    @Test
    void aWorkingSetThatFitsIsCachedWholeAndNeverRefused() {
        OpenProfiles cache = new OpenProfiles(1_000, UNBOUNDED_BYTES);
        int[] hits = hitsPerRound(cache, 1_000, 5);
        assertThat(hits).containsExactly(0, 1_000, 1_000, 1_000, 1_000);
        assertThat(cache.notAdmitted()).isZero();
        assertThat(cache.evictions()).isZero();
    }

    @Test
    void cachedVersionsThatStopComingGiveWayToTheOnesThatCome() {
        OpenProfiles cache = new OpenProfiles(10, UNBOUNDED_BYTES);
        // Ten versions come often, then stop; ten others come in turn from then on.
        for (int i = 0; i < 20; i++) {
            for (int v = 0; v < 10; v++) {
                batch(cache, "old-" + v);
            }
        }
        int[] hits = hitsPerRound(cache, 10, 60);
        // Their counts fade with the halvings (every 100 batches, ten rounds): the new versions take
        // the old ones' places once their counts pass the old ones', and then all hit.
        assertThat(hits[0]).isZero();
        assertThat(hits[hits.length - 1]).isEqualTo(10);
        for (int v = 0; v < 10; v++) {
            assertThat(cache.get("old-" + v)).isNull();
        }
    }

    @Test
    void theReportsOfAFullCacheAreThoseOfAnUnboundedOne() throws Exception {
        // Five models interleaved batch by batch, two cached: the three others are not admitted.
        List<List<PredictionEvent>> batches = OpenProfilesTest.traffic();
        List<String> unbounded = run(1024, batches);
        assertThat(unbounded).hasSize(3 * OpenProfilesTest.MODELS);
        assertThat(run(2, batches)).isEqualTo(unbounded);
        assertThat(run(1, batches)).isEqualTo(unbounded);
    }

    private static List<String> run(int openProfiles, List<List<PredictionEvent>> batches) throws Exception {
        ModelMonitorFunction monitor = new ModelMonitorFunction(CONFIG, Map.of(), openProfiles,
                OpenProfilesTest.OPEN_PROFILE_BYTES);
        try (var h = new MonitorHarness(monitor)) {
            h.open();
            for (int i = 0; i < batches.size(); i++) {
                feed(h, batches.get(i));
                if (i % 40 == 39) {
                    h.snapshot(i, 0); // checkpoints write the cached versions' changes
                }
            }
            h.processWatermark(3 * MINUTE);
            OpenProfiles cache = monitor.openProfileCache();
            if (openProfiles < OpenProfilesTest.MODELS) {
                assertThat(cache.size()).isEqualTo(openProfiles);
                assertThat(cache.notAdmitted()).isPositive();
                assertThat(cache.evictions()).as("evictions, %d batches not admitted", cache.notAdmitted())
                        .isLessThan(cache.notAdmitted());
            } else {
                assertThat(cache.notAdmitted()).isZero();
            }
            return OpenProfilesTest.summary(reports(h));
        }
    }
}
