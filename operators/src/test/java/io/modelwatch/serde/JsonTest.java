package io.modelwatch.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class JsonTest {
    record Point(String name, double x) {}

    @Test
    void rememberedBytesServeTheSameObjectOnceAndNothingElse() {
        Point p = new Point("a", 1.5);
        byte[] json = Json.toBytes(p);
        Json.rememberBytes(p, json);
        // An equal but different object is written afresh, and does not use up the remembered bytes.
        Point equal = new Point("a", 1.5);
        assertThat(Json.toBytes(equal)).isNotSameAs(json).isEqualTo(json);
        assertThat(Json.toBytes(p)).isSameAs(json);
        // Used once: the next call writes again (same content).
        byte[] again = Json.toBytes(p);
        assertThat(again).isNotSameAs(json);
        assertThat(new String(again, StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"a\",\"x\":1.5}");
    }

    @Test
    void rememberedBytesBelongToTheThreadThatRememberedThem() throws Exception {
        Point p = new Point("b", 2);
        byte[] json = Json.toBytes(p);
        Json.rememberBytes(p, json);
        byte[][] other = new byte[1][];
        Thread t = new Thread(() -> other[0] = Json.toBytes(p));
        t.start();
        t.join();
        assertThat(other[0]).isNotSameAs(json).isEqualTo(json);
        assertThat(Json.toBytes(p)).isSameAs(json);
    }
}
