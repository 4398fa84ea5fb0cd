package io.modelwatch.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.StringValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WireStringsTest {

    /**
     * Strings of every shape the wire can hold: empty, ASCII, Latin-1 (two bytes a char on the
     * wire), beyond Latin-1 first, last and in the middle, a lone surrogate, NUL, longer than
     * StringValue's 2,048-char buffer, and random ones over the whole BMP.
     */
    private static List<String> strings() {
        List<String> s = new ArrayList<>(List.of("", "a", "model-00042-1700000000000", "région", "ÿ", "日本語",
                "é日", "ab日", "日ab", "\uD800", "\u0000x", "\u007F", "a\u0080", "x".repeat(2049), "ü".repeat(3000) + "日",
                "k".repeat(126), "k".repeat(127), "k".repeat(128), "k".repeat(125) + "é"));
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(0, 40);
            int top = r.nextInt(3) == 0 ? 0xFFFF : r.nextBoolean() ? 0xFF : 0x7F;
            for (int k = 0; k < n; k++) {
                b.append((char) r.nextInt(0, top + 1));
            }
            s.add(b.toString());
        }
        return s;
    }

    @Test
    void writesWhatStringValueWritesNullIncluded() throws Exception {
        List<String> written = strings();
        written.add(3, null);
        DataOutputSerializer flink = new DataOutputSerializer(1 << 20);
        DataOutputSerializer ours = new DataOutputSerializer(1 << 20);
        for (String s : written) {
            StringValue.writeString(s, flink);
            WireStrings.write(s, ours);
            assertThat(ours.length()).as("after %s", s).isEqualTo(flink.length());
        }
        assertThat(ours.getCopyOfBuffer()).isEqualTo(flink.getCopyOfBuffer());
    }

    @Test
    void readsWhatStringValueReadsNullIncluded() throws Exception {
        List<String> written = strings();
        written.add(3, null);
        written.add(null);
        DataOutputSerializer out = new DataOutputSerializer(1 << 20);
        for (String s : written) {
            StringValue.writeString(s, out);
            out.writeByte(0x5A); // what follows a string on the wire is left where it was
        }
        byte[] bytes = out.getCopyOfBuffer();
        DataInputDeserializer flink = new DataInputDeserializer(bytes);
        DataInputDeserializer ours = new DataInputDeserializer(bytes);
        for (String s : written) {
            String expected = StringValue.readString(flink);
            assertThat(expected).isEqualTo(s);
            assertThat(flink.readByte()).isEqualTo((byte) 0x5A);
            assertThat(WireStrings.read(ours)).isEqualTo(expected);
            assertThat(ours.readByte()).isEqualTo((byte) 0x5A);
        }
        assertThat(ours.available()).isZero();
    }
}
