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
class SharedStringsTest {

    /** Strings of every shape the wire can hold, among them ones whose slot collides. */
    private static List<String> strings() {
        List<String> s = new ArrayList<>(List.of("", "a", "b", "Aa", "BB", "région", "日本語", "\uD800", "\u0000x",
                "x".repeat(SharedStrings.MAX_SHARED_LENGTH), "y".repeat(SharedStrings.MAX_SHARED_LENGTH + 1),
                "z".repeat(200), "ü".repeat(150)));
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(0, 12);
            for (int k = 0; k < n; k++) {
                b.append((char) (r.nextBoolean() ? r.nextInt('a', 'z' + 1) : r.nextInt(1, 0xFFFF)));
            }
            s.add(b.toString());
        }
        return s;
    }

    @Test
    void readsWhatStringValueReadsNullIncluded() throws Exception {
        List<String> written = strings();
        written.add(null);
        written.addAll(strings()); // a second time: now most come from the table
        DataOutputSerializer out = new DataOutputSerializer(1 << 20);
        for (String s : written) {
            StringValue.writeString(s, out);
        }
        byte[] bytes = out.getCopyOfBuffer();
        DataInputDeserializer flink = new DataInputDeserializer(bytes);
        DataInputDeserializer ours = new DataInputDeserializer(bytes);
        SharedStrings shared = new SharedStrings();
        for (String s : written) {
            String expected = StringValue.readString(flink);
            assertThat(expected).isEqualTo(s);
            assertThat(shared.read(ours)).isEqualTo(expected);
        }
        assertThat(ours.available()).isZero();
    }

    @Test
    void anEqualShortStringReadAgainIsTheSameObjectALongOneIsNot() throws Exception {
        String longOne = "q".repeat(SharedStrings.MAX_SHARED_LENGTH + 1);
        DataOutputSerializer out = new DataOutputSerializer(256);
        for (String s : new String[] {"mobile", "desktop", "mobile", longOne, longOne, "desktop"}) {
            StringValue.writeString(s, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        SharedStrings shared = new SharedStrings();
        String mobile = shared.read(in);
        String desktop = shared.read(in);
        assertThat(shared.read(in)).isSameAs(mobile);
        String long1 = shared.read(in);
        String long2 = shared.read(in);
        assertThat(long2).isEqualTo(long1).isNotSameAs(long1);
        assertThat(shared.read(in)).isSameAs(desktop);
    }
}
