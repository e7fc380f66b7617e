package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.rdb.Corpus;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every corpus file Redis loads is imported by Ferry into an empty server, once with RESTORE payloads and
 * once with type commands; Redis's own load of the same file is the oracle, key by key (DEBUG DIGEST-VALUE,
 * expiry, stream groups) and as a whole (DEBUG DIGEST, function libraries).
 */
class ImportCorpusIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension().flushBeforeEach();

    @BeforeAll
    static void corpus() {
        Corpus.assumePresent();
    }

    static List<Arguments> loadableFiles() {
        List<Arguments> out = new ArrayList<>();
        for (String f : Corpus.loadableByRedis70()) {
            out.add(Arguments.of(f, "auto"));
            out.add(Arguments.of(f, "commands"));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("loadableFiles")
    void importEqualsRedisOwnLoad(String file, String mode) {
        Path rdb = Corpus.file(file);
        Map<String, String> expected;
        String expectedDigest;
        List<String> expectedFunctions;
        try (RedisServer oracle = RedisServer.builder().name("oracle").rdb(rdb).start()) {
            expected = Datasets.perKey(oracle);
            expectedDigest = Datasets.digest(oracle);
            expectedFunctions = Datasets.functions(oracle);
        }
        RedisServer t = target.get();
        t.cli("FUNCTION", "FLUSH");
        Cli.Result r = Cli.run("import", rdb.toString(), "--target", t.uri(), "--quiet", "--write-mode", mode);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        if (file.endsWith("dump-stream.rdb") && mode.equals("commands")) {
            // its stream "trim" stores length 130 over 128 live entries: XADD can only rebuild the 128, and says so
            assertThat(r.out()).contains("stream length field says 130 but the stream holds 128 entries").contains("\"trim\"");
            expected.computeIfPresent("0:trim", (k, v) -> v.replace("[length, 130,", "[length, 128,"));
        }
        assertThat(Datasets.perKey(t)).as("per-key digests, expiries and stream state").isEqualTo(expected);
        assertThat(Datasets.digest(t)).isEqualTo(expectedDigest);
        assertThat(Datasets.functions(t)).isEqualTo(expectedFunctions);
        assertThat(r.out()).contains("keys written  " + String.format("%,d", expected.size()));
    }

    @Test
    void redis8ClusterFileWithSlotInfoImportsAsRedis74LoadsIt() {
        Cli.Result r = Cli.run("import", Corpus.file("redis-replicator/dump-slot.rdb").toString(), "--target", target.get().uri(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        // the digest Redis 7.4.1 computes after loading this RDB 12 file natively (corpus README)
        assertThat(Datasets.digest(target.get())).isEqualTo("e7f6bb8e3e17d84b0a457414712ba516908c9f06");
        assertThat(target.get().dbSize()).isEqualTo(5);
    }

    @Test
    void hashFieldTtlsThatTheTargetCannotHoldAreSkippedAndNamed() {
        Cli.Result r = Cli.run("import", Corpus.file("redis-replicator/dump-ttlhash.rdb").toString(), "--target", target.get().uri(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("skipped       3").contains("per-field TTLs needs Redis 7.4+");
        assertThat(target.get().dbSize()).isZero();

        Cli.Result strict = Cli.run("import", Corpus.file("redis-replicator/dump-ttlhash.rdb").toString(), "--target",
                target.get().uri(), "-q", "--on-unsupported", "fail");
        assertThat(strict.exitCode()).isEqualTo(1);
        assertThat(strict.err().strip()).startsWith("ferry: error: key ").contains("per-field TTLs").doesNotContain("\n");
    }

    @Test
    void moduleValueWithoutItsModuleStopsWithOneLineNamingTheKey() {
        Cli.Result r = Cli.run("import", Corpus.file("redis-replicator/module.rdb").toString(), "--target", target.get().uri(), "-q");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").contains("module.rdb").contains("offset").contains("hellotype")
                .contains("key \"");
    }

    @Test
    void expiredKeysAndEmptyCollectionsAreCountedNotWritten() throws Exception {
        Cli.Result r = Cli.run("import", Corpus.file("redis-tests/corrupt_empty_keys.rdb").toString(), "--target", target.get().uri(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("skipped       9");
        Path report = java.nio.file.Files.createTempFile("ferry-report", ".jsonl");
        Cli.Result e = Cli.run("import", Corpus.file("redis-replicator/dumpV8.rdb").toString(), "--target", target.get().uri(), "-q",
                "--report", report.toString());
        assertThat(e.out()).contains("keys written  92,497").contains("2: already expired");
        assertThat(target.get().dbSize()).isEqualTo(92_497);
        // the report names exactly the keys the summary counts, each absent from the target
        List<String> lines = java.nio.file.Files.readAllLines(report);
        assertThat(lines).hasSize(2).allMatch(l -> l.startsWith("{\"outcome\":\"skipped\",\"db\":0,\"key\":\"")
                && l.endsWith("\",\"reason\":\"already expired\"}"));
        for (String l : lines) {
            String key = l.substring(l.indexOf("\"key\":\"") + 7, l.indexOf("\",\"reason\""));
            assertThat(target.get().cli("EXISTS", key)).isEqualTo("0");
        }
        java.nio.file.Files.delete(report);
    }
}
