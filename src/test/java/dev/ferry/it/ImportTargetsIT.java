package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.Cli;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisSentinelExtension;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each way of naming and reaching a target (password, ACL user, TLS with and without a trusted CA, a db in the
 * URI, Sentinel before and after a failover) gets exactly the data of the server that wrote the RDB, key by key.
 */
class ImportTargetsIT {
    @RegisterExtension
    static final RedisServerExtension passwordTarget = new RedisServerExtension(b -> b.name("pw-target").password("pw"))
            .flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension aclTarget = new RedisServerExtension(b -> b.name("acl-target")
            .user("alice", "on", ">apw", "~*", "&*", "+@all")).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension tlsTarget = new RedisServerExtension(b -> b.name("tls-target").tls()).flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension plainTarget = new RedisServerExtension(b -> b.name("plain-target")).flushBeforeEach();
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension().flushBeforeEach();

    @TempDir
    static Path tmp;
    static Rdbs.Made sample;

    @BeforeAll
    static void rdb() {
        sample = Rdbs.sample(tmp, 11);
        assertThat(sample.perKey()).hasSizeGreaterThan(15);
    }

    static void assertImported(Cli.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains(String.format("  keys written  %,d%n", sample.perKey().size()))
                .contains("  failed        0").contains("  functions     1 library loaded");
    }

    /** A TLS server's data as Datasets sees it: SAVE there, load the file into a plain server, read that. */
    static Map<String, String> perKeyOfTls(RedisServer tls) {
        assertThat(tls.cli("SAVE")).isEqualTo("OK");
        try (RedisServer copy = RedisServer.builder().name("tls-copy").rdb(tls.rdbPath()).start()) {
            return Datasets.perKey(copy);
        }
    }

    @Test
    void passwordTarget() {
        RedisServer t = passwordTarget.get();
        Cli.Result r = Rdbs.importQuiet(sample.file(), "redis://:pw@" + t.hostAndPort());
        assertImported(r);
        assertThat(r.out()).contains("into redis://***@" + t.hostAndPort()).doesNotContain(":pw@");
        assertThat(Datasets.perKey(t)).isEqualTo(sample.perKey());
    }

    @Test
    void aclUserTarget() {
        RedisServer t = aclTarget.get();
        Cli.Result r = Rdbs.importQuiet(sample.file(), "redis://alice:apw@" + t.hostAndPort());
        assertImported(r);
        assertThat(Datasets.perKey(t)).isEqualTo(sample.perKey());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rediss://127.0.0.1:%d?cacert=%s", "redis://127.0.0.1:%d?tls=true&cacert=%s",
            "rediss://127.0.0.1:%d?insecure=true"})
    void tlsTarget(String form) {
        RedisServer t = tlsTarget.get();
        String uri = form.contains("cacert") ? String.format(form, t.port(), t.caCertPath()) : String.format(form, t.port());
        Cli.Result r = Rdbs.importQuiet(sample.file(), uri);
        assertImported(r);
        assertThat(perKeyOfTls(t)).isEqualTo(sample.perKey());
    }

    @Test
    void tlsTargetWithoutTrustFailsInOneLineSayingTls() {
        RedisServer t = tlsTarget.get();
        Cli.Result r = Rdbs.importQuiet(sample.file(), "rediss://127.0.0.1:" + t.port());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).as(r.toString()).hasSize(1).first().asString()
                .startsWith("ferry: error: TLS handshake with 127.0.0.1:" + t.port() + " failed: ")
                .endsWith("(trust its CA with ?cacert=FILE, or ?insecure=true to skip checks)");
        assertThat(t.dbSize()).isZero();
    }

    /** The operator line must not carry JDK internals (ImportErrorsIT's rule: no "Exception" text). */
    @Test
    void tlsTargetWithoutTrustErrorLineHasNoJavaExceptionText() {
        RedisServer t = tlsTarget.get();
        Cli.Result r = Rdbs.importQuiet(sample.file(), "rediss://127.0.0.1:" + t.port());
        assertThat(ImportErrorsIT.oneErrorLine(r, 1)).startsWith("ferry: error: TLS handshake with 127.0.0.1:" + t.port() + " failed")
                .contains("?cacert=FILE");
    }

    @Test
    void plainConnectionToATlsPortFailsInOneLine() {
        RedisServer t = tlsTarget.get();
        Cli.Result r = Rdbs.importQuiet(sample.file(), "redis://127.0.0.1:" + t.port() + "?timeout=2000");
        assertThat(ImportErrorsIT.oneErrorLine(r, 1)).startsWith("ferry: error: ").contains("127.0.0.1:" + t.port());
    }

    /** DESIGN's URI forms redis://host:port/db and ?db=N: the target db for keys of source db 0. */
    @ParameterizedTest
    @ValueSource(strings = {"redis://127.0.0.1:%d/3", "redis://127.0.0.1:%d?db=3"})
    void dbInTheTargetUri(String form) {
        Rdbs.Made db0 = Rdbs.make(tmp, "db0-only-" + form.length() + ".rdb", s -> Rdbs.script(s, "SET a 1\nRPUSH l x y\nHSET h f v\n"));
        RedisServer t = plainTarget.get();
        Cli.Result r = Rdbs.importQuiet(db0.file(), String.format(form, t.port()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Datasets.perKey(t)).isEqualTo(Rdbs.Made.moveDb(db0.perKey(), 0, 3));
    }

    @Test
    void sentinelWithUnknownMasterNameFailsInOneLine() {
        RedisSentinelSetup s = sentinel.get();
        String uri = s.uri().replace("/" + s.masterName(), "/nosuch");
        Cli.Result r = Rdbs.importQuiet(sample.file(), uri);
        assertThat(ImportErrorsIT.oneErrorLine(r, 1)).startsWith("ferry: error: no Sentinel resolved master 'nosuch': ")
                .contains(s.sentinels().get(0).hostAndPort() + " knows no master named 'nosuch'");
        assertThat(s.master().dbSize()).isZero();
    }

    @Test
    void sentinelTargetFollowsTheMasterAcrossAFailover() {
        RedisSentinelSetup s = sentinel.get();
        RedisServer first = s.master();
        Cli.Result r1 = Rdbs.importQuiet(sample.file(), s.uri());
        assertImported(r1);
        assertThat(Datasets.perKey(first)).isEqualTo(sample.perKey());

        RedisServer second = s.failover();
        assertThat(second.port()).isNotEqualTo(first.port());
        var flushed = second.cliScript("FLUSHALL SYNC\nWAIT 1 5000\n");
        assertThat(flushed.out()).as(flushed.toString()).startsWith("OK");
        assertThat(second.dbSize()).isZero();

        Cli.Result r2 = Rdbs.importQuiet(sample.file(), s.uri());
        assertImported(r2);
        assertThat(Datasets.perKey(second)).isEqualTo(sample.perKey());
        assertThat(second.infoField("replication", "role")).isEqualTo("master");
    }
}
