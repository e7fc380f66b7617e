package dev.ferry.rdb;

import dev.ferry.record.ElementBatch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Types the corpus lacks (20, 21, 22, 23), built by hand from the layouts in rdb.c / t_stream.c. */
class SyntheticTypesTest {

    /** A listpack of short strings (< 64 bytes) and small non-negative ints (< 128). */
    static byte[] lp(Object... entries) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Object e : entries) {
            if (e instanceof Integer) {
                body.write((Integer) e);
                body.write(1);
            } else {
                byte[] s = ((String) e).getBytes(StandardCharsets.ISO_8859_1);
                body.write(0x80 | s.length);
                body.write(s, 0, s.length);
                body.write(1 + s.length);
            }
        }
        int total = 6 + body.size() + 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(total);
        out.write(total >>> 8);
        out.write(0);
        out.write(0);
        out.write(entries.length);
        out.write(0);
        out.write(body.toByteArray(), 0, body.size());
        out.write(0xff);
        return out.toByteArray();
    }

    private static RecordingVisitor read(byte[] file) {
        RecordingVisitor v = new RecordingVisitor();
        new RdbReader(new ByteArrayInputStream(file), v, new RdbReader.Options()).read();
        return v;
    }

    @Test
    void setListpackAndPreReleaseHashTtlTypes() {
        byte[] file = new RdbFiles(12)
                .raw(20).string("set").string(lp("a", "b", 7))
                .raw(22).string("h22").len(2).len(5000).string("f1").string("v1").len(0).string("f2").string("v2")
                .raw(23).string("h23").string(lp("f1", "v1", 100, "f2", "v2", 0))
                .raw(24).string("h24").longLE(1000).len(2).len(1).string("f1").string("v1").len(0).string("f2").string("v2")
                .end(true);
        RecordingVisitor v = read(file);
        assertThat(Elements.of(v.kv("set"))).containsExactly("a", "b", "7");
        assertThat(Elements.of(v.kv("h22"))).containsExactly("f1=v1@5000", "f2=v2");
        assertThat(Elements.of(v.kv("h23"))).containsExactly("f1=v1@100", "f2=v2");
        assertThat(Elements.of(v.kv("h24"))).containsExactly("f1=v1@1000", "f2=v2");
        for (String k : List.of("set", "h22", "h23", "h24")) {
            List<ElementBatch> b = Elements.batches(v.kv(k), 10);
            byte[] again = DumpPayload.plain(v.kv(k).type(), b, 12);
            assertThat(Elements.of(Elements.batches(again, 10))).isEqualTo(Elements.of(b));
        }
    }

    @Test
    void streamVersion3WithGroupsAndActiveTime() {
        byte[] nodeKey = new byte[16];
        nodeKey[7] = 100; // ms 100, seq 0
        byte[] pelId = nodeKey.clone();
        pelId[15] = 1; // 100-1
        byte[] listpack = lp(2, 0, 1, "f", 0,     // master: 2 live, 0 deleted, fields [f]
                2, 0, 0, "v0", 4,                  // 100-0 same fields
                0, 0, 1, 1, "g", "v1", 6);         // 100-1 own fields
        // PEL ids are 16 raw bytes, not length-prefixed strings
        RdbFiles g = new RdbFiles(11).raw(21).string("s")
                .len(1).string(nodeKey).string(listpack)
                .len(2).len(100).len(1)
                .len(100).len(0).len(0).len(0).len(2)
                .len(1).string("grp").len(100).len(1).len(2)
                .len(1);
        for (byte b : pelId) g.raw(b & 0xff);
        g.longLE(555).len(3).len(1).string("alice").longLE(777).longLE(888).len(1);
        for (byte b : pelId) g.raw(b & 0xff);
        RecordingVisitor v = read(g.end(true));
        StreamValue s = RdbValueDecoder.decodeStream(v.kv("s"));
        assertThat(s.entries()).hasSize(2);
        assertThat(s.entries().get(0).id()).isEqualTo(new StreamValue.Id(100, 0));
        assertThat(Elements.s(s.entries().get(0).fields()[0])).isEqualTo("f");
        assertThat(Elements.s(s.entries().get(1).fields()[0])).isEqualTo("g");
        assertThat(Elements.s(s.entries().get(1).values()[0])).isEqualTo("v1");
        assertThat(s.lastId()).isEqualTo(new StreamValue.Id(100, 1));
        assertThat(s.entriesAdded()).isEqualTo(2);
        StreamValue.Group grp = s.groups().get(0);
        assertThat(grp.entriesRead()).isEqualTo(2);
        assertThat(grp.pending()).containsExactly(new StreamValue.Pending(new StreamValue.Id(100, 1), 555, 3, grp.pending().get(0).consumer()));
        assertThat(Elements.s(grp.pending().get(0).consumer())).isEqualTo("alice");
        StreamValue.Consumer c = grp.consumers().get(0);
        assertThat(c.seenTimeMs()).isEqualTo(777);
        assertThat(c.activeTimeMs()).isEqualTo(888);
        assertThat(c.pending()).containsExactly(new StreamValue.Id(100, 1));
    }

    @Test
    void decoderGivesStringsAsOneBatch() {
        byte[] big = new byte[ElementDecoder.STRING_PIECE * 2 + 3];
        List<ElementBatch> b = new ArrayList<>();
        RdbValueDecoder.decode(DumpPayload.string(big), 512, b::add);
        assertThat(b).hasSize(1);
        assertThat(b.get(0).item(0)).hasSize(big.length);
    }
}
