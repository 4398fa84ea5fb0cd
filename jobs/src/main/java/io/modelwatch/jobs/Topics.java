package io.modelwatch.jobs;

import java.io.Serializable;

/** Topic names; every one can be changed by a flag. Defaults as docs/topics.md lists them. */
public record Topics(String predictions, String labels, String control, String triggers, String health,
        String deadLetters) implements Serializable {
    public static Topics defaults() {
        return new Topics("predictions", "labels", "monitor-control", "retrain-triggers", "model-health", "dead-letters");
    }
}
