package dev.ferry.it;

import static dev.ferry.it.VerifyData.BIG;
import static dev.ferry.it.VerifyData.BIG_HASH;
import static dev.ferry.it.VerifyData.BIG_LIST;
import static dev.ferry.it.VerifyData.BIG_SET;
import static dev.ferry.it.VerifyData.BIG_STREAM;
import static dev.ferry.it.VerifyData.BIG_ZSET;
import static dev.ferry.it.VerifyData.BIN_KEY;
import static dev.ferry.it.VerifyData.BIN_KEY_PRINTABLE;
import static dev.ferry.it.VerifyData.STREAM_ENTRIES;
import static dev.ferry.it.VerifyData.TTL_STRING;
import static dev.ferry.it.VerifyData.b;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cli.Cli;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ferry verify} between two standalone servers holding the same data of every type: a clean pass, then
 * each kind of difference injected alone into an otherwise equal pair, each reported exactly once with the
 * right kind, key and both sides' type, length and TTL; the options that narrow a run; and the ways a run can
 * fail to finish.
 *
 * <p>The target keeps every collection in its big encoding (listpack and intset thresholds at 0) while the
 * source keeps the small ones compact, and three keys are written in opposite orders on the two sides: equal
 * data in different bytes, which a comparison of raw payloads or ordered replies would call different.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VerifyIT {
    static final String PASSWORD = "rightpw";
    static final String WRONG = "wr0ngPW";

    @RegisterExtension
    static final RedisServerExtension source = new RedisServerExtension(b -> b.name("verify-source"));
    @RegisterExtension
    static final RedisServerExtension target = new RedisServerExtension(b -> b.name("verify-target")
            .args("--hash-max-listpack-entries", "0", "--zset-max-listpack-entries", "0", "--set-max-intset-entries", "0"));
    @RegisterExtension
    static final RedisServerExtension secured = new RedisServerExtension(b -> b.name("verify-secured").password(PASSWORD));

    @TempDir
    Path tmp;

    @BeforeEach
    void equalPair() {
        source.get().flushAll();
        target.get().flushAll();
        try (RespConnection c = Datasets.connect(source.get())) {
            VerifyData.everyType(c);
        }
        VerifyData.copy(source.get(), target.get());
        try (RespConnection c = Datasets.connect(target.get())) {
            VerifyData.orderKeys(c, true);
        }
    }

    static Cli.Result verify(String... options) {
        List<String> a = new ArrayList<>(List.of("verify", "--source", source.get().uri(), "--target", target.get().uri(), "-q"));
        a.addAll(List.of(options));
        return Cli.run(a.toArray(new String[0]));
    }

    // ------------------------------------------------------------------ equal

    @Test
    void equalDataOfEveryTypeInOtherEncodingsIsEqual() {
        // the precondition that makes this test mean something: same data, other encodings and orders
        assertThat(source.get().cli("OBJECT", "ENCODING", "hash:small")).isEqualTo("listpack");
        assertThat(target.get().cli("OBJECT", "ENCODING", "hash:small")).isEqualTo("hashtable");
        assertThat(source.get().cli("OBJECT", "ENCODING", "set:ints")).isEqualTo("intset");
        assertThat(target.get().cli("OBJECT", "ENCODING", "set:ints")).isEqualTo("hashtable");
        assertThat(source.get().cli("HKEYS", "order:hash")).isNotEqualTo(target.get().cli("HKEYS", "order:hash"));
        assertThat(LiveRun.differences(Datasets.perKey(source.get()), Datasets.perKey(target.get()))).isEmpty();

        Path report = tmp.resolve("equal.jsonl");
        Cli.Result r = verify("--report", report.toString()); // default rounds, delay and tolerance
        assertThat(r.exitCode()).as(r.toString()).isZero();
        VerifySummary s = VerifySummary.parse(r);
        assertThat(s.counters()).as(r.toString()).containsOnly(0L);
        assertThat(s.resultLine()).isEqualTo("result: EQUAL");
        assertThat(s.sourceKeys()).as(r.toString()).isEqualTo(VerifyData.keyCount(source.get()));
        assertThat(s.targetKeys()).as(r.toString()).isEqualTo(VerifyData.keyCount(target.get()));
        assertThat(s.rounds()).as(r.toString()).isBetween(1, 3);
        assertThat(s.differencesAfterEachRound()).as(r.toString()).containsOnly(0L);
        assertThat(VerifySummary.report(report)).as("no line for an equal key").isEmpty();
        assertThat(r.err()).as(r.toString()).doesNotContain("Exception");
    }

    // ------------------------------------------------------------------ one difference at a time

    /** What the report says of one side of a key; ttl as a range because PTTL moves while the test runs. */
    record Side(String type, long length, long ttlMin, long ttlMax) {
        static Side of(String type, long length) {
            return new Side(type, length, -1, -1);
        }

        static Side expiring(String type, long length, long ttlMin, long ttlMax) {
            return new Side(type, length, ttlMin, ttlMax);
        }

        @Override public String toString() {
            return type + "/" + length + (ttlMin < 0 ? "" : "/ttl " + ttlMin + ".." + ttlMax);
        }
    }

    record Difference(String name, BiConsumer<RespConnection, RespConnection> inject, int db, byte[] key, String printable,
                      String kind, Side source, Side target) {
        @Override public String toString() {
            return name;
        }
    }

    static final long HOUR = 3_600_000;
    /** ttl:string lives an hour; PTTL read during the test is within the first minute of it. */
    static final Side TTL_STRING_SIDE = Side.expiring("string", 13, HOUR - 60_000, HOUR);

    static Difference diff(String name, BiConsumer<RespConnection, RespConnection> inject, String key, String kind,
                           Side src, Side tgt) {
        return new Difference(name, inject, 0, b(key), key, kind, src, tgt);
    }

    static Stream<Difference> differences() {
        double score = VerifyData.SCORES[4321];
        return Stream.of(
                diff("missing on target", (s, t) -> ok(t, "DEL", "hash:small"), "hash:small", "missing_on_target",
                        Side.of("hash", 3), null),
                diff("missing on source", (s, t) -> ok(s, "DEL", "set:words"), "set:words", "missing_on_source",
                        null, Side.of("set", 3)),
                new Difference("missing on target in db 1", (s, t) -> {
                    ok(t, "SELECT", "1");
                    ok(t, "DEL", "db1:key");
                }, 1, b("db1:key"), "db1:key", "missing_on_target", Side.of("string", 16), null),
                new Difference("binary key missing on target", (s, t) -> t.call(b("DEL"), BIN_KEY), 0, BIN_KEY,
                        BIN_KEY_PRINTABLE, "missing_on_target", Side.of("string", VerifyData.BIN_VALUE_LENGTH), null),
                diff("type: a list that is a set on the target", (s, t) -> {
                    ok(t, "DEL", "list:small");
                    ok(t, "SADD", "list:small", "a", "b", "c", "1", "-2", "300000", "");
                }, "list:small", "type", Side.of("list", 7), Side.of("set", 7)),
                diff("type and value differ: reported once, as type", (s, t) -> {
                    ok(t, "DEL", "hash:small");
                    ok(t, "SET", "hash:small", "x");
                }, "hash:small", "type", Side.of("hash", 3), Side.of("string", 1)),
                diff("string value, same length", (s, t) -> ok(t, "SET", "greeting", "hello, ferrY"), "greeting", "value",
                        Side.of("string", 12), Side.of("string", 12)),
                diff("value and ttl differ: reported once, as value", (s, t) -> ok(t, "SET", "greeting", "hello, FERRY", "PX", "600000"),
                        "greeting", "value", Side.of("string", 12), Side.expiring("string", 12, 540_000, 600_000)),
                diff("list order: two neighbours swapped deep in a big list", (s, t) -> {
                    ok(t, "LSET", BIG_LIST, "15000", "item-15001");
                    ok(t, "LSET", BIG_LIST, "15001", "item-15000");
                }, BIG_LIST, "value", Side.of("list", BIG), Side.of("list", BIG)),
                diff("set member replaced", (s, t) -> {
                    ok(t, "SREM", BIG_SET, "member-7777");
                    ok(t, "SADD", BIG_SET, "member-7777x");
                }, BIG_SET, "value", Side.of("set", BIG), Side.of("set", BIG)),
                diff("one field of a 20k-field hash", (s, t) -> ok(t, "HSET", BIG_HASH, "field-12345", "value-12346"),
                        BIG_HASH, "value", Side.of("hash", BIG), Side.of("hash", BIG)),
                diff("zset score off by the last bit", (s, t) -> {
                    ok(t, "ZADD", BIG_ZSET, Double.toString(Math.nextUp(score)), "m-4321");
                    // the servers really hold two doubles one ulp apart, not two spellings of one
                    assertThat(Double.parseDouble(s.call("ZSCORE", BIG_ZSET, "m-4321").asText())).isEqualTo(score);
                    assertThat(Double.parseDouble(t.call("ZSCORE", BIG_ZSET, "m-4321").asText())).isEqualTo(Math.nextUp(score));
                }, BIG_ZSET, "value", Side.of("zset", BIG), Side.of("zset", BIG)),
                diff("stream entry value", (s, t) -> {
                    ok(s, "XADD", BIG_STREAM, "9000-0", "n", "9000", "payload", "a");
                    ok(t, "XADD", BIG_STREAM, "9000-0", "n", "9000", "payload", "b");
                }, BIG_STREAM, "value", Side.of("stream", STREAM_ENTRIES + 1), Side.of("stream", STREAM_ENTRIES + 1)),
                diff("stream group last-delivered-id", (s, t) -> ok(t, "XGROUP", "SETID", BIG_STREAM, "late", "4000-0"),
                        BIG_STREAM, "value", Side.of("stream", STREAM_ENTRIES), Side.of("stream", STREAM_ENTRIES)),
                diff("stream PEL: one entry acknowledged on the target only", (s, t) -> ok(t, "XACK", BIG_STREAM, "g1", "100-0"),
                        BIG_STREAM, "value", Side.of("stream", STREAM_ENTRIES), Side.of("stream", STREAM_ENTRIES)),
                diff("ttl 5 s later on the target", (s, t) -> {
                    long at = s.call("PEXPIRETIME", TTL_STRING).asLong();
                    ok(t, "PEXPIREAT", TTL_STRING, Long.toString(at + 5_000));
                }, TTL_STRING, "ttl", TTL_STRING_SIDE, Side.expiring("string", 13, HOUR - 55_000, HOUR + 5_000)),
                diff("ttl on the source only", (s, t) -> ok(t, "PERSIST", TTL_STRING), TTL_STRING, "ttl",
                        TTL_STRING_SIDE, Side.of("string", 13)),
                diff("ttl on the target only", (s, t) -> ok(t, "PEXPIRE", "greeting", "600000"), "greeting", "ttl",
                        Side.of("string", 12), Side.expiring("string", 12, 540_000, 600_000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("differences")
    void oneDifferenceIsReportedExactlyOnce(Difference d) {
        try (RespConnection s = Datasets.connect(source.get()); RespConnection t = Datasets.connect(target.get())) {
            d.inject().accept(s, t);
        }
        Path report = tmp.resolve("report.jsonl");
        Cli.Result r = verify("--rounds", "2", "--round-delay", "50", "--report", report.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        VerifySummary s = VerifySummary.parse(r);
        List<Long> expected = new ArrayList<>(List.of(0L, 0L, 0L, 0L, 0L));
        expected.set(List.of("missing_on_target", "missing_on_source", "type", "value", "ttl").indexOf(d.kind()), 1L);
        assertThat(s.counters()).as("missing on target, on source, type, value, ttl\n%s", r).isEqualTo(expected);
        assertThat(s.resultLine()).matches("result: 1 DIFFERENCE(\\(S\\))?");
        assertThat(s.sourceKeys()).as(r.toString()).isEqualTo(VerifyData.keyCount(source.get()));
        assertThat(s.targetKeys()).as(r.toString()).isEqualTo(VerifyData.keyCount(target.get()));
        assertThat(s.rounds()).as(r.toString()).isEqualTo(2);
        assertThat(s.differencesAfterEachRound()).as("a difference that stays is counted after every round\n%s", r)
                .containsExactly(1L, 1L);

        List<JsonNode> lines = VerifySummary.report(report);
        assertThat(lines).as("one report line for the one different key").hasSize(1);
        assertReportLine(lines.get(0), d);
    }

    static void assertReportLine(JsonNode line, Difference d) {
        String as = d.name() + ": " + line;
        assertThat(line.path("db").isInt()).as(as).isTrue();
        assertThat(line.path("db").asInt()).as(as).isEqualTo(d.db());
        assertThat(line.path("kind").asText()).as(as).isEqualTo(d.kind());
        assertThat(Base64.getDecoder().decode(line.path("key_base64").asText())).as(as).isEqualTo(d.key());
        // the contract says \xNN without fixing the case of the hex digits
        assertThat(line.path("key").asText().toLowerCase(java.util.Locale.ROOT))
                .as(as).isEqualTo(d.printable().toLowerCase(java.util.Locale.ROOT));
        assertSide(line, "source", d.source(), as);
        assertSide(line, "target", d.target(), as);
        if (d.kind().equals("ttl") && d.source().ttlMin() > 0 && d.target().ttlMin() > 0) {
            long drift = line.path("target").path("ttl_ms").asLong() - line.path("source").path("ttl_ms").asLong();
            assertThat(drift).as("target's TTL minus source's " + as).isBetween(4_000L, 6_000L);
        }
    }

    static void assertSide(JsonNode line, String side, Side expected, String as) {
        assertThat(line.has(side)).as(side + " present (null when missing) in " + as).isTrue();
        JsonNode n = line.get(side);
        if (expected == null) {
            assertThat(n.isNull()).as(side + " is null in " + as).isTrue();
            return;
        }
        assertThat(n.path("type").asText()).as(side + " type in " + as).isEqualTo(expected.type());
        assertThat(n.path("length").asLong()).as(side + " length in " + as).isEqualTo(expected.length());
        assertThat(n.path("ttl_ms").isIntegralNumber()).as(side + " ttl_ms in " + as).isTrue();
        if (expected.ttlMin() < 0) {
            assertThat(n.path("ttl_ms").asLong()).as(side + " ttl_ms in " + as).isEqualTo(-1L);
        } else {
            assertThat(n.path("ttl_ms").asLong()).as(side + " ttl_ms in " + as).isBetween(expected.ttlMin(), expected.ttlMax());
        }
    }

    // ------------------------------------------------------------------ TTL tolerance

    @Test
    void ttlDriftWithinTheToleranceIsEqualAndBeyondItIsNot() {
        long at = Long.parseLong(source.get().cli("PEXPIRETIME", TTL_STRING));
        assertThat(target.get().cli("PEXPIREAT", TTL_STRING, Long.toString(at + 300))).isEqualTo("1");

        Cli.Result r = verify("--rounds", "1", "--round-delay", "0");
        assertThat(r.exitCode()).as("300 ms is within the default 1000 ms\n%s", r).isZero();
        assertThat(VerifySummary.parse(r).ttl()).isZero();

        Path report = tmp.resolve("tolerance.jsonl");
        Cli.Result tight = verify("--rounds", "1", "--round-delay", "0", "--ttl-tolerance", "100", "--report", report.toString());
        assertThat(tight.exitCode()).as(tight.toString()).isEqualTo(3);
        VerifySummary s = VerifySummary.parse(tight);
        assertThat(s.counters()).as(tight.toString()).containsExactly(0L, 0L, 0L, 0L, 1L);
        List<JsonNode> lines = VerifySummary.report(report);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).path("kind").asText()).isEqualTo("ttl");
        assertThat(lines.get(0).path("key").asText()).isEqualTo(TTL_STRING);
    }

    /**
     * Strings past the batch's first window (32 KiB) are read on in 1 MiB pieces, one at a time, so no batch holds
     * them whole: equal ones are equal, and one byte changed deep in the third piece is a value difference.
     */
    @Test
    void stringsLongerThanTheFirstWindowAreComparedPieceByPiece() throws Exception {
        byte[] big = new byte[(3 << 20) + 17];
        new java.util.Random(11).nextBytes(big);
        byte[] mid = java.util.Arrays.copyOf(big, 100_000);
        try (RespConnection s = Datasets.connect(source.get()); RespConnection t = Datasets.connect(target.get())) {
            for (RespConnection c : List.of(s, t)) {
                assertThat(c.call("SET".getBytes(), "str:big".getBytes(), big).asText()).isEqualTo("OK");
                assertThat(c.call("SET".getBytes(), "str:mid".getBytes(), mid).asText()).isEqualTo("OK");
            }
            Cli.Result r = verify("--rounds", "1", "--round-delay", "0");
            assertThat(r.exitCode()).as(r.toString()).isZero();

            byte[] changed = big.clone();
            changed[(5 << 19) + 3] ^= 1; // 2.5 MiB in: the third piece
            assertThat(t.call("SET".getBytes(), "str:big".getBytes(), changed).asText()).isEqualTo("OK");
        }
        Path report = tmp.resolve("big-string.jsonl");
        Cli.Result r = verify("--rounds", "1", "--round-delay", "0", "--report", report.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(VerifySummary.parse(r).counters()).as(r.toString()).containsExactly(0L, 0L, 0L, 1L, 0L);
        List<JsonNode> lines = VerifySummary.report(report);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).path("key").asText()).isEqualTo("str:big");
        assertThat(lines.get(0).path("source").path("length").asLong()).isEqualTo(big.length);
    }

    // ------------------------------------------------------------------ narrowing

    @Test
    void matchComparesOnlyMatchingKeysOnBothSides() {
        target.get().cli("DEL", "greeting"); // outside the pattern: must not be seen
        long bigKeys = VerifyData.keyCount(source.get(), "big:*");
        assertThat(bigKeys).isEqualTo(6);

        Cli.Result r = verify("--match", "big:*", "--rounds", "1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        VerifySummary s = VerifySummary.parse(r);
        assertThat(s.sourceKeys()).as(r.toString()).isEqualTo(bigKeys);
        assertThat(s.targetKeys()).as(r.toString()).isEqualTo(bigKeys);

        target.get().cli("HSET", BIG_HASH, "field-1", "changed");
        Cli.Result changed = verify("--match", "big:*", "--rounds", "1");
        assertThat(changed.exitCode()).as(changed.toString()).isEqualTo(3);
        assertThat(VerifySummary.parse(changed).counters()).containsExactly(0L, 0L, 0L, 1L, 0L);
    }

    @Test
    void dbLimitsTheRunToTheNamedDbs() {
        target.get().cli("DEL", "greeting"); // in db 0
        Cli.Result r = verify("--db", "1", "--rounds", "1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        VerifySummary s = VerifySummary.parse(r);
        assertThat(s.sourceKeys()).as(r.toString()).isEqualTo(2);
        assertThat(s.targetKeys()).as(r.toString()).isEqualTo(2);

        Cli.Result both = verify("--db", "0", "--db", "1", "--rounds", "1");
        assertThat(both.exitCode()).as(both.toString()).isEqualTo(3);
        VerifySummary b = VerifySummary.parse(both);
        assertThat(b.counters()).containsExactly(1L, 0L, 0L, 0L, 0L);
        assertThat(b.sourceKeys()).isEqualTo(VerifyData.keyCount(source.get()));
    }

    @Test
    void sampleChecksThatManyKeys() {
        long all = VerifyData.keyCount(source.get());
        assertThat(all).isGreaterThan(10);
        Cli.Result r = verify("--sample", "10", "--rounds", "1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        VerifySummary s = VerifySummary.parse(r);
        assertThat(s.sourceKeys()).as(r.toString()).isEqualTo(10);
        assertThat(s.targetKeys()).as(r.toString()).isBetween(0L, 10L);
    }

    // ------------------------------------------------------------------ could not finish / bad usage

    /** One {@code ferry: } line on stderr, no stack trace, no summary; a usage error may add picocli's hint. */
    static String oneErrorLine(Cli.Result r, int exitCode) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        List<String> ferry = lines.stream().filter(l -> l.startsWith("ferry: ")).toList();
        assertThat(ferry).as(r.toString()).hasSize(1);
        List<String> others = lines.stream().filter(l -> !l.startsWith("ferry: ")).toList();
        if (exitCode == 2) {
            assertThat(others).as(r.toString()).allMatch(l -> l.equals("Try 'ferry verify --help'."));
        } else {
            assertThat(others).as(r.toString()).isEmpty();
        }
        assertThat(r.err()).as(r.toString()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).as("no result claimed\n" + r).doesNotContain("result:");
        return ferry.get(0);
    }

    @Test
    void unreachableTargetFailsWithOneLine() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Cli.Result r = Cli.run("verify", "--source", source.get().uri(), "--target", "redis://127.0.0.1:" + port, "-q");
        assertThat(oneErrorLine(r, 1)).contains("127.0.0.1:" + port);
    }

    @Test
    void wrongPasswordFailsWithOneLineThatHidesIt() {
        Cli.Result r = Cli.run("verify", "--source", source.get().uri(),
                "--target", "redis://:" + WRONG + "@" + secured.get().hostAndPort(), "-q");
        assertThat(oneErrorLine(r, 1)).contains("WRONGPASS").doesNotContain(WRONG);
        assertThat(r.err()).doesNotContain(WRONG);
    }

    @Test
    void badUriIsAUsageError() {
        Cli.Result r = Cli.run("verify", "--source", source.get().uri(), "--target", "http://127.0.0.1:6379", "-q");
        assertThat(oneErrorLine(r, 2)).contains("http");
        Cli.Result port = Cli.run("verify", "--source", "redis://127.0.0.1:70000", "--target", target.get().uri(), "-q");
        assertThat(oneErrorLine(port, 2)).contains("70000");
    }

    @Test
    void missingTargetIsAUsageError() {
        Cli.Result r = Cli.run("verify", "--source", source.get().uri(), "-q");
        assertThat(oneErrorLine(r, 2)).contains("--target");
    }

    private static void ok(RespConnection c, String... a) {
        var r = c.call(a);
        if (r.isError()) throw new IllegalStateException(String.join(" ", a) + ": " + r);
    }
}
