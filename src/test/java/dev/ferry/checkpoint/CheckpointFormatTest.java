package dev.ferry.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.command.CommandSafety;
import dev.ferry.record.FileOffset;
import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.record.ScanPosition;
import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the checkpoint hashes hold, and which writes may be replayed without a guard. */
class CheckpointFormatTest {
    @Test
    void everySlotHasAKeyThatHashesToIt() {
        CheckpointKeys keys = new CheckpointKeys("ferry:ckpt:");
        for (int slot = 0; slot < Slots.COUNT; slot++) assertThat(Slots.of(keys.key(slot))).isEqualTo(slot);
        assertThat(keys.owns("ferry:ckpt:{x}".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(keys.owns("ferry:ck".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void positionsSurviveTheirText() {
        for (Position p : List.of(new ReplicationOffset("8f3a", 1234, 3), new FlowLsn("m1", 2, 99), new FileOffset(7),
                new ScanPosition(1, "1536", 40), ScanPosition.live(12))) {
            assertThat(PositionText.parse(PositionText.of(p))).isEqualTo(p);
        }
        assertThat(PositionText.parse("repl abc")).isNull();
        assertThat(PositionText.parse("nonsense 1 2")).isNull();
    }

    @Test
    void guardsOrderByPositionThenPart() {
        assertThat(new Guard(10, 0).atOrBefore(new Guard(10, 1))).isTrue();
        assertThat(new Guard(10, 2).atOrBefore(new Guard(10, 1))).isFalse();
        assertThat(new Guard(9, 5).atOrBefore(new Guard(10, 0))).isTrue();
        assertThat(Guard.parse(new Guard(123, 4).text())).isEqualTo(new Guard(123, 4));
        assertThat(Guard.parse("x")).isNull();
    }

    @Test
    void aShardsPositionIsTheLowestOverMastersAndUnknownWhereAMasterHasNone() {
        Map<String, String> a = Map.of("at:0", "repl r 100 0", "at:1", "repl s 50 0", "g:0", "90:0");
        Map<String, String> b = Map.of("at:0", "repl r 80 0", "meta", new RunIdentity("replicate", "redis://s", "redis://t",
                "f", new java.util.TreeSet<>(Set.of(0)), new java.util.TreeSet<>(Set.of(0))).json());
        SavedCheckpoint saved = SavedCheckpoint.of(List.of(new CheckpointHash(0, 5, a), new CheckpointHash(0, 9000, b)));
        assertThat(saved.position(0)).isEqualTo(new ReplicationOffset("r", 80, 0));
        assertThat(saved.position(1)).as("one master holds none: a failover may have lost it").isNull();
        assertThat(saved.guards(0)).containsEntry(Guard.location(0, 5), new Guard(90, 0));
        assertThat(saved.identity().source()).isEqualTo("redis://s");
        assertThat(saved.identity().owned()).containsExactly(0);
    }

    @Test
    void aRunKilledBetweenTwoMastersCopiesOfItsIdentityIsSeenAsHavingWritten() {
        // each master's hash holds a copy of the identity, written one master after the other: a kill in between
        // leaves one that says db 0 was written and one from the run's start that says nothing was. Read last-wins,
        // the restart took the target for one no run had written into, said nothing and left the earlier copy.
        java.util.function.BiFunction<Set<Integer>, Set<Integer>, String> id = (owned, written) -> new RunIdentity("replicate",
                "redis://s", "redis://t", "f", new java.util.TreeSet<>(owned), new java.util.TreeSet<>(written)).json();
        Map<String, String> newer = Map.of("meta", id.apply(Set.of(0, 1), Set.of(0)), "at:0", "repl r 100 0");
        Map<String, String> older = Map.of("meta", id.apply(Set.of(0), Set.of()), "at:0", "repl r 100 0");
        for (List<CheckpointHash> order : List.of(List.of(new CheckpointHash(0, 0, newer), new CheckpointHash(0, 5461, older)),
                List.of(new CheckpointHash(0, 0, older), new CheckpointHash(0, 5461, newer)))) {
            RunIdentity merged = SavedCheckpoint.of(order).identity();
            assertThat(merged.written()).as("written into by any copy's word").containsExactly(0);
            assertThat(merged.owned()).as("owned only where every copy says so").containsExactly(0);
            assertThat(merged.source()).isEqualTo("redis://s");
        }
        RunIdentity other = new RunIdentity("replicate", "redis://other", "redis://t", "f", null, new java.util.TreeSet<>(Set.of(0, 3)));
        RunIdentity mine = RunIdentity.parse(id.apply(Set.of(0), Set.of(0)));
        assertThat(SavedCheckpoint.merge(mine, other)).as("another run's copy that wrote more").isEqualTo(other);
        assertThat(SavedCheckpoint.merge(other, mine)).isEqualTo(other);
        assertThat(SavedCheckpoint.merge(null, mine)).isEqualTo(mine);
    }

    @Test
    void identitiesDifferBySourceTargetFiltersAndKind() {
        RunIdentity one = new RunIdentity("replicate", "redis://a", "redis://t", "f", new java.util.TreeSet<>(Set.of(0)), null);
        assertThat(one.mismatch(one.withDbs(new java.util.TreeSet<>(Set.of(1)), new java.util.TreeSet<>()))).isNull();
        assertThat(one.mismatch(new RunIdentity("replicate", "redis://b", "redis://t", "f", null, null))).contains("source");
        assertThat(one.mismatch(new RunIdentity("replicate", "redis://a", "redis://t", "g", null, null))).contains("filters");
        assertThat(one.mismatch(new RunIdentity("scan", "redis://a", "redis://t", "f", null, null))).contains("--scan");
        assertThat(RunIdentity.parse(one.json())).isEqualTo(one);
    }

    @Test
    void anIdentityIsWrittenAsDatabindWroteItAndReadBackWhateverTheFieldOrder() throws Exception {
        // checkpoints left by earlier versions hold databind's text of the record: it must still read, and read equal
        var databind = new com.fasterxml.jackson.databind.ObjectMapper();
        for (RunIdentity id : List.of(
                new RunIdentity("import", "file:/x/d\"ump.rdb size 9", "redis://t:1", "db 0->1, match 'a*'",
                        new java.util.TreeSet<>(Set.of(0, 15)), new java.util.TreeSet<>(Set.of(3))),
                new RunIdentity("scan", "redis://s", "redis://t", null, null, null))) {
            assertThat(id.json()).isEqualTo(databind.writeValueAsString(id));
            assertThat(RunIdentity.parse(databind.writeValueAsString(id))).isEqualTo(id);
            assertThat(RunIdentity.parse(id.json())).isEqualTo(id);
        }
        assertThat(RunIdentity.parse("{\"written\":[2,1],\"kind\":\"replicate\",\"later\":{\"a\":[1]},\"owned\":[]}"))
                .isEqualTo(new RunIdentity("replicate", null, null, null, null, new java.util.TreeSet<>(Set.of(1, 2))));
        for (String bad : List.of("", "[]", "{\"kind\":1}", "{\"owned\":[\"a\"]}", "{\"kind\":\"x\"} {}", "{\"kind\":")) {
            assertThat(RunIdentity.parse(bad)).as(bad).isNull();
        }
    }

    @Test
    void onlyAssignmentsReplayWithoutAGuard() {
        assertThat(pure("SET", "k", "v")).isTrue();
        assertThat(pure("SET", "k", "v", "PXAT", "1700000000000")).isTrue();
        assertThat(pure("SET", "k", "v", "KEEPTTL")).isTrue();
        assertThat(pure("SET", "k", "v", "NX")).isFalse();
        assertThat(pure("SET", "k", "v", "PX", "100")).as("relative: later when replayed").isFalse();
        assertThat(pure("SET", "k", "v", "GET")).isFalse();
        assertThat(pure("ZADD", "z", "1", "a")).isTrue();
        assertThat(pure("ZADD", "z", "CH", "1", "a")).isTrue();
        assertThat(pure("ZADD", "z", "GT", "1", "a")).isFalse();
        assertThat(pure("ZADD", "z", "INCR", "1", "a")).isFalse();
        assertThat(pure("PEXPIREAT", "k", "1")).isTrue();
        assertThat(pure("PEXPIREAT", "k", "1", "GT")).isFalse();
        assertThat(pure("RESTORE", "k", "0", "p", "REPLACE")).isTrue();
        assertThat(pure("RESTORE", "k", "0", "p")).isFalse();
        for (String name : List.of("INCR", "INCRBYFLOAT", "APPEND", "LPUSH", "RPUSH", "LPOP", "LMOVE", "HINCRBY", "ZINCRBY",
                "XADD", "SETRANGE", "EXPIRE", "SWAPDB")) {
            assertThat(pure(name, "k", "1")).as(name).isFalse();
        }
        for (String name : List.of("HSET", "SADD", "SREM", "HDEL", "ZREM", "DEL", "UNLINK", "MSET", "PERSIST")) {
            assertThat(pure(name, "k", "1")).as(name).isTrue();
        }
    }

    private static boolean pure(String name, String... args) {
        byte[][] a = new byte[args.length + 1][];
        a[0] = name.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < args.length; i++) a[i + 1] = args[i].getBytes(StandardCharsets.US_ASCII);
        return CommandSafety.pureAssignment(name, a);
    }
}
