package dev.ferry.testkit.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every stable-sync COMMAND the real master sent in the captures (live phase: SET .. PXAT, PEXPIREAT, pops and
 * pushes, MSET parts, RESTORE .. ABSTTL, XCLAIM, FLUSHDB, expiry DELs, STICK, _MCFLAGS ...) is byte-identical to
 * what our encoder produces for the same db, txid and arguments, SELECT prefix included.
 */
class JournalConformanceTest {

    @ParameterizedTest
    @ValueSource(strings = {"uncompressed", "basic-lz4", "zstd", "partial-resync", "df-types"})
    void stableRecordsAreByteIdentical(String scenario) {
        JsonNode analysis = Captures.json(scenario, "analysis.json");
        int checked = 0;
        for (JsonNode conn : analysis.get("connections")) {
            JsonNode stable = conn.get("stable");
            if (stable == null || stable.get("records") == null) continue;
            byte[] s2c = Captures.bytes(scenario, "conn-" + conn.get("conn").asInt() + ".s2c.bin");
            int start = stable.get("start_off").asInt();
            int cursor = start;
            for (JsonNode r : stable.get("records")) {
                String op = r.get("op").asText();
                byte[] ours;
                if (op.equals("COMMAND") && truncated(r.get("args"))) {
                    // the analysis elides long argument lists: take the arguments from the wire, re-encode them
                    TestStreamParser.Record rec = TestStreamParser.decodeRecord(java.util.Arrays.copyOfRange(s2c, cursor, s2c.length));
                    byte[][] args = rec.args().stream().map(x -> x.getBytes(StandardCharsets.ISO_8859_1)).toArray(byte[][]::new);
                    ours = JournalWriter.command(rec.db(), rec.txid(), args);
                } else if (op.equals("COMMAND")) {
                    JsonNode a = r.get("args");
                    byte[][] args = new byte[a.size()][];
                    // the analysis prints each byte as one char, so ISO-8859-1 restores the exact bytes
                    for (int i = 0; i < a.size(); i++) args[i] = a.get(i).asText().getBytes(StandardCharsets.ISO_8859_1);
                    ours = JournalWriter.command(r.get("db").asInt(), r.get("txid").asLong(), args);
                } else if (op.equals("PING")) {
                    ours = JournalWriter.ping();
                } else {
                    ours = JournalWriter.lsn(r.get("lsn").asLong());
                }
                // records are contiguous on the wire: each must start exactly where the previous one ended
                int at = Captures.indexOf(s2c, ours, cursor);
                assertThat(at).as("%s conn %s: %s", scenario, conn.get("conn"), r).isEqualTo(cursor);
                cursor = at + ours.length;
                checked++;
            }
            assertThat(cursor).as("whole stable stream accounted for").isEqualTo(s2c.length);
        }
        assertThat(checked).isGreaterThan(0);
    }

    private static boolean truncated(JsonNode args) {
        return args.size() > 0 && args.get(args.size() - 1).asText().matches("\\.\\.\\.\\+\\d+ args");
    }

    @ParameterizedTest
    @ValueSource(strings = {"uncompressed", "basic-lz4", "partial-resync"})
    void lsnMarkersFollowTheFirstRecordAndThenGapsOverThreeSeconds(String scenario) {
        JsonNode analysis = Captures.json(scenario, "analysis.json");
        for (JsonNode conn : analysis.get("connections")) {
            JsonNode stable = conn.get("stable");
            if (stable == null || stable.get("records") == null) continue;
            long lastRecordT = Long.MIN_VALUE;
            long lastMarkerT = Long.MIN_VALUE;
            long lastLsn = -1;
            boolean expectMarker = false;
            for (JsonNode r : stable.get("records")) {
                String op = r.get("op").asText();
                if (op.equals("LSN")) {
                    assertThat(expectMarker).as("marker only right after a due record: %s", r).isTrue();
                    assertThat(r.get("lsn").asLong()).isEqualTo(lastLsn);
                    lastMarkerT = lastRecordT;
                    expectMarker = false;
                    continue;
                }
                assertThat(expectMarker).as("a due marker was not written before %s", r).isFalse();
                lastRecordT = r.get("t_ms").asLong();
                lastLsn = r.get("assigned_lsn").asLong();
                // the proxy's timestamps are read times, so allow its jitter around the 3 s threshold
                expectMarker = lastMarkerT == Long.MIN_VALUE || lastRecordT - lastMarkerT > 3100;
            }
        }
    }
}
