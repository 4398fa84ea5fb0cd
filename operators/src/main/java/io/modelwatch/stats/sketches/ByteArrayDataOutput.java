package io.modelwatch.stats.sketches;

import java.io.ByteArrayOutputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A {@link DataOutput} into a growing byte array, writing exactly the bytes
 * {@link DataOutputStream} writes (big-endian, modified UTF-8), so state written by either reads
 * back with either. Unlike a {@code DataOutputStream} over a {@code ByteArrayOutputStream} it
 * takes no lock per byte: with 100,000 models, each state round trip of a profile (tens of
 * thousands of small writes) was dominated by {@code ByteArrayOutputStream}'s synchronised
 * {@code write} (docs/benchmarks.md). Not thread-safe; for one state value at a time.
 */
public final class ByteArrayDataOutput implements DataOutput {
    /** Big-endian ints and longs in one store each, not byte by byte (the same bytes). */
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private byte[] buf;
    private int size;

    public ByteArrayDataOutput(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    /** The bytes written so far, as a new array of exactly that length. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** Writes the bytes written so far to {@code out}. */
    public void copyTo(DataOutput out) throws IOException {
        out.write(buf, 0, size);
    }

    /** Empty again, keeping the array it has grown to (for {@link StateBytes}' per-thread reuse). */
    void reset() {
        size = 0;
    }

    /** The length of the array written into. */
    int capacity() {
        return buf.length;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    @Override
    public void writeBoolean(boolean v) {
        write(v ? 1 : 0);
    }

    @Override
    public void writeByte(int v) {
        write(v);
    }

    @Override
    public void writeShort(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    @Override
    public void writeChar(int v) {
        writeShort(v);
    }

    @Override
    public void writeInt(int v) {
        ensure(4);
        INT.set(buf, size, v);
        size += 4;
    }

    @Override
    public void writeLong(long v) {
        ensure(8);
        LONG.set(buf, size, v);
        size += 8;
    }

    @Override
    public void writeFloat(float v) {
        writeInt(Float.floatToIntBits(v));
    }

    @Override
    public void writeDouble(double v) {
        writeLong(Double.doubleToLongBits(v));
    }

    @Override
    public void writeBytes(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[size++] = (byte) s.charAt(i);
        }
    }

    @Override
    public void writeChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            writeChar(s.charAt(i));
        }
    }

    /**
     * Modified UTF-8 with a 2-byte length, as {@link DataOutputStream#writeUTF}. Feature names and
     * categories are ASCII almost always: those are copied directly; anything else goes through
     * {@code DataOutputStream} itself, so the encoding is its own.
     */
    @Override
    public void writeUTF(String s) throws IOException {
        int n = s.length();
        boolean ascii = n <= 65535;
        for (int i = 0; ascii && i < n; i++) {
            char c = s.charAt(i);
            ascii = c >= 0x01 && c <= 0x7F;
        }
        if (ascii) {
            writeShort(n);
            writeBytes(s);
            return;
        }
        ByteArrayOutputStream encoded = new ByteArrayOutputStream(n + 8);
        new DataOutputStream(encoded).writeUTF(s);
        write(encoded.toByteArray());
    }
}
