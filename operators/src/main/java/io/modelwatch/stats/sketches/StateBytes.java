package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
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
            ByteArrayDataOutput out = new ByteArrayDataOutput(256);
            writer.writeTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T read(byte[] bytes, Reader<T> reader) {
        try {
            return reader.readFrom(new ByteArrayDataInput(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
