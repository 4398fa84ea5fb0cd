package io.modelwatch.evaluation;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * The traffic of one simulated model: its feature names and a draw of one event's feature values
 * and prediction. {@code drift} is how far the scenario's change has gone at the event's time: 0
 * before it (the population the reference is learned from), 1 when fully in effect, in between
 * on a ramp. A population never looks at the clock otherwise, so the same seed replays the same
 * events.
 */
public interface Population extends Serializable {
    /** Feature names, in the order {@link #draw} fills them. */
    String[] features();

    /**
     * Fills {@code values} with one event's features ({@code Double} numeric, {@code String}
     * categorical, {@code null} missing) and returns the prediction score.
     */
    double draw(SplittableRandom random, double drift, Object[] values);
}
