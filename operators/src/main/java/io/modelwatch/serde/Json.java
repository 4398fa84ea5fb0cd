package io.modelwatch.serde;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON mapper of the output topics: records in, compact UTF-8 JSON out. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    /** {value, its JSON} of {@link #rememberBytes}, until used. */
    private static final ThreadLocal<Object[]> REMEMBERED = new ThreadLocal<>();

    private Json() {}

    /**
     * The next {@link #toBytes} on this thread of this very object (identity, not equality)
     * returns {@code json}, which must be {@code toBytes(value)}, instead of writing it again: an
     * operator that already has the JSON of a record it emits spares the sink chained to it
     * (same thread, called within the emit) writing the same JSON. One value is remembered, until
     * it is used or another takes its place. The records are immutable, so the bytes are the same.
     */
    public static void rememberBytes(Object value, byte[] json) {
        REMEMBERED.set(new Object[] {value, json});
    }

    public static byte[] toBytes(Object value) {
        Object[] remembered = REMEMBERED.get();
        if (remembered != null && remembered[0] == value) {
            REMEMBERED.remove();
            return (byte[]) remembered[1];
        }
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T read(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
