package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A restarted source makes Ferry copy it again (a new full sync) and remove what the earlier copy wrote. Ferry
 * never deletes a key the source did not write: it clears only target dbs it owns (empty when the run started, or
 * --target-owned), only those it wrote into, and otherwise stops with nothing deleted. (Once, it ran FLUSHDB on
 * every db in scope: unrelated keys in db 0, and in db 3 that the source never used, were deleted.)
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TargetOwnershipIT {
    private final List<RedisServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        for (RedisServer s : servers) s.close();
        servers.clear();
    }

    private RedisServer server(String name) {
        RedisServer s = RedisServer.builder().name(name).start();
        servers.add(s);
        return s;
    }

    private static void populate(RedisServer s, String prefix, int n) {
        try (RespConnection c = Datasets.connect(s)) {
            c.callOk("DEBUG", "POPULATE", Integer.toString(n), prefix, "8");
        }
    }

    /** {@code ferry replicate} from source to target on a thread of its own, with {@code options}. */
    private static CompletableFuture<Cli.Result> replicate(RedisServer source, RedisServer target, String... options) {
        List<String> args = new ArrayList<>(List.of("replicate", "--source", source.uri(), "--target", target.uri(), "-q"));
        args.addAll(List.of(options));
        return CompletableFuture.supplyAsync(() -> Cli.run(args.toArray(String[]::new)));
    }

    /** Keys of db {@code db}, without Ferry's checkpoint hashes. */
    private static long keys(RedisServer s, int db) {
        try (RespConnection c = Datasets.connect(s)) {
            c.callOk("SELECT", Integer.toString(db));
            long all = c.call("DBSIZE").asLong();
            long ours = c.call("SCAN", "0", "MATCH", Datasets.CHECKPOINT_PREFIX + "*", "COUNT", "100000").asList().get(1).asList().size();
            return all - ours;
        }
    }

    @Test
    void aNewFullSyncIntoADbThatHeldOtherKeysStopsWithNothingDeleted() throws Exception {
        RedisServer source = server("owned-source");
        RedisServer target = server("shared-target");
        populate(source, "src", 500);
        target.cli("SET", "foreign:0", "not the source's");
        target.cli("-n", "3", "SET", "foreign:3", "not the source's either");
        CompletableFuture<Cli.Result> run = replicate(source, target, "--run-for", "120");
        LiveRun.await("the snapshot", () -> keys(target, 0) == 501, run);
        source.restartEmpty();
        source.cli("SET", "after:restart", "1");
        Cli.Result r = run.get(90, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("new full sync").contains("target db 0 (1 key before this run)")
                .contains("Stopping with nothing deleted").contains("--target-owned");
        assertThat(target.cli("GET", "foreign:0")).isEqualTo("not the source's");
        assertThat(target.cli("-n", "3", "GET", "foreign:3")).isEqualTo("not the source's either");
        assertThat(keys(target, 0)).as("the first copy stays, stale but not deleted").isEqualTo(501);
    }

    @Test
    void aDbEmptyAtTheStartIsOwnedAndClearedOnANewFullSyncButNoOtherDb() {
        RedisServer source = server("owned-source-2");
        RedisServer target = server("owned-target");
        populate(source, "src", 500);
        target.cli("-n", "3", "SET", "foreign:3", "not the source's");
        try (LiveRun run = LiveRun.start(source.uri(), target.uri())) {
            run.awaitSnapshot();
            LiveRun.await("the snapshot", () -> keys(target, 0) == 500, null);
            source.restartEmpty();
            source.cli("SET", "after:restart", "1");
            LiveRun.await("the new full sync", () -> "1".equals(target.cli("GET", "after:restart")) && keys(target, 0) == 1, null);
            ReplicateJob.Result r = run.stop();
            assertThat(r.stats().failedCount()).as(r.toString()).isZero();
            assertThat(r.source().shards()).singleElement().extracting(s -> s.fullSyncs()).isEqualTo(2L);
        }
        assertThat(target.cli("-n", "3", "GET", "foreign:3")).isEqualTo("not the source's");
        assertThat(LiveRun.differences(Datasets.perKey(source), withoutDb3(Datasets.perKey(target)))).isEmpty();
    }

    @Test
    void targetOwnedLetsFerryClearTheDbsItWroteIntoAndNoOther() throws Exception {
        RedisServer source = server("declared-source");
        RedisServer target = server("declared-target");
        populate(source, "src", 500);
        target.cli("SET", "old:copy", "from an earlier run");
        target.cli("-n", "3", "SET", "foreign:3", "not written by this run");
        CompletableFuture<Cli.Result> run = replicate(source, target, "--target-owned", "--run-for", "15");
        LiveRun.await("the snapshot", () -> keys(target, 0) == 501, run);
        source.restartEmpty();
        source.cli("SET", "after:restart", "1");
        LiveRun.await("the new full sync", () -> "1".equals(target.cli("GET", "after:restart")) && keys(target, 0) == 1, run);
        Cli.Result r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(target.cli("GET", "old:copy")).isEmpty();
        assertThat(target.cli("-n", "3", "GET", "foreign:3")).isEqualTo("not written by this run");
    }

    /**
     * Keys a source MOVE, COPY ... DB or SWAPDB carries into another db are Ferry's writes there too: a later FLUSHALL
     * clears that db as well. (Only the db a command ran in counted as written, so a moved key stayed on the target
     * after the source flushed it: the target held keys the source no longer had.)
     */
    @Test
    void dbsThatMoveCopyAndSwapdbWriteIntoAreClearedByAFlushall() {
        RedisServer source = server("moving-source");
        RedisServer target = server("moving-target");
        try (LiveRun run = LiveRun.start(source.uri(), target.uri())) {
            run.awaitSnapshot();
            source.cli("SET", "moved", "1");
            source.cli("MOVE", "moved", "5");
            source.cli("SET", "copied", "2");
            source.cli("COPY", "copied", "copied", "DB", "6");
            source.cli("-n", "7", "SET", "swapped", "3");
            source.cli("SWAPDB", "7", "8");
            LiveRun.await("the moves", () -> "1".equals(target.cli("-n", "5", "GET", "moved"))
                    && "2".equals(target.cli("-n", "6", "GET", "copied")) && "3".equals(target.cli("-n", "8", "GET", "swapped")), null);
            source.cli("FLUSHALL");
            source.cli("SET", "after:flush", "1");
            LiveRun.await("the FLUSHALL", () -> "1".equals(target.cli("GET", "after:flush")), null);
            ReplicateJob.Result r = run.stop();
            assertThat(r.stats().failedCount()).as(r.toString()).isZero();
        }
        assertThat(LiveRun.differences(Datasets.perKey(source), Datasets.perKey(target))).isEmpty();
    }

    private static java.util.Map<String, String> withoutDb3(java.util.Map<String, String> m) {
        java.util.Map<String, String> out = new java.util.TreeMap<>(m);
        out.keySet().removeIf(k -> k.startsWith("3:"));
        return out;
    }
}
