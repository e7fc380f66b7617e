package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.capture.CaptureReplay;
import dev.ferry.testkit.dragonfly.capture.Captures;
import dev.ferry.testkit.dragonfly.capture.CompareOptions;
import dev.ferry.testkit.dragonfly.capture.Difference;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The recordings of real Dragonfly v1.40 replication, replayed byte for byte to Ferry as if it were the replica
 * (the replay only releases what the real master sent once Ferry asked what the real replica had asked), into a
 * real Redis; the target must then hold the master's final dataset from expected.json. Keys whose recorded
 * expiry has passed must be gone; the rest equal in type, value and absolute expiry.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DragonflyCapturesIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();

    @ParameterizedTest
    @ValueSource(strings = {"basic-lz4", "uncompressed", "zstd", "bigvalues", "bigvalues-uncompressed", "df-types",
            "partial-resync", "writes-during-fullsync", "flushall-during-fullsync"})
    void theTargetEndsWithTheMastersDataset(String scenario) throws Exception {
        Captures.require(scenario); // skips, saying why, on a machine without ../shared
        ExpectedDataset expected = ExpectedDataset.forScenario(scenario);
        try (CaptureReplay replay = CaptureReplay.start(scenario);
             LiveRun run = LiveRun.start("dragonfly://127.0.0.1:" + replay.port(), target.get().uri())) {
            assertThat(replay.awaitDelivered(Duration.ofSeconds(60))).as("all captured bytes delivered: %s", replay.problems()).isTrue();
            Set<String> rewritten = keysWrittenByTheJournal(scenario);
            List<Difference> diffs = settle(expected, rewritten);
            ReplicateJob.Result r = run.stop();
            assertThat(replay.problems()).isEmpty();
            if (scenario.equals("df-types")) {
                // JSON, bloom, CMS, top-k, cuckoo and member TTLs have no form on Redis 7.0: each key is reported, none sent
                StringBuilder sb = new StringBuilder();
                r.stats().skippedByReason().forEach((reason, n) -> sb.append(reason).append(' ').append(n.examples).append('\n'));
                String skipped = sb.toString();
                assertThat(skipped).contains("JSON").contains("bloom").contains("count-min").contains("top-k")
                        .contains("cuckoo").contains("SADDEX").contains("HSETEX");
                long now = System.currentTimeMillis();
                diffs = diffs.stream().filter(d -> !(d.kind() == Difference.Kind.MISSING
                        && (skipped.contains(d.key()) || everyMemberExpired(expected, d, now)))).toList();
            }
            assertThat(diffs).isEmpty();
            if (!scenario.equals("df-types")) {
                assertThat(r.stats().failedByReason()).isEmpty();
            }
            if (scenario.equals("partial-resync")) {
                // what the real replica asked for after the cut, to the record
                assertThat(replay.commands("SYNC2", 0)).anyMatch(c -> c.startsWith("DFLY FLOW ") && c.endsWith(" SYNC2 0 22"));
                assertThat(replay.commands("SYNC2", 1)).anyMatch(c -> c.startsWith("DFLY FLOW ") && c.endsWith(" SYNC2 1 16"));
                assertThat(replay.commands("SYNC2", -1)).noneMatch(c -> c.startsWith("DFLY SYNC"));
            }
        }
    }

    /**
     * A recorded absolute expiry is in the past when the capture is replayed later, so a key the journal writes after
     * its PEXPIREAT (s:short: PEXPIREAT then APPEND) is expired by the target at once and then made anew, as Redis
     * and Dragonfly both would at this clock. Such keys may be present; every other expired key must be gone.
     */
    private static Set<String> keysWrittenByTheJournal(String scenario) throws IOException {
        JsonNode a = new ObjectMapper().readTree(Path.of("..", "shared", "dragonfly-captures", scenario, "analysis.json").toFile());
        Set<String> keys = new HashSet<>();
        for (JsonNode c : a.get("connections")) {
            for (JsonNode r : c.path("stable").path("records")) addKey(keys, r);
            for (JsonNode r : c.path("fullsync").path("journal_blob_detail")) addKey(keys, r);
        }
        return keys;
    }

    private static void addKey(Set<String> keys, JsonNode record) {
        JsonNode args = record.path("args");
        if (args.size() > 1) keys.add(args.get(1).asText());
    }

    /** A hash or set whose every field or member had a TTL that has passed: Dragonfly drops them, the key is gone. */
    private static boolean everyMemberExpired(ExpectedDataset expected, Difference d, long now) {
        ExpectedDataset.Entry e = expected.entry(d.db(), d.key());
        if (e == null) return false;
        java.util.Map<?, Long> ttls;
        int members;
        if (e.value() instanceof ExpectedDataset.HashValue h) {
            ttls = h.fieldTtlS();
            members = h.fields().size();
        } else if (e.value() instanceof ExpectedDataset.SetValue sv) {
            ttls = sv.memberTtlS();
            members = sv.members().size();
        } else {
            return false;
        }
        if (ttls == null || ttls.size() != members) return false;
        for (long s : ttls.values()) if (expected.takenAtUnixMs() + s * 1000 > now) return false;
        return true;
    }

    /** The last records may still be on their way to the target when the replay is done: compare until equal or 20 s. */
    private static List<Difference> settle(ExpectedDataset expected, Set<String> rewritten) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        List<Difference> diffs;
        while (true) {
            try (RespConnection c = Datasets.connect(target.get())) {
                diffs = expected.differences(c, System.currentTimeMillis(), CompareOptions.redisTarget()).stream()
                        .filter(d -> d.kind() != Difference.Kind.STREAM_GROUP_META || !d.detail().contains("time"))
                        .filter(d -> !(d.kind() == Difference.Kind.EXTRA && d.detail().startsWith("expired at")
                                && rewritten.contains(d.key())))
                        .toList();
            }
            if (diffs.isEmpty() || System.currentTimeMillis() > deadline) return diffs;
            Thread.sleep(200);
        }
    }
}
