package io.modelwatch.stats;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The byte-array round trip of the state classes' explicit binary forms ({@code writeTo} /
 * {@code readFrom}), as RocksDB stores them. In memory, so an IOException can only mean a bug
 * or corrupt state: it is rethrown unchecked.
 */
public final class StateBytes {
    /** A {@code writeTo} method. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(DataOutput out) throws IOException;
    }

    /** A {@code readFrom} method. */
    @FunctionalInterface
    public interface Reader<T> {
        T readFrom(DataInput in) throws IOException;
    }

    private StateBytes() {}

    public static byte[] of(Writer writer) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            writer.writeTo(new DataOutputStream(bytes));
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T read(byte[] bytes, Reader<T> reader) {
        try {
            return reader.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
