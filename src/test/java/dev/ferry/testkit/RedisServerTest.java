package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisServerTest {

    @BeforeAll
    static void redisInstalled() {
        RedisTools.requireRedis();
    }

    @Test
    void startsAnswersAndStopsByPid() {
        RedisServer redis = RedisServer.start();
        long pid;
        try {
            pid = redis.pid();
            System.out.println("standalone start-up: " + redis.startupMillis() + " ms");
            assertThat(redis.startupMillis()).isPositive();
            assertThat(redis.host()).isEqualTo("127.0.0.1");
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
            assertThat(redis.cli("PING")).isEqualTo("PONG");
            assertThat(redis.infoField("server", "process_id")).isEqualTo(Long.toString(pid));
            assertThat(redis.infoField("server", "redis_version")).startsWith("7.");
            // the rules the harness promises
            assertThat(redis.cli("--no-raw", "CONFIG", "GET", "save")).isEqualTo("1) \"save\"\n2) \"\"");
            assertThat(redis.cli("CONFIG", "GET", "appendonly")).isEqualTo("appendonly\nno");
            assertThat(redis.cli("CONFIG", "GET", "repl-diskless-sync-delay")).isEqualTo("repl-diskless-sync-delay\n0");
            assertThat(redis.cli("CONFIG", "GET", "bind")).isEqualTo("bind\n127.0.0.1");
            assertThat(redis.cli("CONFIG", "GET", "dir")).isEqualTo("dir\n" + redis.dir());
            assertThat(redis.cli("SET", "k", "v")).isEqualTo("OK");
            assertThat(redis.cli("GET", "k")).isEqualTo("v");
            assertThat(redis.dbSize()).isEqualTo(1);
            assertThat(redis.cli("DEBUG", "DIGEST")).matches("[0-9a-f]{40}");
            assertThat(ProcessHandle.of(pid)).isPresent();
        } finally {
            redis.stop();
        }
        assertThat(redis.isAlive()).isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(RedisTools.cli(redis.port(), "PING").out()).doesNotContain("PONG");
        redis.stop(); // idempotent
    }

    @Test
    void loadsAnRdbFileAtStart(@TempDir Path tmp) throws Exception {
        Path rdb = tmp.resolve("corpus.rdb");
        String digest;
        try (RedisServer source = RedisServer.start()) {
            source.cli("SET", "s", "hello");
            source.cli("RPUSH", "l", "a", "b", "c");
            source.cli("HSET", "h", "f1", "v1", "f2", "v2");
            source.cli("SADD", "set", "x", "y");
            source.cli("ZADD", "z", "1.5", "m1", "2.5", "m2");
            source.cli("SET", "ttl", "t", "PX", "600000");
            assertThat(source.cli("SAVE")).isEqualTo("OK");
            digest = source.cli("DEBUG", "DIGEST");
            Files.copy(source.rdbPath(), rdb);
        }
        assertThat(Files.size(rdb)).isGreaterThan(9);
        assertThat(new String(Files.readAllBytes(rdb), 0, 5, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("REDIS");

        try (RedisServer loaded = RedisServer.builder().rdb(rdb).start()) {
            assertThat(loaded.infoField("persistence", "loading")).isEqualTo("0");
            assertThat(loaded.dbSize()).isEqualTo(6);
            assertThat(loaded.cli("GET", "s")).isEqualTo("hello");
            assertThat(loaded.cli("LRANGE", "l", "0", "-1")).isEqualTo("a\nb\nc");
            assertThat(loaded.cli("ZSCORE", "z", "m1")).isEqualTo("1.5");
            assertThat(Long.parseLong(loaded.cli("PTTL", "ttl"))).isBetween(1L, 600000L);
            assertThat(loaded.cli("DEBUG", "DIGEST")).isEqualTo(digest);
        }
    }

    @Test
    void passwordServerRefusesWrongPassword() {
        try (RedisServer redis = RedisServer.builder().password("s3cret-pw").start()) {
            assertThat(redis.cli("PING")).isEqualTo("PONG"); // harness authenticates itself
            assertThat(redis.uriWithCredentials()).isEqualTo("redis://:s3cret-pw@127.0.0.1:" + redis.port());

            RedisTools.CliResult wrong = redis.cliAs(null, "not-the-password", "PING");
            assertThat(wrong.ok()).isFalse();
            assertThat(wrong.stdout() + wrong.stderr()).contains("WRONGPASS").doesNotContain("PONG");

            RedisTools.CliResult none = redis.cliAs(null, null, "PING");
            assertThat(none.out()).startsWith("NOAUTH");

            assertThat(redis.cliAs(null, "s3cret-pw", "PING").out()).isEqualTo("PONG");
        }
    }

    @Test
    void aclUserFromCommandLine() {
        try (RedisServer redis = RedisServer.builder()
                .user("admin", "on", ">adminpw", "~*", "&*", "+@all")
                .user("reader", "on", ">readpw", "~*", "+@read", "+ping")
                .user("default", "off")
                .adminUser("admin", "adminpw")
                .start()) {
            assertThat(redis.cli("ACL", "WHOAMI")).isEqualTo("admin");
            redis.cli("SET", "k", "v");
            assertThat(redis.cliAs("reader", "readpw", "GET", "k").out()).isEqualTo("v");
            assertThat(redis.cliAs("reader", "readpw", "SET", "k", "w").out()).startsWith("NOPERM");
            assertThat(redis.cliAs(null, null, "PING").out()).startsWith("NOAUTH");
            assertThat(redis.uriWithCredentials()).isEqualTo("redis://admin:adminpw@127.0.0.1:" + redis.port());
        }
    }

    @Test
    void tlsServerAnswersWithTheGeneratedCa() throws Exception {
        try (RedisServer redis = RedisServer.builder().tls().start()) {
            assertThat(redis.isTls()).isTrue();
            assertThat(redis.uri()).isEqualTo("rediss://127.0.0.1:" + redis.port());
            assertThat(redis.cli("CONFIG", "GET", "port")).isEqualTo("port\n0");
            assertThat(redis.cli("CONFIG", "GET", "tls-port")).isEqualTo("tls-port\n" + redis.port());

            List<String> cmd = List.of(RedisTools.cliBinary().toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(redis.port()), "--tls", "--cacert", redis.caCertPath().toString(), "PING");
            assertThat(RedisTools.run(cmd, Map.of(), null, java.time.Duration.ofSeconds(10)).out()).isEqualTo("PONG");

            // without TLS the port does not speak plain RESP
            assertThat(RedisTools.cli(redis.port(), "PING").out()).isNotEqualTo("PONG");

            // a Java client can use the exposed SSLContext
            try (var socket = redis.sslContext().getSocketFactory().createSocket(redis.host(), redis.port())) {
                socket.setSoTimeout(5000);
                socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                byte[] buf = new byte[7];
                int n = socket.getInputStream().readNBytes(buf, 0, 7);
                assertThat(new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
            }
        }
    }

    @Test
    void tlsWithClientAuthRejectsClientsWithoutCert() {
        try (RedisServer redis = RedisServer.builder().tls(true).start()) {
            assertThat(redis.cli("PING")).isEqualTo("PONG"); // harness presents the generated client cert
            List<String> noCert = List.of(RedisTools.cliBinary().toString(), "-h", "127.0.0.1", "-p",
                    String.valueOf(redis.port()), "--tls", "--cacert", redis.caCertPath().toString(), "PING");
            assertThat(RedisTools.run(noCert, Map.of(), null, java.time.Duration.ofSeconds(10)).out())
                    .isNotEqualTo("PONG");
        }
    }

    @Test
    void startFailureReportsTheLog() {
        RedisServer.Builder bad = RedisServer.builder().args("--no-such-option", "1");
        org.assertj.core.api.Assertions.assertThatThrownBy(bad::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with code")
                .hasMessageContaining("no-such-option");
    }

    @Test
    void missingRedisSkipsLocallyAndFailsOnCi() {
        RedisTools.requireRedis(true, Map.of("CI", "true")); // available: no-op
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisTools.requireRedis(false, Map.of()))
                .isInstanceOf(org.opentest4j.TestAbortedException.class).hasMessageContaining("redis-server");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisTools.requireRedis(false, Map.of("CI", "false")))
                .isInstanceOf(org.opentest4j.TestAbortedException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisTools.requireRedis(false, Map.of("CI", "true")))
                .isInstanceOf(org.opentest4j.AssertionFailedError.class).hasMessageContaining("CI=true");
    }
}
