package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.demo.SampleData;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RDB files made here by a live redis-server (every type in compact and big encodings, binary data, TTLs,
 * two dbs, streams with groups, functions, DEBUG POPULATE, collections of hundreds of thousands of
 * elements) are imported and compared with the server that saved them, key by key.
 */
class ImportGeneratedIT {
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension().flushBeforeEach();

    private static RedisServer source;
    private static Map<String, String> sourceKeys;
    private static List<String> sourceFunctions;
    private static Path sampleRdb;

    @BeforeAll
    static void sample() throws Exception {
        source = RedisServer.builder().name("sample-source").start();
        try (RespConnection c = Datasets.connect(source)) {
            SampleData.populate(c, 7);
            c.callOk("SAVE");
        }
        sampleRdb = Files.copy(source.dir().resolve("dump.rdb"), Files.createTempFile("ferry-sample", ".rdb"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        sourceKeys = Datasets.perKey(source);
        sourceFunctions = Datasets.functions(source);
        assertThat(sourceKeys).hasSizeGreaterThan(20);
    }

    @AfterAll
    static void stop() throws Exception {
        if (source != null) source.close();
        if (sampleRdb != null) Files.deleteIfExists(sampleRdb);
    }

    private static void flushFunctions() {
        target.get().cli("FUNCTION", "FLUSH");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--write-mode=auto", "--write-mode=commands", "--big-value=1024 --batch=7",
            "--write-mode=commands --big-value=1024 --batch=3 --connections=1 --pipeline=2"})
    void sampleOfEveryTypeImportsExactly(String options) {
        flushFunctions();
        String[] base = {"import", sampleRdb.toString(), "--target", target.get().uri(), "-q"};
        String[] extra = options.split(" ");
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra)).toArray(String[]::new);
        Cli.Result r = Cli.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Datasets.perKey(target.get())).isEqualTo(sourceKeys);
        assertThat(Datasets.digest(target.get())).isEqualTo(Datasets.digest(source));
        assertThat(Datasets.functions(target.get())).isEqualTo(sourceFunctions);
    }

    @Test
    void debugPopulateDataset() throws Exception {
        try (RedisServer s = RedisServer.builder().name("populate").start(); RespConnection c = Datasets.connect(s)) {
            c.callOk("DEBUG", "POPULATE", "200000", "key", "64");
            c.callOk("SAVE");
            Cli.Result r = Cli.run("import", s.dir().resolve("dump.rdb").toString(), "--target", target.get().uri(), "-q");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("keys written  200,000");
            assertThat(target.get().dbSize()).isEqualTo(200_000);
            assertThat(Datasets.digest(target.get())).isEqualTo(Datasets.digest(s));
        }
    }

    @Test
    void collectionsOfHundredsOfThousandsOfElementsGoInBatches() throws Exception {
        try (RedisServer s = RedisServer.builder().name("bigkeys").start(); RespConnection c = Datasets.connect(s)) {
            // built server-side so the test does not spend its time shipping elements
            c.callOk("EVAL", String.join("\n",
                    "for i = 1, 300000, 1000 do",
                    "  local l, h, z, st = {}, {}, {}, {}",
                    "  for j = i, i + 999 do",
                    "    l[#l + 1] = 'elem-' .. j",
                    "    h[#h + 1] = 'f' .. j; h[#h + 1] = 'v' .. (j * 7)",
                    "    z[#z + 1] = tostring(j / 3); z[#z + 1] = 'm' .. j",
                    "    st[#st + 1] = 's' .. j",
                    "  end",
                    "  redis.call('RPUSH', 'big:list', unpack(l))",
                    "  redis.call('HSET', 'big:hash', unpack(h))",
                    "  redis.call('ZADD', 'big:zset', unpack(z))",
                    "  redis.call('SADD', 'big:set', unpack(st))",
                    "end",
                    "redis.call('PEXPIREAT', 'big:hash', 4102444800000)",
                    "return 1"), "0");
            c.callOk("SAVE");
            Map<String, String> expected = Datasets.perKey(s);
            Cli.Result r = Cli.run("import", s.dir().resolve("dump.rdb").toString(), "--target", target.get().uri(), "-q",
                    "--big-value", "65536", "--batch", "1000");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("keys written  4");
            assertThat(Datasets.perKey(target.get())).isEqualTo(expected);
            assertThat(target.get().cli("ZSCORE", "big:zset", "m1")).isEqualTo(s.cli("ZSCORE", "big:zset", "m1"));
        }
    }
}
