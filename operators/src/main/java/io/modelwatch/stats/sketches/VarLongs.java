package io.modelwatch.stats.sketches;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Variable-length longs of the state formats (LEB128: seven bits per byte, low bits first, the
 * high bit set on every byte but the last), so the small counts and ids that state is full of take
 * a byte or two instead of eight. ZigZag maps signed values to unsigned ones first (0, -1, 1, -2
 * ... to 0, 1, 2, 3 ...), so a small negative value stays short too.
 */
public final class VarLongs {
    private VarLongs() {}

    /** {@code v} as an unsigned varint: 1 byte below 128, at most 10. */
    public static void writeUnsigned(DataOutput out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    /** An unsigned varint; {@code what} names the state in the error of a malformed one. */
    public static long readUnsigned(DataInput in, String what) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("malformed varint in " + what + ": longer than 10 bytes");
    }

    /** {@code v} ZigZag-encoded, as an unsigned varint. */
    public static void writeSigned(DataOutput out, long v) throws IOException {
        writeUnsigned(out, (v << 1) ^ (v >> 63));
    }

    /** A ZigZag-encoded varint. */
    public static long readSigned(DataInput in, String what) throws IOException {
        long z = readUnsigned(in, what);
        return (z >>> 1) ^ -(z & 1);
    }
}
