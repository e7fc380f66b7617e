package dev.ferry.testkit.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Snapshot entries and blob framing produced by our encoder against the captured full-sync bytes. */
class EntryConformanceTest {

    static TestStreamParser parseFlow(String scenario, int conn) {
        byte[] s2c = Captures.bytes(scenario, "conn-" + conn + ".s2c.bin");
        int reply = Captures.flowReplyLength(s2c);
        return TestStreamParser.parse(Arrays.copyOfRange(s2c, reply, s2c.length), 0);
    }

    /** Strings (raw and int-encoded values and keys), with and without the FC expiry prefix, re-encode to the captured bytes. */
    @ParameterizedTest
    @ValueSource(strings = {"uncompressed", "basic-lz4", "zstd"})
    void stringEntriesReencodeIdentically(String scenario) {
        int strings = 0;
        int intEncoded = 0;
        int withTtl = 0;
        for (int conn : new int[] {1, 2}) {
            for (TestStreamParser.Entry e : parseFlow(scenario, conn).all(TestStreamParser.Entry.class)) {
                if (e.type() != 0) continue;
                String value = TestStreamParser.str(new RdbBytes.Cursor(e.value(), 0));
                ByteArrayOutputStream v = new ByteArrayOutputStream();
                RdbBytes.string(v, value.getBytes(StandardCharsets.ISO_8859_1));
                EntryEncoder.Entry ours = EntryEncoder.encode(e.key().getBytes(StandardCharsets.ISO_8859_1), 0, v.toByteArray(),
                        e.expireAtMs(), e.dfMask(), e.mcFlags());
                assertThat(ours.bytes()).as("%s key %s", scenario, e.key()).isEqualTo(e.raw());
                strings++;
                if ((e.value()[0] & 0xC0) == 0xC0) intEncoded++;
                if (e.expireAtMs() > 0) withTtl++;
            }
        }
        assertThat(strings).isGreaterThan(50);
        assertThat(intEncoded).isPositive();
        assertThat(withTtl).isPositive();
    }

    /** Sticky keys and memcached flags: the DC prefix (mask 1, mask 2 + flags) is laid out as the master wrote it. */
    @Test
    void dfMaskPrefixes() {
        int masked = 0;
        for (int conn : new int[] {1, 2}) {
            for (TestStreamParser.Entry e : parseFlow("df-types", conn).all(TestStreamParser.Entry.class)) {
                EntryEncoder.Entry ours = EntryEncoder.encode(e.key().getBytes(StandardCharsets.ISO_8859_1), e.type(), e.value(),
                        e.expireAtMs(), e.dfMask(), e.mcFlags());
                assertThat(ours.bytes()).as("df-types key %s type %s", e.key(), e.type()).isEqualTo(e.raw());
                if (e.dfMask() != 0) masked++;
            }
        }
        assertThat(masked).isGreaterThanOrEqualTo(2);
    }

    /** Our LZ4 frames carry the same descriptor as the master's (independent 64 KiB blocks, content size); zstd likewise. */
    @Test
    void compressedFramesMatchCapturedFraming() {
        byte[] s2c = Captures.bytes("basic-lz4", "conn-1.s2c.bin");
        int at = Captures.indexOf(s2c, new byte[] {0x04, 0x22, 0x4D, 0x18}, 0);
        assertThat(at).isPositive();
        RdbBytes.Cursor c = new RdbBytes.Cursor(s2c, at);
        // walk back to the CA opcode: CA rdbstr(frame)
        int ca = Captures.indexOf(s2c, new byte[] {(byte) 0xCA}, at - 6);
        c.pos = ca + 1;
        byte[] frame = TestStreamParser.bytes(c);
        byte[] inflated = TestStreamParser.lz4(frame);
        byte[] ours = BlobCompressor.lz4Frame(inflated);
        assertThat(Arrays.copyOf(ours, 6)).isEqualTo(Arrays.copyOf(frame, 6));
        assertThat(RdbBytes.readLe(ours, 6, 8)).isEqualTo(inflated.length).isEqualTo(RdbBytes.readLe(frame, 6, 8));
        assertThat(TestStreamParser.lz4(ours)).isEqualTo(inflated);
        byte[] blob = new BlobCompressor(Compression.LZ4).frame(inflated, true);
        assertThat(blob[0] & 0xFF).isEqualTo(0xCA);

        byte[] z = Captures.bytes("zstd", "conn-1.s2c.bin");
        int zat = Captures.indexOf(z, new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD}, 0);
        int c9 = Captures.indexOf(z, new byte[] {(byte) 0xC9}, zat - 6);
        RdbBytes.Cursor zc = new RdbBytes.Cursor(z, c9 + 1);
        byte[] zframe = TestStreamParser.bytes(zc);
        byte[] zin = Zstd.decompress(zframe, (int) Zstd.getFrameContentSize(zframe));
        byte[] zours = Zstd.compress(zin, BlobCompressor.LEVEL);
        assertThat(Zstd.getFrameContentSize(zours)).isEqualTo(zin.length);
        assertThat(zours[4]).as("frame header descriptor").isEqualTo(zframe[4]);
    }

    /** The AUX set per flow, in the captured order; integers int-encoded. */
    @Test
    void auxFieldsAsCaptured() {
        List<String> flow0 = List.copyOf(parseFlow("uncompressed", 1).aux.keySet());
        assertThat(flow0).containsExactly("redis-ver", "df-ver", "redis-bits", "ctime", "used-mem", "aof-preamble",
                "shard-count", "table-mem", "shard-id");
        List<String> flow1 = List.copyOf(parseFlow("uncompressed", 2).aux.keySet());
        assertThat(flow1).containsExactly("redis-ver", "df-ver", "redis-bits", "ctime", "used-mem", "aof-preamble", "shard-id");
    }
}
