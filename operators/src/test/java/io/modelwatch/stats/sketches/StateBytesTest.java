package io.modelwatch.stats.sketches;

import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.testing.Events;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * State written before {@link ByteArrayDataOutput} (with {@code DataOutputStream}) is in every
 * savepoint of earlier builds: the new writer must produce the same bytes, and the new reader
 * read them, for every kind of value the state classes write.
 */
class StateBytesTest {
    /** Strings as state holds them: ASCII names, empty, non-ASCII categories, NUL, surrogate pairs. */
    static final List<String> STRINGS = List.of("", "tenure_months", "plan", "Zürich", "東京", "a\u0000b",
            "emoji \uD83D\uDE00", "\u007F\u0080\u07FF\u0800\uFFFF", "x".repeat(1000));

    static void writeEverything(DataOutput out) throws IOException {
        out.writeByte(0x7F);
        out.writeByte(-1);
        out.writeBoolean(true);
        out.writeBoolean(false);
        out.writeShort(-2);
        out.writeShort(0xABCD);
        out.writeChar('é');
        for (int v : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x12345678}) {
            out.writeInt(v);
        }
        for (long v : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x0123456789ABCDEFL}) {
            out.writeLong(v);
        }
        for (double v : new double[] {0.0, -0.0, 1.5, Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE}) {
            out.writeDouble(v);
        }
        out.writeFloat(3.25f);
        for (String s : STRINGS) {
            out.writeUTF(s);
        }
        out.write(new byte[] {1, 2, 3, 4, 5}, 1, 3);
        out.writeBytes("ab");
        out.writeChars("cd");
    }

    static List<Object> readEverything(DataInput in) throws IOException {
        List<Object> values = new ArrayList<>();
        values.add(in.readByte());
        values.add(in.readUnsignedByte());
        values.add(in.readBoolean());
        values.add(in.readBoolean());
        values.add(in.readShort());
        values.add(in.readUnsignedShort());
        values.add(in.readChar());
        for (int i = 0; i < 6; i++) {
            values.add(in.readInt());
        }
        for (int i = 0; i < 5; i++) {
            values.add(in.readLong());
        }
        for (int i = 0; i < 6; i++) {
            values.add(Double.doubleToRawLongBits(in.readDouble()));
        }
        values.add(in.readFloat());
        for (int i = 0; i < STRINGS.size(); i++) {
            values.add(in.readUTF());
        }
        byte[] three = new byte[3];
        in.readFully(three);
        values.add(List.of(three[0], three[1], three[2]));
        values.add(in.skipBytes(2));
        values.add(in.readChar());
        values.add(in.readChar());
        return values;
    }

    static byte[] withDataOutputStream() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeEverything(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    @Test
    void writesTheBytesDataOutputStreamWrites() throws IOException {
        ByteArrayDataOutput out = new ByteArrayDataOutput(1);
        writeEverything(out);
        assertThat(out.toByteArray()).isEqualTo(withDataOutputStream());
    }

    @Test
    void readsWhatDataInputStreamReads() throws IOException {
        byte[] bytes = withDataOutputStream();
        List<Object> expected = readEverything(new DataInputStream(new ByteArrayInputStream(bytes)));
        assertThat(readEverything(new ByteArrayDataInput(bytes))).isEqualTo(expected);
        assertThat(expected).contains("Zürich", "東京", "a\u0000b", "emoji \uD83D\uDE00", "tenure_months");
    }

    @Test
    void endOfInputIsAnEofAsWithDataInputStream() {
        byte[] bytes = {0, 0, 0};
        assertThatThrownBy(() -> new ByteArrayDataInput(bytes).readInt()).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> new ByteArrayDataInput(new byte[] {0, 5, 'a'}).readUTF())
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> StateBytes.read(bytes, DataInput::readLong)).isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(EOFException.class);
    }

    @Test
    void aStringTooLongForModifiedUtf8FailsAsWithDataOutputStream() {
        assertThatThrownBy(() -> new ByteArrayDataOutput(16).writeUTF("é".repeat(40_000)))
                .isInstanceOf(UTFDataFormatException.class);
        assertThatThrownBy(() -> new ByteArrayDataOutput(16).writeUTF("a".repeat(70_000)))
                .isInstanceOf(UTFDataFormatException.class);
    }

    @Test
    void profilesAndReferencesRoundTripToTheSameBytes() {
        ModelProfile learned = new ModelProfile();
        Events.stream("m", 1, 2_000, 0, 100, 0.1, 0.05).forEach(learned::add);
        ReferenceProfile ref = ReferenceProfile.freeze(learned, 10, 20);
        ModelProfile window = ModelProfile.against(ref);
        Events.stream("m", 2, 1_000, 0, 100, 0.5, 0.1).forEach(e -> window.add(e, ref));
        for (byte[] bytes : List.of(learned.toBytes(), window.toBytes(), ref.toBytes())) {
            assertThat(bytes.length).isGreaterThan(1_000);
        }
        assertThat(ModelProfile.fromBytes(learned.toBytes()).toBytes()).isEqualTo(learned.toBytes());
        assertThat(ModelProfile.fromBytes(window.toBytes()).toBytes()).isEqualTo(window.toBytes());
        assertThat(ReferenceProfile.fromBytes(ref.toBytes()).toBytes()).isEqualTo(ref.toBytes());
    }

    @Test
    void theThreadsReusedArrayGivesEachValueExactlyItsBytes() throws IOException {
        byte[] everything = withDataOutputStream();
        // A large value, then a small one: the small one must not carry the large one's tail.
        byte[] large = StateBytes.of(out -> out.write(new byte[100_000]));
        assertThat(large).hasSize(100_000);
        assertThat(StateBytes.of(StateBytesTest::writeEverything)).isEqualTo(everything);
        assertThat(StateBytes.of(out -> out.writeInt(7))).containsExactly(0, 0, 0, 7);
        // A writer that writes state bytes of its own inside (as WindowResult's deflated report).
        byte[] nested = StateBytes.of(out -> {
            out.writeByte(1);
            byte[] inner = StateBytes.of(StateBytesTest::writeEverything);
            out.writeInt(inner.length);
            out.write(inner);
            out.writeByte(2);
        });
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(expected);
        data.writeByte(1);
        data.writeInt(everything.length);
        data.write(everything);
        data.writeByte(2);
        assertThat(nested).isEqualTo(expected.toByteArray());
        // A writer that fails leaves nothing behind for the next value.
        assertThatThrownBy(() -> StateBytes.of(out -> {
            out.writeLong(42);
            throw new IOException("broken");
        })).isInstanceOf(UncheckedIOException.class);
        assertThat(StateBytes.of(out -> out.writeShort(3))).containsExactly(0, 3);
        // Larger than what a thread keeps: still written whole.
        assertThat(StateBytes.of(out -> out.write(new byte[StateBytes.MAX_KEPT_CAPACITY + 1])))
                .hasSize(StateBytes.MAX_KEPT_CAPACITY + 1);
        assertThat(StateBytes.of(out -> out.writeByte(9))).containsExactly(9);
    }
}
