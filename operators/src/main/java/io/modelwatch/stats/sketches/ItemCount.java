package io.modelwatch.stats.sketches;

/** One entry of a {@link TopKCounter#top(int)} answer: an item and its estimated count. */
public record ItemCount(String item, long count) {}
