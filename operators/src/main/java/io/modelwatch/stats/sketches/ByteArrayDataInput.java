package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A {@link DataInput} over a byte array, reading what {@link ByteArrayDataOutput} and
 * {@link java.io.DataOutputStream} write, with {@link EOFException} past the end as
 * {@link DataInputStream}. It exists for the same reason as its writer: a
 * {@code DataInputStream} over a {@code ByteArrayInputStream} takes a lock for every
 * {@code readInt} and {@code readLong}.
 */
public final class ByteArrayDataInput implements DataInput {
    /** Big-endian ints and longs in one load each, not byte by byte (the same values). */
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private final byte[] buf;
    private int pos;

    public ByteArrayDataInput(byte[] buf) {
        this.buf = buf;
    }

    private int take(int n) throws EOFException {
        if (n > buf.length - pos) {
            pos = buf.length;
            throw new EOFException();
        }
        int at = pos;
        pos += n;
        return at;
    }

    @Override
    public void readFully(byte[] b) throws IOException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
        System.arraycopy(buf, take(len), b, off, len);
    }

    @Override
    public int skipBytes(int n) {
        int skipped = Math.max(0, Math.min(n, buf.length - pos));
        pos += skipped;
        return skipped;
    }

    @Override
    public boolean readBoolean() throws IOException {
        return buf[take(1)] != 0;
    }

    @Override
    public byte readByte() throws IOException {
        return buf[take(1)];
    }

    @Override
    public int readUnsignedByte() throws IOException {
        return buf[take(1)] & 0xFF;
    }

    @Override
    public short readShort() throws IOException {
        int at = take(2);
        return (short) ((buf[at] << 8) | (buf[at + 1] & 0xFF));
    }

    @Override
    public int readUnsignedShort() throws IOException {
        int at = take(2);
        return ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
    }

    @Override
    public char readChar() throws IOException {
        return (char) readUnsignedShort();
    }

    @Override
    public int readInt() throws IOException {
        return (int) INT.get(buf, take(4));
    }

    @Override
    public long readLong() throws IOException {
        return (long) LONG.get(buf, take(8));
    }

    @Override
    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    /** Not used by any state class (DataInputStream deprecates it too). */
    @Override
    public String readLine() {
        throw new UnsupportedOperationException("readLine");
    }

    /** Modified UTF-8 with a 2-byte length; ASCII directly, anything else as DataInputStream decodes it. */
    @Override
    public String readUTF() throws IOException {
        int n = readUnsignedShort();
        int at = pos;
        take(n);
        for (int i = at; i < at + n; i++) {
            if (buf[i] <= 0) {
                // A byte of a multi-byte sequence (or a malformed one): DataInputStream's decoder.
                pos = at - 2;
                return DataInputStream.readUTF(this);
            }
        }
        return new String(buf, at, n, StandardCharsets.ISO_8859_1);
    }
}
