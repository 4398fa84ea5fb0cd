package io.modelwatch.model;

/**
 * A record of the {@code monitor-control} topic as read, before it is checked: where it came from
 * (for a dead letter), its key and its value ({@code null}: a tombstone).
 */
public record ControlRecord(String topic, int partition, long offset, long kafkaTimestamp, String key, byte[] value) {}
