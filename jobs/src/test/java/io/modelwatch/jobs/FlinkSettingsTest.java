package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.cli.RunOptions;
import org.junit.jupiter.api.Test;

class FlinkSettingsTest {
    private static final String IGNORE_UNCLAIMED = "execution.state-recovery.ignore-unclaimed-state";

    @Test
    void aSavepointRestoreRefusesUnclaimedStateUnlessAllowed() {
        var strict = FlinkSettings.of(RunOptions.parse(new String[] {
            "--bootstrap-servers", "localhost:9", "--from-savepoint", "file:///sp/savepoint-1"}));
        assertThat(strict.toMap()).containsEntry("execution.state-recovery.path", "file:///sp/savepoint-1")
                .doesNotContainKey(IGNORE_UNCLAIMED);

        var lenient = FlinkSettings.of(RunOptions.parse(new String[] {
            "--bootstrap-servers", "localhost:9", "--from-savepoint", "file:///sp/savepoint-1",
            "--allow-non-restored-state"}));
        assertThat(lenient.toMap()).containsEntry(IGNORE_UNCLAIMED, "true");
    }
}
