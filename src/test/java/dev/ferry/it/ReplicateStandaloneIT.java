package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.demo.SampleData;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Standalone Redis to standalone Redis with the replica protocol: a snapshot, then every kind of live write
 * the stream carries (MULTI blocks, scripts, functions, expiries, SELECT, FLUSHDB, SWAPDB), then equality key
 * by key; and a replica link cut mid-stream resumes with a partial resync and loses nothing.
 */
class ReplicateStandaloneIT {
    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("source")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("target")).flushBeforeEach();

    @Test
    void snapshotModeCopiesEveryTypeAndExits() {
        RedisServer s = source.get();
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 7);
        }
        Cli.Result r = Cli.run("replicate", "--source", s.uri(), "--target", target.get().uri(), "--mode", "snapshot", "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("keys written").contains("failed            0");
        assertThat(LiveRun.differences(Datasets.perKey(s), Datasets.perKey(target.get()))).isEmpty();
        assertThat(Datasets.functions(target.get())).isEqualTo(Datasets.functions(s));
    }

    @Test
    void liveWritesOfEveryKindArriveInOrder() {
        RedisServer s = source.get();
        try (RespConnection c = Datasets.connect(s)) {
            SampleData.populate(c, 3);
        }
        try (LiveRun run = LiveRun.start(s.uri(), target.get().uri())) {
            run.awaitSnapshot();
            s.cliScript(String.join("\n",
                    "SET counter 10", "INCR counter", "INCRBY counter 5", "APPEND s1 abc", "SET e1 v EX 100",
                    "SET gone v PX 50", "LPUSH l1 a b c", "RPOP l1", "HSET h1 f1 v1 f2 v2", "HINCRBY h1 n 3",
                    "SADD st a b c", "SPOP st", "ZADD z 1.5 a 2.25 b", "ZINCRBY z 0.1 a",
                    "XADD x 1-1 f v", "XGROUP CREATE x g 0", "XREADGROUP GROUP g c1 COUNT 1 STREAMS x >",
                    "MULTI", "SET m1 1", "INCR m1", "LPUSH ml x", "EXEC",
                    "EVAL \"redis.call('set', KEYS[1], 'lua'); redis.call('incr', KEYS[2])\" 2 lua1 lua2",
                    "EXPIRE counter 1000", "PERSIST e1", "RENAME s1 s1renamed",
                    "SELECT 3", "SET in3 three", "SELECT 4", "SET in4 four", "FLUSHDB",
                    "SELECT 5", "SET a5 1", "SWAPDB 5 6", "SELECT 0", "MOVE m1 7",
                    "FUNCTION LOAD \"#!lua name=livelib\nredis.register_function('livef', function(k, a) return redis.call('set', k[1], a[1]) end)\"",
                    "FCALL livef 1 fk fv", "DEL l1", "UNLINK h1"));
            LiveRun.sleep(200); // let "gone" expire and its DEL be replicated
            s.cli("GET", "gone");
            run.awaitCaughtUp(List.of(s));
            ReplicateJob.Result r = run.stop();
            assertThat(r.stats().failedCount()).as(r.toString()).isZero();
            assertThat(r.commandsApplied()).isGreaterThan(20);
        }
        assertThat(target.get().cli("GET", "gone")).isEmpty();
        assertThat(LiveRun.differences(Datasets.perKey(s), Datasets.perKey(target.get()))).isEmpty();
        assertThat(Datasets.functions(target.get())).isEqualTo(Datasets.functions(s));
    }

    @Test
    void aCutReplicaLinkResumesWithAPartialResync() {
        RedisServer s = source.get();
        try (LiveRun run = LiveRun.start(s.uri(), target.get().uri())) {
            run.awaitSnapshot();
            for (int round = 0; round < 5; round++) {
                StringBuilder script = new StringBuilder();
                for (int i = 0; i < 2000; i++) script.append("RPUSH list").append(i % 50).append(' ').append(round).append('-').append(i).append('\n');
                s.cliScript(script.toString());
                s.cli("CLIENT", "KILL", "TYPE", "replica");
            }
            run.awaitCaughtUp(List.of(s));
            ReplicateJob.Result r = run.stop();
            assertThat(r.stats().failedCount()).isZero();
            assertThat(r.source().shards()).singleElement().satisfies(shard -> {
                assertThat(shard.partialSyncs()).as("resumed after the cuts").isPositive();
                assertThat(shard.fullSyncs()).as("copied once").isEqualTo(1);
            });
        }
        assertThat(LiveRun.differences(Datasets.perKey(s), Datasets.perKey(target.get()))).isEmpty();
    }
}
