package io.modelwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The open-profile cache's bounds: from the heap a monitor instance has, or as given. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OpenProfileSizingTest {
    private static final long MB = 1L << 20;

    @Test
    void theDefaultHoldsTenThousandModelsLearningOnTheHeapOfBinModelwatch() {
        // bin/modelwatch run and bench: -Xmx3g, one embedded TaskManager with a slot per instance
        // (parallelism 2), so 5,000 active versions per instance at 10,000 models. A version of the
        // bench's 10-events-per-minute cell: a reference learning from 60 events and a window of 10.
        SplittableRandom r = new SplittableRandom(3);
        ModelProfile learning = new ModelProfile();
        ModelProfile window = new ModelProfile();
        for (int i = 0; i < 60; i++) {
            PredictionEvent e = LowTrafficCpuTime.event(r, "m", i * 6_000L, i);
            learning.add(e);
            if (i >= 50) {
                window.add(e);
            }
        }
        long version = OpenProfiles.heapWeight(learning.toBytes().length, learning)
                + OpenProfiles.heapWeight(window.toBytes().length, window);
        OpenProfileSizing embedded = OpenProfileSizing.of(OpenProfileSizing.FROM_HEAP, 3072 * MB, 2);
        assertThat(embedded.versions()).isGreaterThanOrEqualTo(5_000);
        assertThat(embedded.bytes()).isGreaterThanOrEqualTo(5_000 * version);
    }

    @Test
    void theDefaultTakesAQuarterOfTheSlotsHeapShareWhateverTheProfilesWeigh() {
        for (long heap : new long[] {512 * MB, 1587 * MB, 3072 * MB, 16384 * MB}) {
            for (int slots : new int[] {1, 2, 4, 8}) {
                OpenProfileSizing s = OpenProfileSizing.of(OpenProfileSizing.FROM_HEAP, heap, slots);
                double share = heap / (double) slots;
                // Fresh versions at the smallest entry's heap, or weighed profiles, stay within a
                // quarter of the slot's share.
                assertThat(s.versions() * (double) OpenProfileSizing.MIN_HEAP_BYTES_PER_VERSION)
                        .isLessThanOrEqualTo(share / 4);
                assertThat((double) s.bytes()).isLessThanOrEqualTo(share / 4);
                // And the whole quarter is used, not a fixed cap below it.
                assertThat((s.versions() + 1) * (double) OpenProfileSizing.MIN_HEAP_BYTES_PER_VERSION)
                        .isGreaterThan(share / 4);
            }
        }
        // Twice the slots, half the cache each.
        assertThat(OpenProfileSizing.of(OpenProfileSizing.FROM_HEAP, 4096 * MB, 4).bytes())
                .isEqualTo(OpenProfileSizing.of(OpenProfileSizing.FROM_HEAP, 4096 * MB, 2).bytes() / 2);
    }

    @Test
    void givenVersionsWinWith128KilobytesEach() {
        assertThat(OpenProfileSizing.of(1024, 3072 * MB, 2)).isEqualTo(new OpenProfileSizing(1024, 128 * MB));
        assertThat(OpenProfileSizing.of(1, 1, 1)).isEqualTo(new OpenProfileSizing(1, 128 << 10));
    }

    @Test
    void aTinyHeapStillCachesOneVersionAndNonsenseIsRefused() {
        assertThat(OpenProfileSizing.of(OpenProfileSizing.FROM_HEAP, 1, 64).versions()).isEqualTo(1);
        assertThatThrownBy(() -> OpenProfileSizing.of(-1, 3072 * MB, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openProfiles");
        assertThatThrownBy(() -> OpenProfileSizing.of(OpenProfileSizing.FROM_HEAP, 3072 * MB, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slots");
    }
}
