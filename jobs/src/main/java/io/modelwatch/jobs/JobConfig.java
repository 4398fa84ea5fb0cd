package io.modelwatch.jobs;

import io.modelwatch.monitor.ModelMonitorFunction;

import io.modelwatch.config.ThresholdsConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;

/**
 * What shapes the job graph beyond its sources and sinks.
 *
 * @param maxOutOfOrderness how far behind the newest event an event may arrive and still count
 *     in its window (watermark delay). 30 s covers producers that batch for a few seconds and
 *     skew between partitions, while keeping a window's report within ~30 s of its end.
 * @param labelsTopic named in dead letters of labels whose prediction never came
 * @param references reference profiles given up front (bin/modelwatch profile, --references), by
 *     {@code ModelKey}, serialised; model versions without one learn their reference from traffic
 * @param idleness a partition that sends nothing for this long (processing time) stops holding
 *     back the watermark, so a quiet partition cannot stall every window.
 * @param labelledModelsOnly the label join keeps predictions only of models that have sent a label
 *     ({@code run --label-join labelled-models}); false, the default, keeps every prediction with
 *     an id (see {@code PredictionsOfLabelledModels} for the trade-off)
 */
public record JobConfig(ThresholdsConfig thresholds, Duration maxOutOfOrderness, Duration idleness, String labelsTopic,
        Map<String, byte[]> references, boolean labelledModelsOnly, int openProfiles) implements Serializable {

    public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLENESS = Duration.ofMinutes(1);
    /**
     * Model versions per monitor instance whose open profiles stay on the heap: by default as many
     * as a share of the instance's heap holds ({@code ModelMonitorFunction.OPEN_PROFILES_FROM_HEAP});
     * {@code --open-profiles N} gives N.
     */
    public static final int DEFAULT_OPEN_PROFILES = ModelMonitorFunction.OPEN_PROFILES_FROM_HEAP;

    public JobConfig {
        references = references == null ? Map.of() : Map.copyOf(references);
        if (openProfiles < 0) {
            throw new IllegalArgumentException("openProfiles must be >= 1 (or " + DEFAULT_OPEN_PROFILES
                    + ": sized from the heap), was " + openProfiles);
        }
    }

    public JobConfig(ThresholdsConfig thresholds, Duration maxOutOfOrderness, Duration idleness, String labelsTopic,
            Map<String, byte[]> references) {
        this(thresholds, maxOutOfOrderness, idleness, labelsTopic, references, false, DEFAULT_OPEN_PROFILES);
    }

    public JobConfig(ThresholdsConfig thresholds, Duration maxOutOfOrderness, Duration idleness) {
        this(thresholds, maxOutOfOrderness, idleness, "labels", Map.of());
    }

    public JobConfig(ThresholdsConfig thresholds, Duration maxOutOfOrderness, Duration idleness,
            Map<String, byte[]> references) {
        this(thresholds, maxOutOfOrderness, idleness, "labels", references);
    }

    public static JobConfig of(ThresholdsConfig thresholds) {
        return new JobConfig(thresholds, DEFAULT_OUT_OF_ORDERNESS, DEFAULT_IDLENESS);
    }
}
