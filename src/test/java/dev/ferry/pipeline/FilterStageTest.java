package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.command.ParsedCommand;
import dev.ferry.command.ValueType;
import dev.ferry.record.FileOffset;
import dev.ferry.record.KeyValue;
import dev.ferry.testkit.Words;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FilterStageTest {
    private final RunStats stats = new RunStats();

    /** The command as the stage hands it on, as text. */
    private static String mapped(FilterStage s, int db, String... words) {
        return String.join(" ", Words.words(s.command(db, ParsedCommand.of(Words.cmd(words))).args()));
    }

    private FilterStage stage(KeyFilter filter) {
        return new FilterStage(filter, RateLimiter.NONE, stats, "test");
    }

    @Test
    void mapsDbsInValuesAndInMoveAndCopyArguments() {
        FilterStage s = stage(new KeyFilter(null, Map.of(1, 5, 2, 6), null, null, null));
        KeyValue kv = new KeyValue(1, "k".getBytes(), 0, -1, new byte[] {0, 1, 'v'}, 10, new FileOffset(9));
        KeyValue mapped = s.mapped(kv);
        assertThat(mapped.db()).isEqualTo(5);
        assertThat(mapped.position()).isEqualTo(new FileOffset(9));
        KeyValue inDb0 = new KeyValue(0, "k".getBytes(), 0, -1, new byte[] {0, 1, 'v'}, 10, null);
        assertThat(s.mapped(inDb0)).as("an unmapped db: the same record, no copy").isSameAs(inDb0);
        assertThat(mapped(s, 1, "move", "k", "2")).isEqualTo("MOVE k 6");
        assertThat(mapped(s, 1, "COPY", "a", "b", "db", "1", "REPLACE")).isEqualTo("COPY a b db 5 REPLACE");
        assertThat(mapped(s, 1, "set", "k", "v")).as("names upper-cased once").isEqualTo("SET k v");
        assertThat(mapped(s, 1, "COPY", "a", "b", "REPLACE")).as("a COPY within its db names none").isEqualTo("COPY a b REPLACE");
        assertThat(ParsedCommand.of(Words.cmd("MOVE", "k", "2")).dbArgumentIndex()).isEqualTo(2);
        assertThat(ParsedCommand.of(Words.cmd("copy", "a", "b", "db", "3")).dbArgumentIndex()).isEqualTo(4);
        assertThat(ParsedCommand.of(Words.cmd("SET", "db", "3")).dbArgumentIndex()).isEqualTo(-1);
    }

    @Test
    void leavesOutWhatTheFiltersLeaveOutAndCountsOnlyKeys() {
        FilterStage s = stage(new KeyFilter(Set.of(0), null, List.of("user:*"), null, Set.of(ValueType.HASH)));
        assertThat(s.command(1, ParsedCommand.of(Words.cmd("HSET", "user:1", "f", "v")))).as("db 1 is out").isNull();
        assertThat(s.command(0, ParsedCommand.of(Words.cmd("SET", "user:1", "v")))).as("a string is out").isNull();
        assertThat(s.command(0, ParsedCommand.of(Words.cmd("HSET", "other", "f", "v")))).as("the name is out").isNull();
        assertThat(s.command(0, ParsedCommand.of(Words.cmd("HSET", "user:1", "f", "v")))).isNotNull();
        assertThat(s.command(0, ParsedCommand.of(Words.cmd("DEL", "user:1", "other")))).as("one key in: applied whole").isNotNull();
        assertThat(stats.filtered.sum()).as("live commands are not keys").isZero();
        assertThat(s.wants(0, "other".getBytes(), null)).isFalse();
        assertThat(s.wants(0, "user:2".getBytes(), ValueType.HASH)).isTrue();
        assertThat(stats.filtered.sum()).isEqualTo(1);
    }

    @Test
    void pacesBytesAsWellAsKeys() {
        FilterStage s = new FilterStage(new KeyFilter(null, null, null, null, null), RateLimiter.parse("1mb"), stats, "test");
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) s.pace(1, 104_858); // half a MiB
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(400L, 2_000L);
    }
}
