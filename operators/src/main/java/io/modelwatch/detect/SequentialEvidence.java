package io.modelwatch.detect;

/**
 * What a sequential change detector says about one signal after this window: its statistic, the
 * threshold it alarms at, and whether it alarms. An alarm flags the signal in this window just
 * as a failed two-sample test does.
 *
 * @param signal {@code feature:<name>} or {@code prediction}
 * @param statistic e.g. {@code cusum} or {@code page_hinkley}
 */
public record SequentialEvidence(String signal, String statistic, double value, double threshold, boolean alarm) {}
