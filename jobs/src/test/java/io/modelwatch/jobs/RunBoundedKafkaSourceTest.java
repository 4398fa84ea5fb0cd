package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stopping offset a split restored from a savepoint gets in this run, whichever kind of run
 * wrote it: the bounded case end to end is {@code BoundedResumeITCase}.
 */
@Timeout(30)
class RunBoundedKafkaSourceTest {
    static final TopicPartition TP = new TopicPartition("predictions", 1);

    @Test
    @SuppressWarnings("deprecation")
    void aBoundedRunStopsRestoredSplitsAtTheEndOffsetsOfNow() {
        KafkaPartitionSplit ofUnboundedRun = new KafkaPartitionSplit(TP, 4200);
        KafkaPartitionSplit ofEarlierBoundedRun = new KafkaPartitionSplit(TP, 4200, 5000);

        for (KafkaPartitionSplit restored : new KafkaPartitionSplit[] {ofUnboundedRun, ofEarlierBoundedRun}) {
            KafkaPartitionSplit split = RunBoundedKafkaSource.forThisRun(restored, Boundedness.BOUNDED);
            assertThat(split.getStartingOffset()).isEqualTo(4200);
            // Resolved by the split reader against the broker when it takes the split up.
            assertThat(split.getStoppingOffset()).contains(KafkaPartitionSplit.LATEST_OFFSET);
        }
    }

    @Test
    void anUnboundedRunNeverStopsARestoredSplit() {
        KafkaPartitionSplit ofBoundedRun = new KafkaPartitionSplit(TP, 4200, 5000);

        KafkaPartitionSplit split = RunBoundedKafkaSource.forThisRun(ofBoundedRun, Boundedness.CONTINUOUS_UNBOUNDED);

        assertThat(split.getStartingOffset()).isEqualTo(4200);
        assertThat(split.getStoppingOffset()).isEmpty();
    }
}
