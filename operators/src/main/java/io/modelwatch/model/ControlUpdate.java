package io.modelwatch.model;

/**
 * A checked control record, broadcast to every model monitor: the new control state of
 * {@code key} (a model id or {@code *}) as the command's JSON, or {@code command == null} when a
 * tombstone removed it.
 */
public record ControlUpdate(String key, String command) {}
