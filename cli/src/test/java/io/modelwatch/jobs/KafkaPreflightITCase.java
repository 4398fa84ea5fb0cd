package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.cli.Main;
import io.modelwatch.config.ConfigException;
import io.modelwatch.kafka.EmbeddedKafkaCluster;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code run} refuses to start against a missing topic or an absent broker, naming the flag. */
class KafkaPreflightITCase {
    static EmbeddedKafkaCluster kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaCluster.start();
        for (String t : List.of("predictions", "labels", "retrain-triggers", "model-health")) {
            kafka.createTopic(t, 1);
        }
        kafka.createCompactedTopic("monitor-control", 1);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aMissingTopicIsNamedWithItsFlag() {
        RunOptions o = RunOptions.parse(new String[] {"--bootstrap-servers", kafka.bootstrapServers()});
        assertThatThrownBy(() -> KafkaPreflight.check(o)).isInstanceOf(ConfigException.class)
                .hasMessage("--dead-letters-topic: topic 'dead-letters' does not exist on " + kafka.bootstrapServers()
                        + " (create it, or name another with --dead-letters-topic)");
        RunOptions renamed = RunOptions.parse(new String[] {"--bootstrap-servers", kafka.bootstrapServers(),
            "--dead-letters-topic", "model-health"});
        assertThatCode(() -> KafkaPreflight.check(renamed)).doesNotThrowAnyException();
        // The command line turns it into exit code 2.
        org.assertj.core.api.Assertions.assertThat(Main.run(new String[] {"run", "--bootstrap-servers",
            kafka.bootstrapServers(), "--bounded"})).isEqualTo(2);
    }
}
