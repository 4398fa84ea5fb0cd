package io.modelwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/modelwatch bench} end to end on a tiny workload, so the command behind
 * docs/benchmarks.md keeps working: its own broker, two passes of the baseline and of modelwatch
 * on one embedded cluster, and the live state from a savepoint of the running job.
 */
class BenchCommandITCase {
    @Test
    void aSmallBenchRunsBothJobsTwiceAndMeasuresTheLiveState() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = BenchCommand.run(new String[] {"--models", "10", "--events", "5000", "--numeric-features", "4",
                "--categorical-features", "1", "--checkpoint-interval", "1s", "--passes", "2"});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.println(out);

        assertThat(exit).isZero();
        assertThat(out).contains("pass 2 of 2 (warm)");
        assertThat(Pattern.compile("throughput ratio modelwatch / baseline: \\d").matcher(out).results().count())
                .as("a ratio per pass").isEqualTo(2);
        Matcher live = Pattern.compile("savepoint: ([\\d,]+) bytes = ([\\d,]+) per model = ([\\d,]+) per model and "
                + "numeric feature").matcher(out);
        assertThat(live.find()).as("the live state line").isTrue();
        long perModel = Long.parseLong(live.group(2).replace(",", ""));
        // Ten models with a learned reference (4 numeric + 1 categorical features and a score) and
        // an open window each: some KB per model, nowhere near zero.
        assertThat(perModel).isBetween(1_000L, 100_000L);
        assertThat(out).containsPattern("by operator \\(bytes\\): model-monitor [\\d,]+");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aTinyGridLeavesOutCellsWithoutThreeWindowsAndTabulatesTheRest() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            // 3,000 events of 10 models: 300 each, 5 windows at 60 a minute, fewer than 3 at 500.
            exit = BenchCommand.run(new String[] {"--grid", "--grid-models", "10", "--grid-rates", "60,500",
                "--grid-references", "complete", "--grid-labels", "on", "--events", "3000", "--numeric-features",
                "4", "--categorical-features", "1", "--checkpoint-interval", "1s", "--passes", "1"});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.println(out);

        assertThat(exit).isZero();
        assertThat(out).contains("left out (fewer than 3 windows per model): 10 models, 500 events per model-minute");
        assertThat(out).containsPattern("written [\\d,]+ labels \\(\\d+% of the predictions\\)");
        int table = out.indexOf("grid summary");
        assertThat(table).as("the summary table").isPositive();
        Matcher row = Pattern.compile("\\n10 +60 +complete +on +3,000 +5\\.0 +[\\d,]+ +[\\d,]+ +\\d+\\.\\d+/\\d+\\.\\d+ "
                + "+[\\d,]+ +[\\d.]+ +(?:\\d+%|-) +([\\d,]+) +[\\d,]+ +([\\d,]+) +([\\d,]+)").matcher(out.substring(table));
        assertThat(row.find()).as("the cell's row").isTrue();
        // Ten models, given their references, with an open window and a day of labels' state to
        // come: some KB per model, nowhere near zero.
        assertThat(Long.parseLong(row.group(1).replace(",", ""))).isBetween(1_000L, 1_000_000L);
        // The predictions of 3,000 events still waiting for their labels (nine in ten: a tenth are
        // labelled), apart from the rest: 98 bytes each in a canonical savepoint (a 40-byte key of
        // model and prediction id, the prediction with its segment codes without them:
        // docs/benchmarks.md), and a few more here for the savepoint's fixed part and the labels'
        // timers spread over only some 2,700 of them. The build before took 148 each.
        assertThat(Long.parseLong(row.group(2).replace(",", ""))).isBetween(60L, 130L);
        // The reports of the 4 closed windows of each model, kept for revisions: a compact report of
        // 5 features and a score, hundreds of bytes, not nothing (its index and the version's segment
        // dictionary are spread over only 4 of them).
        assertThat(Long.parseLong(row.group(3).replace(",", ""))).isBetween(100L, 5_000L);
    }
}
