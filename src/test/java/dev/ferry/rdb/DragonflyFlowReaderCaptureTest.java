package dev.ferry.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.record.BigValueEnd;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reads every flow of the real Dragonfly captures and checks what the reader found against the independent
 * structural scan in each capture's analysis.json: entries, tagged chunks, journal blobs, the journal offset,
 * and the stable-phase records with their LSN markers.
 */
class DragonflyFlowReaderCaptureTest {

    /** Counts what one flow holds. */
    static final class Tally implements DragonflyFlowReader.Listener {
        int entries;
        int fullSyncEnds;
        long journalOffset = -1;
        final List<JournalRecord> blobRecords = new ArrayList<>();
        final Set<String> keys = new HashSet<>();
        final Map<Integer, Integer> lanesUsed = new TreeMap<>();
        int bigValues;
        int flagged;

        @Override
        public RdbVisitor lane(int lane) {
            lanesUsed.merge(lane, 1, Integer::sum);
            return new RdbVisitor() {
                @Override public void keyValue(KeyValue kv) {
                    entries++;
                    keys.add(kv.db() + ":" + new String(kv.key(), StandardCharsets.ISO_8859_1));
                }

                @Override public void bigValueStart(BigValueStart start) {
                    entries++;
                    bigValues++;
                    keys.add(start.db() + ":" + new String(start.key(), StandardCharsets.ISO_8859_1));
                }

                @Override public void elements(ElementBatch batch) { }

                @Override public void bigValueEnd(BigValueEnd end) { }

                @Override public void skipped(int db, byte[] key, String reason) {
                    entries++;
                }
            };
        }

        @Override public void flags(int db, byte[] key, int mask, long mcFlags) { flagged++; }

        @Override public void journalBlob(JournalRecord record) { blobRecords.add(record); }

        @Override public void fullSyncEnd() { fullSyncEnds++; }

        @Override public void journalOffset(long lsn) { journalOffset = lsn; }
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic-lz4", "uncompressed", "zstd", "bigvalues", "bigvalues-uncompressed", "df-types",
            "partial-resync", "writes-during-fullsync"})
    void everyFlowReadsAsTheAnalysisSays(String scenario) {
        for (DragonflyCaptures.Flow f : DragonflyCaptures.flows(scenario)) {
            JsonNode a = f.analysis();
            Tally t = new Tally();
            DragonflyFlowReader r = new DragonflyFlowReader(new ByteArrayInputStream(f.stream()), t,
                    new RdbReader.Options().bigValueThreshold(256 * 1024), scenario + "/flow-" + f.flowId());
            String where = scenario + " conn " + f.conn();
            if (f.full()) {
                r.readFullSync();
                JsonNode fs = a.get("fullsync");
                assertThat(t.fullSyncEnds).as(where).isEqualTo(1);
                assertThat(t.entries).as(where + " entries").isEqualTo(fs.get("entries").asInt());
                assertThat(r.taggedChunks()).as(where + " tagged chunks").isEqualTo(fs.path("tagged_chunks").asLong(0));
                assertThat(t.blobRecords).as(where + " journal blob records").hasSize(fs.path("journal_blob_records").asInt(0));
                assertThat(t.journalOffset).as(where + " journal offset").isEqualTo(fs.get("journal_offset").asLong());
                assertThat(r.position()).as(where + " EOF token end").isEqualTo(
                        a.get("stable_journal_start_off").asLong() - a.get("binary_start_off").asLong());
            }
            JsonNode stable = a.get("stable");
            Map<String, Integer> counts = new TreeMap<>();
            Map<String, Integer> commands = new TreeMap<>();
            List<Long> markers = new ArrayList<>();
            long lsn = f.full() ? t.journalOffset : stable.get("first_lsn").asLong();
            long counted = lsn - 1;
            while (r.position() < f.stream().length) {
                JournalRecord rec = r.nextRecord();
                counts.merge(rec.kind().name(), 1, Integer::sum);
                if (rec.kind() == JournalRecord.Kind.COMMAND) commands.merge(rec.name(), 1, Integer::sum);
                if (rec.kind().counted()) counted++;
                if (rec.kind() == JournalRecord.Kind.LSN) {
                    markers.add(rec.lsn());
                    assertThat(rec.lsn()).as(where + " LSN marker names the record before it").isEqualTo(counted);
                }
            }
            assertThat(counts).as(where + " stable records").isEqualTo(toMap(stable.get("record_counts")));
            assertThat(commands).as(where + " stable commands").isEqualTo(toMap(stable.get("command_counts")));
            assertThat(counted + 1).as(where + " next LSN").isEqualTo(stable.get("next_lsn_after_capture").asLong());
            List<Long> expectedMarkers = new ArrayList<>();
            for (JsonNode m : stable.path("lsn_records")) expectedMarkers.add(m.get("lsn").asLong());
            assertThat(markers).as(where).isEqualTo(expectedMarkers);
        }
    }

    private static Map<String, Integer> toMap(JsonNode n) {
        Map<String, Integer> m = new TreeMap<>();
        if (n != null) n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
        return m;
    }
}
