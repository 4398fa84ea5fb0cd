package io.modelwatch.cluster;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests of this module find things of the repository: the job jar and this module's scripts. */
final class JobJar {

    /** The job jar's entry class, also its manifest's Main-Class. */
    static final String ENTRY_CLASS = "io.modelwatch.jobs.MonitoringJob";

    private JobJar() {}

    /** This module's directory (surefire's {@code basedir}; the working directory otherwise). */
    static Path moduleDir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    /**
     * {@code jobs/target/modelwatch-job.jar}, the shaded job jar that {@code flink run} and the Helm chart
     * submit. The reactor builds it before this module, since this module depends on {@code modelwatch-jobs}.
     */
    static Path path() {
        Path jar = moduleDir().resolve("../../jobs/target/modelwatch-job.jar").normalize();
        if (!Files.isRegularFile(jar)) {
            fail("No job jar at " + jar + ". Build it first: `mvn -B -pl jobs -am package -DskipTests` from the"
                    + " repository root (`mvn verify` from the root builds it before this module).");
        }
        return jar;
    }
}
