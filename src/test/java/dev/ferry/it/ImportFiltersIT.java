package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * --match, --exclude, --type, --db and --db-map decide exactly which keys reach the target and where; --replace
 * and --no-replace decide what happens to keys already there; --write-mode commands with tiny batches and a
 * tiny big-value threshold still reproduces the source. The oracle is always the source server's per-key view,
 * restricted (and re-numbered) the way the options say.
 */
class ImportFiltersIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("filters-target")).flushBeforeEach();

    @TempDir
    static Path tmp;
    /** db 0: 9 keys of every type; db 1: 3 keys. */
    static Rdbs.Made keys;
    static final int TOTAL = 12;

    @BeforeAll
    static void rdb() {
        keys = Rdbs.make(tmp, "filters.rdb", s -> Rdbs.script(s, String.join("\n",
                "SELECT 0",
                "SET user:1 alice",
                "SET user:2 bob",
                "SET user:3 carol",
                "HSET user:4 name dave age 40",
                "SET session:a s-a EX 86400",
                "RPUSH session:b 1 2 3",
                "SADD tmp:x a b",
                "ZADD cache:1 1 a 2 b",
                "XADD log:1 1-1 f v",
                "SELECT 1",
                "SET user:9 zed",
                "HSET other f v",
                "SET tmp:y y",
                "")));
        assertThat(keys.perKey()).hasSize(TOTAL);
    }

    static Cli.Result ok(String... options) {
        Cli.Result r = Rdbs.importQuiet(keys.file(), target.get().uri(), options);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("  failed        0\n");
        return r;
    }

    static void assertFiltered(Cli.Result r, Map<String, String> expected) {
        long dropped = TOTAL - expected.size();
        assertThat(r.out()).as(r.toString()).contains(String.format("  keys read     %d%n", expected.size()))
                .contains(String.format("  keys written  %d%n", expected.size()));
        if (dropped > 0) assertThat(r.out()).as(r.toString()).contains(String.format("  filtered out  %d%n", dropped));
        else assertThat(r.out()).as(r.toString()).doesNotContain("filtered out");
        assertThat(Datasets.perKey(target.get())).isEqualTo(expected);
    }

    @Test
    void matchKeepsOnlyMatchingKeysInEveryDb() {
        Cli.Result r = ok("--match", "user:*");
        Map<String, String> expected = keys.only((db, k) -> k.startsWith("user:"));
        assertThat(expected.keySet()).containsExactly("0:user:1", "0:user:2", "0:user:3", "0:user:4", "1:user:9");
        assertFiltered(r, expected);
    }

    @Test
    void severalMatchGlobsAreOred() {
        Cli.Result r = ok("--match", "tmp:?", "--match", "cache:*");
        assertFiltered(r, keys.only((db, k) -> Set.of("tmp:x", "tmp:y", "cache:1").contains(k)));
    }

    @Test
    void severalExcludeGlobsEachDropKeys() {
        Cli.Result r = ok("--exclude", "tmp:*", "--exclude", "cache:*", "--exclude", "user:[13]");
        Map<String, String> expected = keys.only((db, k) -> !Set.of("tmp:x", "tmp:y", "cache:1", "user:1", "user:3").contains(k));
        assertThat(expected).hasSize(7);
        assertFiltered(r, expected);
    }

    @Test
    void typeKeepsOnlyThoseTypes() {
        Cli.Result r = ok("--type", "hash,list", "--type", "stream");
        assertFiltered(r, keys.only((db, k) -> Set.of("user:4", "other", "session:b", "log:1").contains(k)));
    }

    @Test
    void dbKeepsOnlyThatSourceDb() {
        Cli.Result r = ok("--db", "1");
        Map<String, String> expected = keys.only((db, k) -> db == 1);
        assertThat(expected).hasSize(3);
        assertFiltered(r, expected);
    }

    @Test
    void dbMapMovesDb0ToDb5AndLeavesDb1() {
        Cli.Result r = ok("--db-map", "0=5");
        assertFiltered(r, Rdbs.Made.moveDb(keys.perKey(), 0, 5));
        assertThat(target.get().cli("INFO", "keyspace")).doesNotContain("db0:");
    }

    @Test
    void dbMapMergesDb1IntoDb0() {
        Cli.Result r = ok("--db-map", "1=0");
        assertFiltered(r, Rdbs.Made.moveDb(keys.perKey(), 1, 0));
        assertThat(target.get().cli("INFO", "keyspace")).doesNotContain("db1:");
    }

    @Test
    void dbFilterAndDbMapTogether() {
        Cli.Result r = ok("--db", "1", "--db-map", "1=0");
        assertFiltered(r, Rdbs.Made.moveDb(keys.only((db, k) -> db == 1), 1, 0));
    }

    @Test
    void everyFilterCombined() {
        Cli.Result r = ok("--db", "0", "--match", "user:*", "--match", "session:*", "--exclude", "user:3",
                "--type", "string,hash", "--db-map", "0=5");
        Map<String, String> expected = Rdbs.Made.moveDb(
                keys.only((db, k) -> db == 0 && Set.of("user:1", "user:2", "user:4", "session:a").contains(k)), 0, 5);
        assertThat(expected).hasSize(4);
        assertFiltered(r, expected);
    }

    @Test
    void badFilterValuesAreUsageErrors() {
        assertThat(ImportErrorsIT.oneErrorLine(Rdbs.importQuiet(keys.file(), target.get().uri(), "--type", "strings"), 2))
                .isEqualTo("ferry: unknown --type 'strings': use string, list, set, zset, hash, stream or module");
        assertThat(ImportErrorsIT.oneErrorLine(Rdbs.importQuiet(keys.file(), target.get().uri(), "--db-map", "0-5"), 2))
                .isEqualTo("ferry: bad --db-map entry '0-5': expected SOURCE_DB=TARGET_DB, e.g. 0=1");
        assertThat(ImportErrorsIT.oneErrorLine(Rdbs.importQuiet(keys.file(), target.get().uri(), "--db", "-1"), 2))
                .isEqualTo("ferry: --db must be >= 0, got -1");
        assertThat(target.get().dbSize()).isZero();
    }

    // ------------------------------------------------------------------ keys already on the target

    /** user:1 exists with another value, user:4 (a hash in the source) exists as a string. */
    static void preExisting(RedisServer t) {
        Rdbs.script(t, "SET user:1 old\nSET user:4 was-a-string\nSADD session:b not-a-list\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "commands"})
    void noReplaceKeepsExistingKeysAndCountsThem(String mode) {
        RedisServer t = target.get();
        preExisting(t);
        Map<String, String> before = Datasets.perKey(t);
        Cli.Result r = ok("--no-replace", "--write-mode", mode);
        assertThat(r.out()).as(r.toString()).contains("  keys written  " + (TOTAL - 3) + "\n")
                .contains("  skipped       3\n").contains("    3: exists on the target (--no-replace)\n")
                .contains("      db 0 \"user:1\"\n").contains("      db 0 \"user:4\"\n").contains("      db 0 \"session:b\"\n");
        Map<String, String> expected = new TreeMap<>(keys.perKey());
        expected.putAll(before);
        assertThat(Datasets.perKey(t)).isEqualTo(expected);
        assertThat(t.cli("GET", "user:1")).isEqualTo("old");
        assertThat(t.cli("TYPE", "session:b")).isEqualTo("set");
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "commands"})
    void replaceByDefaultOverwritesValuesAndTypes(String mode) {
        RedisServer t = target.get();
        preExisting(t);
        Cli.Result r = ok("--write-mode", mode);
        assertThat(r.out()).as(r.toString()).contains("  keys written  " + TOTAL + "\n").contains("  skipped       0\n");
        assertThat(Datasets.perKey(t)).isEqualTo(keys.perKey());
        assertThat(t.cli("TYPE", "user:4")).isEqualTo("hash");
    }

    @Test
    void explicitReplaceOverwrites() {
        RedisServer t = target.get();
        preExisting(t);
        Cli.Result r = ok("--replace");
        assertThat(r.out()).as(r.toString()).contains("  keys written  " + TOTAL + "\n").contains("  skipped       0\n");
        assertThat(Datasets.perKey(t)).isEqualTo(keys.perKey());
    }

    // ------------------------------------------------------------------ the chunked write path

    /** Every big key of SampleData (list:big, set:big, zset:big, hash:big, big:string) goes the chunked way. */
    @Test
    void commandsModeWithTinyBatchesAndBigValueThresholdReproducesSampleData() {
        Rdbs.Made sample = Rdbs.sample(tmp, 23);
        RedisServer t = target.get();
        Cli.Result r = Rdbs.importQuiet(sample.file(), t.uri(), "--write-mode", "commands", "--batch", "3", "--big-value", "1024",
                "--type", "string,list,set,zset,hash");
        Map<String, String> expected = sample.only((db, k) -> !sample.perKey().get(db + ":" + k).startsWith("stream "));
        assertThat(expected).hasSize(sample.perKey().size() - 1);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains(String.format("  keys written  %,d%n", expected.size()))
                .contains("  skipped       0\n").contains("  failed        0\n").contains("  filtered out  1\n");
        assertThat(Datasets.perKey(t)).isEqualTo(expected);
    }

    /** Streams included: XINFO STREAM FULL of the result must equal the source's too. */
    @Test
    void commandsModeReproducesSampleDataIncludingStreamConsumers() {
        Rdbs.Made sample = Rdbs.sample(tmp, 29);
        RedisServer t = target.get();
        Cli.Result r = Rdbs.importQuiet(sample.file(), t.uri(), "--write-mode", "commands", "--batch", "3", "--big-value", "1024");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains(String.format("  keys written  %,d%n", sample.perKey().size()));
        assertThat(Datasets.perKey(t)).isEqualTo(sample.perKey());
    }
}
