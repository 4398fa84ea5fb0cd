package io.modelwatch.jobs;

import io.modelwatch.config.ThresholdsConfig;
import java.io.Serializable;
import java.time.Duration;

/**
 * What shapes the job graph beyond its sources and sinks.
 *
 * @param maxOutOfOrderness how far behind the newest event an event may arrive and still count
 *     in its window (watermark delay). 30 s covers producers that batch for a few seconds and
 *     skew between partitions, while keeping a window's report within ~30 s of its end.
 * @param labelsTopic named in dead letters of labels whose prediction never came
 * @param idleness a partition that sends nothing for this long (processing time) stops holding
 *     back the watermark, so a quiet partition cannot stall every window.
 */
public record JobConfig(ThresholdsConfig thresholds, Duration maxOutOfOrderness, Duration idleness, String labelsTopic)
        implements Serializable {

    public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLENESS = Duration.ofMinutes(1);

    public JobConfig(ThresholdsConfig thresholds, Duration maxOutOfOrderness, Duration idleness) {
        this(thresholds, maxOutOfOrderness, idleness, "labels");
    }

    public static JobConfig of(ThresholdsConfig thresholds) {
        return new JobConfig(thresholds, DEFAULT_OUT_OF_ORDERNESS, DEFAULT_IDLENESS);
    }
}
