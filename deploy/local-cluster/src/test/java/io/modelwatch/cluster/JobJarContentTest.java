package io.modelwatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What is in the job jar, {@code jobs/target/modelwatch-job.jar}: the job and every dependency that a Flink
 * distribution does not ship, and nothing that it does. A class missing from the jar only fails on a real
 * cluster ({@link JobJarOnClusterITCase}); a Flink class inside it clashes with the cluster's own.
 */
class JobJarContentTest {

    /**
     * Provided by Flink's lib/ (flink-dist and the jars next to it) or not needed at all: Flink's APIs and
     * runtime, RocksDB, the shaded libraries Flink relocates for itself, logging, Scala, and the Kafka broker
     * that only the tests and the demo run.
     */
    private static final List<String> PROVIDED_BY_FLINK = List.of(
            "org/apache/flink/streaming/api/",
            "org/apache/flink/runtime/",
            "org/apache/flink/api/common/",
            "org/apache/flink/api/java/",
            "org/apache/flink/configuration/",
            "org/apache/flink/core/",
            "org/apache/flink/util/",
            "org/apache/flink/connector/base/",
            "org/apache/flink/state/rocksdb/",
            "org/apache/flink/shaded/",
            "org/rocksdb/",
            "com/esotericsoftware/kryo/",
            "org/apache/commons/lang3/",
            "org/slf4j/",
            "org/apache/logging/log4j/",
            "org/apache/log4j/",
            "scala/");

    /**
     * The Kafka broker (Scala core in {@code kafka/}, the Java server modules) and its test kit. Not all of
     * {@code org/apache/kafka/server/}: kafka-clients itself ships the public interfaces in
     * {@code org.apache.kafka.server.authorizer}, {@code .policy}, {@code .quota} and {@code .telemetry}.
     */
    private static final List<String> KAFKA_BROKER = List.of(
            "kafka/",
            "org/apache/kafka/common/test/",
            "org/apache/kafka/server/common/",
            "org/apache/kafka/server/config/",
            "org/apache/kafka/server/util/",
            "org/apache/kafka/raft/",
            "org/apache/kafka/controller/",
            "org/apache/kafka/metadata/",
            "org/apache/kafka/image/",
            "org/apache/kafka/storage/",
            "org/apache/kafka/coordinator/");

    /**
     * Classes that both the job jar and Flink's lib/ hold, on purpose: the compression codecs of the Kafka
     * client (LZ4, Snappy), which Flink's runtime happens to use too. They load child-first (Flink's default
     * {@code classloader.resolve-order}), so the job's Kafka client gets the versions it was built with.
     */
    private static final List<String> SHARED_WITH_FLINK_LIB = List.of("net/jpountz/", "org/xerial/snappy/");

    private static Set<String> classes;
    private static String mainClass;

    @BeforeAll
    static void readJar() throws IOException {
        try (JarFile jar = new JarFile(JobJar.path().toFile())) {
            classes = classesOf(jar, true);
            mainClass = jar.getManifest().getMainAttributes().getValue("Main-Class");
        }
    }

    @Test
    void containsTheJobAndWhatFlinkDoesNotShip() {
        assertThat(classes).contains(
                "io/modelwatch/jobs/MonitoringJob.class",
                // operators, the statistics, the job's flag parsing
                "io/modelwatch/monitor/ModelMonitorFunction.class",
                "io/modelwatch/jobs/RunOptions.class",
                "org/apache/flink/connector/kafka/source/KafkaSource.class",
                "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                "org/apache/kafka/clients/producer/KafkaProducer.class",
                "org/apache/kafka/clients/consumer/KafkaConsumer.class",
                "org/apache/flink/cep/CEP.class",
                "org/apache/datasketches/kll/KllDoublesSketch.class",
                "com/fasterxml/jackson/databind/ObjectMapper.class",
                "com/fasterxml/jackson/dataformat/yaml/YAMLFactory.class");
    }

    @Test
    void manifestNamesTheEntryClass() {
        assertThat(mainClass).isEqualTo(JobJar.ENTRY_CLASS);
    }

    @Test
    void containsNothingThatFlinkProvides() {
        assertThat(matching(classes, PROVIDED_BY_FLINK)).as("classes that Flink's lib/ provides").isEmpty();
    }

    @Test
    void containsNoKafkaBroker() {
        assertThat(matching(classes, KAFKA_BROKER)).as("classes of the Kafka broker").isEmpty();
    }

    /**
     * The command line (cli module), the test support (embedded broker, topic tools, simulated
     * traffic) and the benchmarks run beside the job, never inside it.
     */
    @Test
    void containsNeitherTheCliNorTestSupportNorBenchmarks() {
        assertThat(matching(classes, List.of("io/modelwatch/cli/", "io/modelwatch/dashboard/", "io/modelwatch/demo/",
                "io/modelwatch/kafka/", "io/modelwatch/bench/"))).as("classes beside the job").isEmpty();
    }

    /** The same rule measured against the lib/ this module assembles for its cluster, class by class. */
    @Test
    void sharesNoClassWithTheClustersLib() throws IOException {
        Set<String> lib = new TreeSet<>();
        try (Stream<Path> jars = Files.list(LocalFlinkCluster.defaultFlinkLib())) {
            for (Path path : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (JarFile jar = new JarFile(path.toFile())) {
                    // Base entries only: flink-shaded-jackson carries an unrelocated multi-release copy of
                    // two snakeyaml classes without their base classes, a packaging slip, not a provided class.
                    lib.addAll(classesOf(jar, false));
                }
            }
        }
        Set<String> shared = new TreeSet<>(classes);
        shared.retainAll(lib);
        shared.removeIf(name -> SHARED_WITH_FLINK_LIB.stream().anyMatch(name::startsWith));
        assertThat(shared).as("classes in both the job jar and the cluster's lib/").isEmpty();
    }

    /**
     * Class files by class name; with {@code versioned}, also those of multi-release jars
     * ({@code META-INF/versions/N/}, under their class name).
     */
    private static Set<String> classesOf(JarFile jar, boolean versioned) {
        Set<String> names = new TreeSet<>();
        for (JarEntry entry : jar.stream().toList()) {
            String name = entry.getName();
            if (!name.endsWith(".class")) {
                continue;
            }
            if (!name.startsWith("META-INF/")) {
                names.add(name);
            } else if (versioned && name.matches("META-INF/versions/\\d+/.*")) {
                names.add(name.replaceFirst("^META-INF/versions/\\d+/", ""));
            }
        }
        names.removeIf(name -> name.endsWith("module-info.class"));
        return names;
    }

    /** The classes under any of {@code prefixes}, at most ten per prefix (enough to see what went wrong). */
    private static Set<String> matching(Set<String> names, List<String> prefixes) {
        Set<String> found = new TreeSet<>();
        for (String prefix : prefixes) {
            names.stream().filter(name -> name.startsWith(prefix)).limit(10).forEach(found::add);
        }
        return found;
    }
}
