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

    /**
     * Largest array a thread keeps between calls (1 MB): above it, one unusually large value does
     * not pin its buffer to the thread for good.
     */
    static final int MAX_KEPT_CAPACITY = 1 << 20;

    /**
     * Each thread's output array, kept between calls: a fresh one started at 256 bytes and doubled
     * to the value's size (a learning profile of 25 features is tens of KB), so every write-back
     * of an open profile allocated two to three times its size, the largest allocation of the job
     * at 1,000 models with little traffic each (docs/benchmarks.md). Empty while a call uses it, so
     * a writer that calls {@link #of} itself gets an array of its own.
     */
    private static final ThreadLocal<ByteArrayDataOutput> SPARE = new ThreadLocal<>();

    private StateBytes() {}

    /** The bytes {@code writer} writes, as a new array of exactly that length. */
    public static byte[] of(Writer writer) {
        ByteArrayDataOutput out = SPARE.get();
        if (out == null) {
            out = new ByteArrayDataOutput(256);
        } else {
            SPARE.set(null);
        }
        try {
            writer.writeTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            out.reset();
            if (out.capacity() <= MAX_KEPT_CAPACITY) {
                SPARE.set(out);
            }
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
