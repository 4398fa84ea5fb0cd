package io.modelwatch.stats.sketches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class VarLongsTest {
    static byte[] unsigned(long v) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        VarLongs.writeUnsigned(new DataOutputStream(bytes), v);
        return bytes.toByteArray();
    }

    static byte[] signed(long v) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        VarLongs.writeSigned(new DataOutputStream(bytes), v);
        return bytes.toByteArray();
    }

    static DataInputStream in(byte[] b) {
        return new DataInputStream(new ByteArrayInputStream(b));
    }

    @Test
    void writesLeb128AsItsSpecificationDoes() throws IOException {
        // The LEB128 examples of the DWARF specification (section 7.6) and the protobuf docs.
        assertThat(unsigned(0)).containsExactly(0x00);
        assertThat(unsigned(127)).containsExactly(0x7f);
        assertThat(unsigned(128)).containsExactly(0x80, 0x01);
        assertThat(unsigned(300)).containsExactly(0xac, 0x02);
        assertThat(unsigned(624_485)).containsExactly(0xe5, 0x8e, 0x26);
        assertThat(unsigned(-1)).hasSize(10);
        // ZigZag (protobuf's sint64): 0, -1, 1, -2, 2147483647, -2147483648 -> 0, 1, 2, 3, 4294967294, 4294967295.
        assertThat(signed(0)).containsExactly(0x00);
        assertThat(signed(-1)).containsExactly(0x01);
        assertThat(signed(1)).containsExactly(0x02);
        assertThat(signed(-2)).containsExactly(0x03);
        assertThat(signed(Integer.MAX_VALUE)).isEqualTo(unsigned(4_294_967_294L));
        assertThat(signed(Integer.MIN_VALUE)).isEqualTo(unsigned(4_294_967_295L));
    }

    @Test
    void readsBackWhatItWrote() throws IOException {
        for (long v : new long[] {0, 1, 127, 128, 16_383, 16_384, 1_700_000_000_000L, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
            assertThat(VarLongs.readUnsigned(in(unsigned(v)), "test")).isEqualTo(v);
            assertThat(VarLongs.readSigned(in(signed(v)), "test")).isEqualTo(v);
        }
    }

    @Test
    void aVarintLongerThanTenBytesIsMalformedAndSaysWhere() {
        byte[] eleven = new byte[11];
        java.util.Arrays.fill(eleven, (byte) 0x80);
        assertThatThrownBy(() -> VarLongs.readUnsigned(in(eleven), "segment counts"))
                .isInstanceOf(IOException.class).hasMessageContaining("segment counts");
    }
}
