package io.modelwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.jobs.JobConfig;
import org.junit.jupiter.api.Test;

/** Flags of {@code run} that the job's configuration carries. */
class RunOptionsTest {
    @Test
    void openProfilesSizesTheMonitorsHeapCacheAndRefusesNonsense() {
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1"}).jobConfig().openProfiles())
                .isEqualTo(JobConfig.DEFAULT_OPEN_PROFILES).isEqualTo(1024);
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--open-profiles", "8192"})
                .jobConfig().openProfiles()).isEqualTo(8192);
        // Kept across the copies the CLI makes (a savepoint path added, --bounded toggled).
        assertThat(RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--open-profiles=16"})
                .withFromSavepoint("/s").withBounded(true).jobConfig().openProfiles()).isEqualTo(16);
        assertThatThrownBy(() -> RunOptions.parse(new String[] {"--bootstrap-servers", "x:1", "--open-profiles", "0"}))
                .isInstanceOf(UsageException.class)
                .hasMessage("--open-profiles: must be a positive whole number, not '0'");
    }
}
