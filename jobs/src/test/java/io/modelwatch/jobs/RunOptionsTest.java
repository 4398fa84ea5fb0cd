package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.ingest.EventTimeBounds;
import io.modelwatch.monitor.ModelMonitorFunction;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Flags of {@code run} that the job's configuration carries. */
class RunOptionsTest {
    @Test
    void openProfilesSizesTheMonitorsHeapCacheAndRefusesNonsense() {
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1"}).jobConfig().openProfiles())
                .isEqualTo(JobConfig.DEFAULT_OPEN_PROFILES).isEqualTo(ModelMonitorFunction.OPEN_PROFILES_FROM_HEAP);
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--open-profiles", "8192"})
                .jobConfig().openProfiles()).isEqualTo(8192);
        // Kept across the copies the CLI makes (a savepoint path added, --bounded toggled).
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--open-profiles=16"})
                .withFromSavepoint("/s").withBounded(true).jobConfig().openProfiles()).isEqualTo(16);
        assertThatThrownBy(() -> RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--open-profiles", "0"}))
                .isInstanceOf(UsageException.class)
                .hasMessage("--open-profiles: must be a positive whole number, not '0'");
        assertThatThrownBy(() -> RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--open-profiles", "lots"}))
                .isInstanceOf(UsageException.class)
                .hasMessage("--open-profiles: must be a positive whole number, not 'lots'");
    }

    @Test
    void minEventTimeTakesADateOrAnInstantBoundsTheSourcesAndRefusesNonsense() {
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1"}).eventTimeBounds())
                .isEqualTo(EventTimeBounds.DEFAULT);
        assertThat(EventTimeBounds.DEFAULT.minEventTime()).isEqualTo(Instant.parse("2000-01-01T00:00:00Z").toEpochMilli());
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--min-event-time", "1995-06-01"})
                .withFromSavepoint("/s").withBounded(true).eventTimeBounds().minEventTime())
                .isEqualTo(Instant.parse("1995-06-01T00:00:00Z").toEpochMilli());
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--min-event-time=2020-01-01T01:00:00+01:00"})
                .minEventTime()).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
        assertThatThrownBy(() -> RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--min-event-time", "1.1.2000"}))
                .isInstanceOf(UsageException.class)
                .hasMessage("--min-event-time: an ISO-8601 date (2000-01-01) or instant (2000-01-01T00:00:00Z), not '1.1.2000'");
        assertThatThrownBy(() -> RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--min-event-time", "2999-01-01"}))
                .isInstanceOf(UsageException.class)
                .hasMessage("--min-event-time: 2999-01-01T00:00:00Z is in the future; every event would be a dead letter");
    }
}
