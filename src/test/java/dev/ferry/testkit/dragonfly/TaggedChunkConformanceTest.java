package dev.ferry.testkit.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The E0 layout of bigvalues-uncompressed (64 KiB chunks): each captured chunk of a split hash/set/zset/list/
 * stream ends where our chunker would cut (first element boundary past 64 KiB), and the re-encoded entry
 * equals the reassembled bytes. The first chunk (and any chunk that shared a flush with other items) is shorter on the real master because its threshold counts
 * the items already in the shared buffer; we only require it to end on one of our element boundaries.
 */
class TaggedChunkConformanceTest {

    @Test
    void chunkBoundariesMatchOurChunker() {
        int split = 0;
        for (int conn = 1; conn <= 4; conn++) {
            TestStreamParser p = EntryConformanceTest.parseFlow("bigvalues-uncompressed", conn);
            Map<Long, List<Integer>> chunks = new LinkedHashMap<>();
            Map<Long, List<Boolean>> alone = new LinkedHashMap<>(); // chunk directly after its predecessor: the buffer held nothing else
            TestStreamParser.Event prev = null;
            for (TestStreamParser.Event ev : p.events) {
                if (ev instanceof TestStreamParser.Chunk c) {
                    chunks.computeIfAbsent(c.streamId(), k -> new ArrayList<>()).add(c.length());
                    alone.computeIfAbsent(c.streamId(), k -> new ArrayList<>())
                            .add(prev instanceof TestStreamParser.Chunk pc && pc.streamId() == c.streamId());
                }
                if (!(ev instanceof TestStreamParser.Entry en && en.tagged())) prev = ev;
            }
            List<TestStreamParser.Entry> tagged = p.all(TestStreamParser.Entry.class).stream().filter(TestStreamParser.Entry::tagged).toList();
            assertThat(tagged).hasSize(chunks.size());
            int i = 0;
            for (Map.Entry<Long, List<Integer>> e : chunks.entrySet()) {
                TestStreamParser.Entry entry = tagged.get(i++);
                EntryEncoder.Entry ours = EntryEncoder.encode(entry.key().getBytes(StandardCharsets.ISO_8859_1), entry.type(),
                        entry.value(), entry.expireAtMs(), entry.dfMask(), entry.mcFlags());
                List<Integer> lens = e.getValue();
                assertThat(lens.stream().mapToInt(Integer::intValue).sum()).as(entry.key()).isEqualTo(ours.bytes().length);
                int pos = lens.get(0);
                assertThat(ours.cuts()).as("first chunk of %s ends on an element boundary", entry.key()).contains(pos);
                for (int k = 1; k < lens.size(); k++) {
                    int end = SnapshotWriter.pieceEnd(ours.cuts(), pos, ours.bytes().length, 64 * 1024);
                    if (alone.get(e.getKey()).get(k)) {
                        assertThat(end - pos).as("%s chunk %d", entry.key(), k).isEqualTo(lens.get(k));
                    } else {
                        // other items shared the flush buffer, so the real master cut earlier, still at an element boundary
                        assertThat(lens.get(k)).as("%s chunk %d", entry.key(), k).isLessThanOrEqualTo(end - pos);
                        if (pos + lens.get(k) < ours.bytes().length) assertThat(ours.cuts()).contains(pos + lens.get(k));
                    }
                    pos += lens.get(k);
                }
                assertThat(e.getKey()).isNotZero();
                split++;
            }
        }
        assertThat(split).isEqualTo(5);
    }
}
