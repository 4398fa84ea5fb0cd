package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.junit.jupiter.api.Test;
import org.rocksdb.CompressionType;

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

    @Test
    void theEmbeddedClusterGivesRocksDbMoreMemoryThanFlinksLocalDefaultUnlessConfigured() {
        var env = FlinkSettings.environment(RunOptions.parse(new String[] {"--bootstrap-servers", "localhost:9"}));
        assertThat(env).isInstanceOf(LocalStreamEnvironment.class);
        assertThat(env.getConfiguration().get(TaskManagerOptions.MANAGED_MEMORY_SIZE))
                .isEqualTo(FlinkSettings.EMBEDDED_MANAGED_MEMORY)
                .isGreaterThan(MemorySize.parse("128m"));

        var configured = new Configuration();
        configured.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("256m"));
        assertThat(FlinkSettings.embedded(configured).get(TaskManagerOptions.MANAGED_MEMORY_SIZE))
                .isEqualTo(MemorySize.parse("256m"));
    }

    /**
     * RocksDB compresses the job's state with LZ4, not Flink's default Snappy, which cost five
     * times the CPU per flush of the open profiles (docs/benchmarks.md); read as Flink reads it,
     * so a misspelt value would fail here rather than fall back to the default.
     */
    @Test
    void rocksDbCompressesTheStateWithLz4AtEveryLevel() {
        var run = FlinkSettings.of(RunOptions.parse(new String[] {"--bootstrap-servers", "localhost:9"}));
        assertThat(run.get(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL))
                .containsExactly(CompressionType.LZ4_COMPRESSION);
    }

    /** The evaluation runs with pipeline(): the job's runs must process records the same way. */
    @Test
    void everyRunHasThePipelineSettingsThatTheEvaluationUses() {
        var pipeline = FlinkSettings.pipeline().toMap();
        assertThat(pipeline).containsEntry("pipeline.object-reuse", "true")
                .containsEntry("pipeline.generic-types", "false")
                .containsEntry("state.backend.type", "rocksdb");
        var run = FlinkSettings.of(RunOptions.parse(new String[] {"--bootstrap-servers", "localhost:9"})).toMap();
        assertThat(run).containsAllEntriesOf(pipeline);
    }
}
