package io.modelwatch.serde;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.modelwatch.model.HealthReport;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one JSON mapper of the output topics: records in, compact UTF-8 JSON out. A health report,
 * sent once per window of every model version, is written by hand ({@link HealthReportJson}) to
 * exactly the bytes this mapper writes for it, without the mapper's reflection.
 */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // Doubles by Jackson's port of the Schubfach algorithm (Java 19's Double.toString)
            // instead of Java 17's Double.toString: the same notation, and the shortest decimal
            // that reads back as the same double, at a fraction of the cost. A health report is
            // mostly doubles, one per statistic and feature, and their digits were a third of
            // writing it (docs/benchmarks.md). Where Java 17 printed more digits than needed
            // (JDK-4511638) the number is shorter; it still reads back as the same double.
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private Json() {}

    public static byte[] toBytes(Object value) {
        try {
            if (value instanceof HealthReport report) {
                return HealthReportJson.toBytes(report);
            }
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
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
