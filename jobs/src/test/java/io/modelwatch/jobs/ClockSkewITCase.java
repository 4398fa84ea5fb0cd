package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.demo.TrafficSimulator;
import io.modelwatch.demo.TrafficSimulator.ModelScenario;
import io.modelwatch.demo.TrafficSimulator.SimulatedEvent;
import io.modelwatch.kafka.TopicTail;
import io.modelwatch.kafka.TopicWriter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.testing.KafkaTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: a producer with a wrong clock. One well-formed event stamped 10 minutes ahead of its
 * partition's neighbours, among thousands of honest ones, written by a live producer while an
 * unbounded job runs (real broker, MiniCluster, RocksDB, exactly-once sinks). The watermark must
 * not follow it (CorroboratedWatermarks): every honest event is profiled in its window and none
 * is counted late; the outlier itself is profiled in its own window when time gets there.
 *
 * <p>All traffic goes to partition 0; partition 1 stays quiet and goes idle after 2 s, so the
 * outlier's partition alone sets the watermark, as any partition does while the others are idle
 * or ahead (with two partitions read in step, the other one would hide the jump). The producer
 * waits, before each next simulated minute, until the job has reported the windows the minute
 * before closed: the job then has read the outlier and emitted watermarks since, as a live job
 * does between a producer's sends. A job whose watermark followed the outlier (Flink's bounded
 * out-of-orderness) finds every later honest event up to 10 minutes behind it late and opens
 * none of their windows, so this test then fails waiting for the report of the window ending
 * 10:06.
 */
@Timeout(600)
class ClockSkewITCase extends KafkaTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster();

    static final Instant START = Instant.parse("2026-11-26T10:00:00Z");
    static final int EVENTS_PER_MODEL_MINUTE = 300;
    /** Honest traffic spans minutes 0..15; the watermark then closes the windows up to 10:15. */
    static final int MINUTES = 16;
    static final int LAST_CLOSED_WINDOW = 14;
    /** The outlier is sent among minute 4's events, stamped in minute 14. */
    static final int OUTLIER_SENT_IN = 4;
    static final int OUTLIER_STAMPED_IN = 14;

    @Test
    void aLoneEventTenMinutesAheadDoesNotMakeHonestEventsLate(@TempDir Path dir) throws Exception {
        TrafficSimulator sim = new TrafficSimulator(21, START, EVENTS_PER_MODEL_MINUTE,
                List.of(ModelScenario.stable("churn", "1"), ModelScenario.stable("fraud", "1")));
        List<List<SimulatedEvent>> minutes = new ArrayList<>();
        for (int m = 0; m < MINUTES; m++) {
            minutes.add(new ArrayList<>(sim.minute(m)));
        }
        // A churn event of minute 14, taken out of its minute and sent 10 minutes early, 30 s into
        // minute 4: a well-formed event from a clock 10 minutes fast.
        List<SimulatedEvent> stampedIn14 = minutes.get(OUTLIER_STAMPED_IN);
        SimulatedEvent outlier = stampedIn14.remove(
                stampedIn14.indexOf(stampedIn14.stream().filter(e -> e.modelId().equals("churn")).findFirst().orElseThrow()));
        List<SimulatedEvent> sentIn4 = minutes.get(OUTLIER_SENT_IN);
        long half = sim.minuteStartMillis(OUTLIER_SENT_IN) + 30_000;
        sentIn4.add((int) sentIn4.stream().filter(e -> e.eventTimeMillis() < half).count(), outlier);
        assertThat(outlier.eventTimeMillis() - half).isBetween(9 * 60_000L, 10 * 60_000L);

        Path thresholds = Files.writeString(dir.resolve("thresholds.yaml"), """
                defaults:
                  reference: {events: 500}
                  window: {minEvents: 100}
                """);
        RunOptions options = RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--parallelism", "2", "--thresholds", thresholds.toString(),
            "--state-dir", dir.resolve("state").toString(), "--checkpoint-interval", "1s", "--idleness", IDLENESS,
            "--job-name", "clock-skew", "--group-id", "clock-skew"});

        List<HealthReport> seen = new ArrayList<>();
        JobClient job = submit(options);
        try (TopicWriter producer = new TopicWriter(kafka.bootstrapServers());
                TopicTail health = new TopicTail(kafka.bootstrapServers(), "model-health")) {
            for (int m = 0; m < MINUTES; m++) {
                for (SimulatedEvent e : minutes.get(m)) {
                    producer.send(new ProducerRecord<>("predictions", 0, e.modelId(), e.json()));
                }
                producer.flush();
                if (m >= 1) {
                    // Minute m read: the watermark is about 30 s into it, past the end of minute m - 1.
                    String end = window(m - 1)[1];
                    ControlTopicITCase.await(health, seen, r -> reported(r, "churn", end) && reported(r, "fraud", end));
                }
            }
        } finally {
            cancelAndAwait(job);
        }

        Map<String, HealthReport> byWindow = new TreeMap<>();
        for (HealthReport r : seen) {
            byWindow.merge(r.modelId() + " " + r.windowEnd(), r, (a, b) -> a.revision() >= b.revision() ? a : b);
        }
        Collection<HealthReport> reports = byWindow.values();
        long late = reports.stream().mapToLong(r -> r.quality() == null ? 0 : r.quality().lateEvents()).sum();
        assertThat(late).as("events counted late").isLessThanOrEqualTo(1);

        long honestSent = 0;
        long honestProfiled = 0;
        for (int w = 0; w <= LAST_CLOSED_WINDOW; w++) {
            String[] window = window(w);
            for (String model : List.of("churn", "fraud")) {
                long sent = minutes.get(w).stream().filter(e -> e.modelId().equals(model)).count();
                HealthReport r = byWindow.get(model + " " + window[1]);
                assertThat(r).as("report of %s for the window ending %s", model, window[1]).isNotNull();
                assertThat(r.windowStart()).isEqualTo(window[0]);
                boolean hasOutlier = model.equals("churn") && w == OUTLIER_STAMPED_IN;
                honestSent += sent;
                honestProfiled += Math.min(sent, r.events() - (hasOutlier ? 1 : 0));
                if (hasOutlier) {
                    assertThat(r.events()).as("the outlier is profiled in its own window").isEqualTo(sent + 1);
                }
            }
        }
        assertThat(honestSent).isGreaterThan(8_000);
        assertThat(honestProfiled).as("honest events profiled in their windows, of %d", honestSent)
                .isGreaterThanOrEqualTo((long) Math.ceil(0.99 * honestSent));
    }

    /** Start and end of the window of minute {@code m}, as reports write them. */
    static String[] window(int m) {
        return new String[] {START.plusSeconds(60L * m).toString(), START.plusSeconds(60L * (m + 1)).toString()};
    }

    static boolean reported(List<HealthReport> reports, String model, String windowEnd) {
        return reports.stream().anyMatch(r -> r.modelId().equals(model) && r.windowEnd().equals(windowEnd));
    }
}
