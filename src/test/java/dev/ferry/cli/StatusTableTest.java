package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** StatusTable: fixture /status documents (src/test/resources/status/) rendered, read back cell by cell. */
class StatusTableTest {
    static JsonNode fixture(String name) throws IOException {
        try (InputStream in = StatusTableTest.class.getResourceAsStream("/status/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }

    /** The cells of the table row whose first cell is {@code first} (cells are two or more spaces apart). */
    static List<String> row(List<String> lines, String first) {
        List<List<String>> rows = lines.stream().map(l -> Arrays.asList(l.strip().split(" {2,}")))
                .filter(cells -> cells.get(0).equals(first)).toList();
        assertThat(rows).as("rows starting with %s in%n%s", first, String.join("\n", lines)).hasSize(1);
        return rows.get(0);
    }

    @Test
    void aLiveReplicateReadsBackValueByValue() throws IOException {
        List<String> lines = StatusTable.render(fixture("live.json"));
        String all = String.join("\n", lines);
        assertThat(lines.get(0)).as(all).isEqualTo("ferry replicate  phase live  redis://127.0.0.1:7001 -> redis://127.0.0.1:7002");
        assertThat(lines.get(1)).as(all).isEqualTo("up 1:02:05  run 6f1c2a9e  version 0.1.0-SNAPSHOT  at 2026-12-06T08:24:02.001Z");
        assertThat(lines.get(2)).as(all).isEqualTo("keys: 53,000 read, 52,990 written, 10 filtered");

        assertThat(row(lines, "SHARD")).containsExactly("SHARD", "PHASE", "POSITION", "SNAPSHOT", "READ", "LAG", "BEHIND", "RECONNECTS", "RESYNCS");
        // a Redis master: live, its lag in bytes
        assertThat(row(lines, "127.0.0.1:7001")).containsExactly("127.0.0.1:7001", "live", "offset 1,234,567", "done", "1.2k/s", "0.4s",
                "2.0 KiB", "1", "0");
        // a Dragonfly flow still in its snapshot: percent and ETA, its lag in records
        assertThat(row(lines, "10.0.0.9:6380")).containsExactly("10.0.0.9:6380", "snapshot", "flow 3 LSN 77", "27.0% ETA 1:15", "8.4/s",
                "12.3s", "1.5k rec", "0", "2");
        assertThat(lines).as(all).contains("  127.0.0.1:7001: partial resync at 1200000");

        assertThat(lines).as(all).contains("writer: 52,990 keys written, 104,000 commands applied (950/s), 5.0 MiB sent, 2 reconnects");
        assertThat(row(lines, "NODE")).containsExactly("NODE", "CONNECTIONS", "IN FLIGHT");
        assertThat(row(lines, "127.0.0.1:7002")).containsExactly("127.0.0.1:7002", "4", "12");
        assertThat(row(lines, "127.0.0.1:7003")).containsExactly("127.0.0.1:7003", "4", "0");
        assertThat(lines).as(all).contains("errors: MOVED 3, connection lost 1"); // most frequent first

        assertThat(lines).as(all).contains("skipped 7, failed 1, warned 0");
        int first = lines.indexOf("skipped 7, failed 1, warned 0");
        assertThat(Arrays.asList(lines.get(first + 1).strip().split(" {2,}"))).containsExactly("skipped", "5", "type filtered");
        assertThat(Arrays.asList(lines.get(first + 2).strip().split(" {2,}")))
                .containsExactly("skipped", "2", "expired before it was written (e.g. db 0 \"k1\")");
        assertThat(Arrays.asList(lines.get(first + 3).strip().split(" {2,}")))
                .containsExactly("failed", "1", "OOM command not allowed when used memory > 'maxmemory' (e.g. db 0 \"big\")");
        assertThat(lines.get(first + 4)).as(all)
                .isEqualTo("checkpoint (prefix ferry:): written 42.0s ago  OLD: a live run writes it every second; a restart now would repeat what came since");
    }

    /** Columns line up: every shard row's cells start where the header's do (left) or end where they end (right). */
    @Test
    void columnsAreAligned() throws IOException {
        List<String> lines = StatusTable.render(fixture("live.json"));
        String head = lines.stream().filter(l -> l.startsWith("SHARD")).findFirst().orElseThrow();
        String redis = lines.stream().filter(l -> l.startsWith("127.0.0.1:7001")).findFirst().orElseThrow();
        String flow = lines.stream().filter(l -> l.startsWith("10.0.0.9:6380")).findFirst().orElseThrow();
        assertThat(redis.indexOf("live")).isEqualTo(head.indexOf("PHASE")).isEqualTo(flow.indexOf("snapshot"));
        assertThat(redis.indexOf("offset")).isEqualTo(head.indexOf("POSITION")).isEqualTo(flow.indexOf("flow 3"));
        assertThat(redis.length()).isEqualTo(head.length()).isEqualTo(flow.length()); // RESYNCS right-aligned
        assertThat(redis.indexOf("0.4s") + "0.4s".length()).isEqualTo(head.indexOf(" LAG ") + " LAG".length())
                .isEqualTo(flow.indexOf("12.3s") + "12.3s".length());
    }

    /** An older or partial document: nulls, missing fields, unknown kinds and wrong types print "-". */
    @Test
    void nullsAndMissingFieldsPrintADash() throws IOException {
        List<String> lines = StatusTable.render(fixture("partial.json"));
        String all = String.join("\n", lines);
        assertThat(lines.get(0)).as(all).isEqualTo("ferry import  phase snapshot  file:dump.rdb -> -");
        assertThat(lines.get(1)).as(all).isEqualTo("up -  run -  version -  at -");
        assertThat(lines.get(2)).as(all).isEqualTo("keys: - read, - written, - filtered");
        assertThat(row(lines, "dump.rdb")).containsExactly("dump.rdb", "snapshot", "-", "1.2k keys ETA -", "-", "-", "-", "-", "-");
        // a position kind this Ferry does not know: the server's own words; a count that is not a number: "-"
        assertThat(row(lines, "newer")).containsExactly("newer", "-", "somewhere new", "-", "-", "-", "-", "-", "-");
        assertThat(lines).as(all).contains("writer: - keys written, - commands applied (-), - sent, - reconnects");
        assertThat(row(lines, "127.0.0.1:7002")).containsExactly("127.0.0.1:7002", "-", "-");
        assertThat(lines).as(all).contains("errors: none", "skipped -, failed -, warned -", "checkpoint: off");
    }

    @Test
    void aVerifyShowsItsRoundAndACheckpointNotYetWritten() throws IOException {
        List<String> lines = StatusTable.render(fixture("verify.json"));
        String all = String.join("\n", lines);
        assertThat(lines.get(0)).as(all).isEqualTo("ferry verify  phase verifying  - -> -");
        assertThat(lines).as(all).contains("shards: -", "writer: -", "skipped 0, failed 0, warned 0",
                "checkpoint (prefix ferry:): none written yet",
                "verify: round 1 of 3, 5,000 keys compared, 2 different, 0 missing, 1 extra");
    }

    /** The server's own verify counts (other names than the first schema's) are shown too. */
    @Test
    void aVerifyWithTheServersCounts() throws IOException {
        List<String> lines = StatusTable.render(new ObjectMapper().readTree("{\"command\":\"verify\",\"verify\":{\"round\":2,\"rounds\":3,"
                + "\"sourceKeysChecked\":1200,\"targetKeysChecked\":1190,\"candidates\":4}}"));
        assertThat(lines).contains("verify: round 2 of 3, 1,200 source keys checked, 1,190 target keys checked, 4 candidates");
    }

    /** Newer servers count a snapshot in keys against what its RDB announced: read of expected, percent, ETA. */
    @Test
    void theSnapshotsKeysAgainstThoseExpected() throws IOException {
        ObjectMapper json = new ObjectMapper();
        assertThat(StatusTable.render(json.readTree("{\"keys\":{\"read\":1200,\"written\":1100,\"filtered\":0,"
                + "\"expected\":2000,\"percent\":60.0,\"etaSeconds\":12.4}}")).get(2))
                .isEqualTo("keys: 1,200 read of 2,000 (60.0%, ETA 0:12), 1,100 written, 0 filtered");
        assertThat(StatusTable.render(json.readTree("{\"keys\":{\"read\":2000,\"written\":2000,\"filtered\":0,"
                + "\"expected\":2000,\"percent\":100.0,\"etaSeconds\":null}}")).get(2))
                .isEqualTo("keys: 2,000 read of 2,000 (100.0%), 2,000 written, 0 filtered");
        assertThat(StatusTable.render(json.readTree("{\"keys\":{\"read\":5,\"written\":5,\"filtered\":0,"
                + "\"expected\":null,\"percent\":null,\"etaSeconds\":null}}")).get(2))
                .isEqualTo("keys: 5 read, 5 written, 0 filtered");
    }

    @Test
    void anythingJsonRendersWithoutFailing() throws IOException {
        for (String doc : new String[] {"{}", "{\"shards\":\"oops\",\"writer\":5,\"skipped\":[1],\"checkpoint\":[]}",
                "{\"shards\":[null,1,{\"lag\":\"x\",\"snapshot\":{\"percent\":\"half\"},\"position\":{\"kind\":\"repl\"}}],"
                        + "\"writer\":{\"nodes\":{},\"errors\":{\"x\":null}},\"failed\":{\"reasons\":[{\"examples\":[null]}]}}"}) {
            List<String> lines = StatusTable.render(new ObjectMapper().readTree(doc));
            assertThat(lines).as(doc).isNotEmpty();
            assertThat(String.join("\n", lines)).as(doc).doesNotContain("null");
        }
        List<String> lines = StatusTable.render(new ObjectMapper().readTree(
                "{\"shards\":[{\"name\":\"s\",\"snapshot\":{\"percent\":\"half\"},\"position\":{\"kind\":\"repl\"}}],"
                        + "\"writer\":{\"errors\":{\"x\":null}}}"));
        assertThat(row(lines, "s")).containsExactly("s", "-", "offset -", "- keys ETA -", "-", "-", "-", "-", "-");
        assertThat(lines).contains("errors: x -");
    }

    /** A server's text cannot move the terminal's cursor (an escape in a key example or a note). */
    @Test
    void controlCharactersFromTheServerAreBlanked() throws IOException {
        List<String> lines = StatusTable.render(new ObjectMapper().readTree(
                "{\"phase\":\"live\\u001b[2J\",\"failed\":{\"total\":1,\"reasons\":[{\"reason\":\"r\\n2\",\"count\":1,\"examples\":[\"k\\u001b[H\"]}]}}"));
        assertThat(String.join("\n", lines)).doesNotContain("\u001b");
        assertThat(lines.get(0)).contains("phase live [2J");
        assertThat(lines).anyMatch(l -> l.contains("r 2 (e.g. k [H)"));
    }

    @Test
    void humanUnits() {
        assertThat(StatusTable.count(0.0)).isEqualTo("0");
        assertThat(StatusTable.count(9.46)).isEqualTo("9.5");
        assertThat(StatusTable.count(950.0)).isEqualTo("950");
        assertThat(StatusTable.count(1234.0)).isEqualTo("1.2k");
        assertThat(StatusTable.count(999_999.0)).isEqualTo("1.0M");
        assertThat(StatusTable.count(3_400_000.0)).isEqualTo("3.4M");
        assertThat(StatusTable.count(null)).isEqualTo("-");
        assertThat(StatusTable.rate(-1.0)).isEqualTo("-");
        assertThat(StatusTable.seconds(75.0)).isEqualTo("1:15");
        assertThat(StatusTable.bytes(1536.0)).isEqualTo("1.5 KiB");
    }
}
