package io.modelwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bench's CPU by thread: the native threads the JVM does not list are counted too. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ThreadCpuTest {
    @Test
    void nativeThreadsAreGroupedByWhatTheyDo() {
        // /proc's names, cut to 15 characters.
        assertThat(BenchCommand.ThreadCpu.task("C2 CompilerThre")).isEqualTo("JIT compiler");
        assertThat(BenchCommand.ThreadCpu.task("rocksdb:low")).isEqualTo("RocksDB flush and compaction");
        assertThat(BenchCommand.ThreadCpu.task("rocksdb:high")).isEqualTo("RocksDB flush and compaction");
        assertThat(BenchCommand.ThreadCpu.task("GC Thread#1")).isEqualTo("garbage collector");
        // Java threads come from the JVM's own list, with their full names, not again from /proc.
        assertThat(BenchCommand.ThreadCpu.nativeThread("Model monitor (")).isFalse();
        assertThat(BenchCommand.ThreadCpu.nativeThread("main")).isFalse();
    }

    @Test
    void theJitCompilersCpuIsCountedOnLinux() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc");
        BenchCommand.ThreadCpu threads = new BenchCommand.ThreadCpu();
        threads.sample();
        // Code never run before, hot enough to be compiled: the compiler threads work while it runs.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        double sum = 0;
        Map<String, Double> byTask;
        do {
            for (int i = 0; i < 200_000; i++) {
                sum += Math.sqrt(i) * Integer.toString(i).hashCode();
            }
            threads.sample();
            byTask = threads.byTask();
        } while (byTask.getOrDefault("JIT compiler", 0.0) < 0.01 && System.nanoTime() < deadline);
        assertThat(byTask).as("CPU by thread (sum %s)", sum).containsKey("JIT compiler");
        assertThat(byTask.get("JIT compiler")).isGreaterThanOrEqualTo(0.01);
    }
}
