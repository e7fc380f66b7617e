package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.rdb.Corpus;
import dev.ferry.demo.SampleData;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Imports into a 3-master cluster: every key must land on the master owning its slot, equal to Redis's own
 * load of the file (per-key DEBUG DIGEST-VALUE, expiry, stream state).
 */
class ImportClusterIT {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension().flushBeforeEach();

    /** The corpus files Redis 7.0 loads; one placeholder where the corpus is absent, so the test skips saying why. */
    static List<String> loadableFiles() {
        List<String> files = Corpus.loadableByRedis70();
        return files.isEmpty() ? List.of("(corpus absent)") : files;
    }

    private static Map<String, String> db0(Map<String, String> perKey) {
        Map<String, String> out = new TreeMap<>();
        perKey.forEach((k, v) -> {
            if (k.startsWith("0:")) out.put(k, v);
        });
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loadableFiles")
    void corpusFileLandsOnTheRightMasters(String file) {
        Corpus.assumePresent();
        Path rdb = Corpus.file(file);
        Map<String, String> expected;
        try (RedisServer oracle = RedisServer.builder().name("oracle").rdb(rdb).start()) {
            expected = db0(Datasets.perKey(oracle));
        }
        Cli.Result r = Cli.run("import", rdb.toString(), "--target", cluster.get().seedUri(), "-q", "--db", "0");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Datasets.perKey(cluster.get())).isEqualTo(expected);
        for (RedisServer m : cluster.get().masters()) {
            // each key sits on the master that owns its slot (a misrouted key would answer MOVED there)
            try (RespConnection c = Datasets.connect(m)) {
                for (String k : Datasets.perKey(m).keySet()) {
                    byte[] key = k.substring(2).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertThat(c.call("EXISTS".getBytes(), key).isError()).isFalse();
                }
            }
        }
    }

    @Test
    void sampleWithTwoDbsReportsWhatAClusterCannotHoldAndMapsOnRequest() throws Exception {
        try (RedisServer source = RedisServer.builder().name("sample").start(); RespConnection c = Datasets.connect(source)) {
            SampleData.populate(c, 3);
            c.callOk("SAVE");
            Path rdb = source.dir().resolve("dump.rdb");
            Map<String, String> all = Datasets.perKey(source);

            Cli.Result r = Cli.run("import", rdb.toString(), "--target", cluster.get().seedUri(), "-q");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("skipped       2").contains("db 1 cannot be written to a cluster target (map it with --db-map 1=0)");
            assertThat(Datasets.perKey(cluster.get())).isEqualTo(db0(all));

            cluster.get().flushAll();
            Cli.Result big = Cli.run("import", rdb.toString(), "--target", cluster.get().seedUri(), "-q", "--db-map", "1=0",
                    "--write-mode", "commands", "--big-value", "2048", "--batch", "50");
            assertThat(big.exitCode()).as(big.toString()).isZero();
            Map<String, String> merged = new TreeMap<>();
            all.forEach((k, v) -> merged.put("0:" + k.substring(2), v));
            assertThat(Datasets.perKey(cluster.get())).isEqualTo(merged);
        }
    }
}
