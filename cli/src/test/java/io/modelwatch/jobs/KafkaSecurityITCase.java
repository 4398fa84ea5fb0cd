package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.cli.Main;
import io.modelwatch.testing.KafkaTestBase;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka security settings from {@code --kafka-properties} reach the preflight check, every source
 * and every sink, and their secrets are printed nowhere: not by modelwatch, not by the Kafka
 * clients' config dumps (logged here at INFO, where Kafka masks password-type values).
 */
class KafkaSecurityITCase extends KafkaTestBase {
    static final String SECRET = "s3cr3t-7781-do-not-print";

    static Path securityProperties(Path dir) throws Exception {
        return Files.writeString(dir.resolve("kafka.properties"), String.join("\n",
                "security.protocol=SASL_PLAINTEXT",
                "sasl.mechanism=PLAIN",
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"modelwatch\" password=\"" + SECRET + "\";",
                "ssl.truststore.password=" + SECRET, ""));
    }

    @Test
    void thePreflightUsesThemAndNothingPrintsTheSecret(@TempDir Path dir) throws Exception {
        Path props = securityProperties(dir);
        // Every Kafka client logs its configuration at INFO: the config dumps are checked too.
        Path log4j = Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
                "rootLogger.level = INFO", "rootLogger.appenderRef.console.ref = console",
                "appender.console.type = Console", "appender.console.name = console",
                "appender.console.target = SYSTEM_ERR", "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %c{1} - %m%n", ""));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dlog4j2.configurationFile=" + log4j);
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")).forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties", props.toString(), "--bounded"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("run exits").isTrue();
        String out = Files.readString(dir.resolve("out.txt"));

        // The test broker speaks PLAINTEXT only: with the SASL settings applied, the preflight
        // cannot talk to it and refuses to start (without them it would pass: every topic exists).
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains("modelwatch: --bootstrap-servers:");
        assertThat(out).as("the admin client was configured from the file").contains("security.protocol = SASL_PLAINTEXT")
                .contains("sasl.jaas.config = [hidden]");
        assertThat(out).doesNotContain(SECRET);
    }

    @Test
    void everySourceAndSinkCarriesThemAndTheOptionsHideThem(@TempDir Path dir) throws Exception {
        RunOptions options = RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties", securityProperties(dir).toString()});
        assertThat(options.toString()).contains("sasl.jaas.config").doesNotContain(SECRET);

        Sources sources = KafkaEndpoints.sources(options);
        Sinks sinks = KafkaEndpoints.sinks(options);
        List<Properties> clients = List.of(
                field(sources.predictions(), KafkaSource.class, "props"),
                field(sources.labels(), KafkaSource.class, "props"),
                field(sources.control(), KafkaSource.class, "props"),
                field(sinks.triggers(), KafkaSink.class, "kafkaProducerConfig"),
                field(sinks.health(), KafkaSink.class, "kafkaProducerConfig"),
                field(sinks.deadLetters(), KafkaSink.class, "kafkaProducerConfig"));
        assertThat(clients).allSatisfy(c -> {
            assertThat(c.getProperty("security.protocol")).isEqualTo("SASL_PLAINTEXT");
            assertThat(c.getProperty("sasl.jaas.config")).contains(SECRET);
        });
        // The sinks gather a window's reports into few requests (KafkaEndpoints.SINK_LINGER_MS) ...
        assertThat(clients.subList(3, 6)).allSatisfy(c -> {
            assertThat(c.getProperty("linger.ms")).isEqualTo("100");
            assertThat(c.getProperty("batch.size")).isEqualTo(String.valueOf(512 * 1024));
        });
    }

    @Test
    void theUsersProducerSettingsWinOverTheSinksDefaults(@TempDir Path dir) throws Exception {
        Path props = Files.writeString(dir.resolve("kafka.properties"), "linger.ms=7\nbatch.size=16384\n");
        RunOptions options = RunOptions.parse(new String[] {
            "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties", props.toString()});
        Properties health = field(KafkaEndpoints.sinks(options).health(), KafkaSink.class, "kafkaProducerConfig");
        assertThat(health.getProperty("linger.ms")).isEqualTo("7");
        assertThat(health.getProperty("batch.size")).isEqualTo("16384");
    }

    /** The connector keeps its client properties private; read them as the connector will use them. */
    private static Properties field(Object target, Class<?> type, String name) throws Exception {
        if (target instanceof RunBoundedKafkaSource<?> wrapper) {
            target = wrapper.kafka();
        }
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return (Properties) f.get(target);
    }
}
