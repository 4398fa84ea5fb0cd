package io.modelwatch.batching;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.types.StringValue;

/**
 * Writes and reads strings in the format of Flink's {@code StringValue.writeString}: the same
 * bytes, the same strings. {@code StringValue.writeString} hands the output one byte per call, an
 * interface call per char (a prediction id's 25 chars, 25 calls); {@link #write} gives a short
 * ASCII string, every id and name the bench has, in one call. {@link #read} decodes without
 * {@code StringValue.readString}'s thread-local buffer. That buffer is
 * looked up in the task thread's {@code ThreadLocal} map for every string, and a task thread's
 * map is crowded (the connectors', the state backend's and the libraries' entries): JFR of the
 * label join put {@code ThreadLocalMap.getEntryAfterMiss} at 15% of the join's thread, four
 * strings per prediction (docs/benchmarks.md). A string of chars up to U+00FF, every id and name
 * the job has seen, is decoded into a byte array the {@code String} keeps as its Latin-1 form.
 */
public final class WireStrings {
    private static final int HIGH_BIT = 0x80;
    private static final int LATIN1_MAX = 0xFF;

    private WireStrings() {
    }

    /** Strings up to this length have a one-byte length (the length plus one, below 0x80). */
    private static final int SHORT = HIGH_BIT - 2;

    /** Writes {@code s} (null allowed) as {@code StringValue.writeString} does. */
    public static void write(String s, DataOutput out) throws IOException {
        if (s == null) {
            out.write(0);
            return;
        }
        int len = s.length();
        if (len > SHORT) {
            StringValue.writeString(s, out);
            return;
        }
        byte[] b = new byte[len + 1];
        b[0] = (byte) (len + 1);
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c >= HIGH_BIT) {
                StringValue.writeString(s, out); // two bytes or more for this char
                return;
            }
            b[i + 1] = (byte) c;
        }
        out.write(b, 0, len + 1);
    }

    /** The next string of {@code in}, or null where a null was written. */
    public static String read(DataInput in) throws IOException {
        // StringValue's format: the length plus one (0: null), then each char, both 7 bits per
        // byte with the high bit set on all but the last byte.
        int len = readVarInt(in);
        if (len == 0) {
            return null;
        }
        len -= 1;
        byte[] latin1 = new byte[len];
        for (int i = 0; i < len; i++) {
            int c = readVarInt(in);
            if (c > LATIN1_MAX) {
                return readWide(in, latin1, i, (char) c, len);
            }
            latin1[i] = (byte) c;
        }
        return new String(latin1, StandardCharsets.ISO_8859_1);
    }

    /** The rest of a string with a char beyond Latin-1 at {@code at}, the chars before it in {@code latin1}. */
    private static String readWide(DataInput in, byte[] latin1, int at, char wide, int len) throws IOException {
        char[] chars = new char[len];
        for (int i = 0; i < at; i++) {
            chars[i] = (char) (latin1[i] & 0xFF);
        }
        chars[at] = wide;
        for (int i = at + 1; i < len; i++) {
            chars[i] = (char) readVarInt(in);
        }
        return new String(chars);
    }

    /** A length or char of StringValue's format: 7 bits per byte, the high bit set on all but the last. */
    static int readVarInt(DataInput in) throws IOException {
        int v = in.readUnsignedByte();
        if (v < HIGH_BIT) {
            return v;
        }
        v &= 0x7f;
        int shift = 7;
        int curr;
        while ((curr = in.readUnsignedByte()) >= HIGH_BIT) {
            v |= (curr & 0x7f) << shift;
            shift += 7;
        }
        return v | curr << shift;
    }
}
