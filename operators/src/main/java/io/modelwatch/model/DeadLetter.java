package io.modelwatch.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A record that could not be used, with where it came from and why. {@code payload} holds the
 * bytes as text when they are UTF-8, otherwise {@code payloadBase64} holds them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(
        String topic,
        int partition,
        long offset,
        String receivedAt,
        String error,
        String payload,
        String payloadBase64) {}
