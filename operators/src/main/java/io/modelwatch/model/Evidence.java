package io.modelwatch.model;

/** One statistic that crossed its threshold in one window; a trigger carries these. */
public record Evidence(String signal, String statistic, double value, double threshold, String windowEnd) {
    /** How far past its threshold: the order "strongest first" uses. */
    public double strength() {
        return threshold > 0 ? value / threshold : value;
    }
}
