package dev.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cli.Cli;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisCluster;
import dev.ferry.testkit.RedisClusterExtension;
import dev.ferry.testkit.RedisSentinelExtension;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry verify} across topologies: a standalone server against a 3-master cluster in both directions,
 * equal after a {@code replicate --mode snapshot}, and one key deleted on the cluster master that owns it
 * found from either side; and a Sentinel-named master on either side. The keys of one side are spread over three masters on the other, so this is where a
 * verify that reads only one node, or looks a key up on the wrong one, shows.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VerifyClusterIT {
    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension().flushBeforeEach();
    @RegisterExtension
    static final RedisServerExtension standalone = new RedisServerExtension(b -> b.name("verify-standalone")).flushBeforeEach();
    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension().flushBeforeEach();

    @TempDir
    Path tmp;

    /** Every type of VerifyData in db 0 only: a cluster has no other db, so db 1 would be "missing" by design. */
    @BeforeEach
    void standaloneData() {
        try (RespConnection c = Datasets.connect(standalone.get())) {
            VerifyData.everyType(c);
            c.callOk("SELECT", "1");
            c.callOk("FLUSHDB");
        }
    }

    static void snapshot(String from, String to) {
        Cli.Result r = Cli.run("replicate", "--source", from, "--target", to, "--mode", "snapshot", "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    static Cli.Result verify(String from, String to, String... more) {
        String[] base = {"verify", "--source", from, "--target", to, "--rounds", "2", "--round-delay", "50", "-q"};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return Cli.run(all);
    }

    @Test
    void standaloneIntoClusterIsEqual() {
        RedisCluster c = cluster.get();
        snapshot(standalone.get().uri(), c.seedUri());
        long keys = standalone.get().dbSize();
        assertThat(c.dbSize()).isEqualTo(keys);
        assertThat(c.masters()).allMatch(m -> m.dbSize() > 0); // the data really is spread

        Cli.Result r = verify(standalone.get().uri(), c.seedUri());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        VerifySummary s = VerifySummary.parse(r);
        assertThat(s.counters()).as(r.toString()).containsOnly(0L);
        assertThat(s.sourceKeys()).as(r.toString()).isEqualTo(keys);
        assertThat(s.targetKeys()).as(r.toString()).isEqualTo(keys);
    }

    @Test
    void clusterIntoStandaloneIsEqual() {
        RedisCluster c = cluster.get();
        // the cluster gets its data from ferry, then is the source of a second copy into an emptied standalone
        snapshot(standalone.get().uri(), c.seedUri());
        standalone.get().flushAll();
        snapshot(c.seedUri(), standalone.get().uri());
        long keys = c.dbSize();

        Cli.Result r = verify(c.seedUri(), standalone.get().uri());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        VerifySummary s = VerifySummary.parse(r);
        assertThat(s.counters()).as(r.toString()).containsOnly(0L);
        assertThat(s.sourceKeys()).as(r.toString()).isEqualTo(keys);
        assertThat(s.targetKeys()).as(r.toString()).isEqualTo(keys);
    }

    @Test
    void aKeyMissingOnOneClusterMasterIsFoundFromEitherSide() {
        RedisCluster c = cluster.get();
        snapshot(standalone.get().uri(), c.seedUri());
        String key = VerifyData.BIG_HASH;
        int deleted = 0;
        for (RedisServer m : c.masters()) {
            // only the owner deletes; the others answer MOVED and keep nothing
            if ("1".equals(m.cli("DEL", key))) deleted++;
        }
        assertThat(deleted).as("one master owned " + key).isEqualTo(1);
        long keys = standalone.get().dbSize();

        Path toCluster = tmp.resolve("to-cluster.jsonl");
        Cli.Result r = verify(standalone.get().uri(), c.seedUri(), "--report", toCluster.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        VerifySummary s = VerifySummary.parse(r);
        assertThat(s.counters()).as(r.toString()).containsExactly(1L, 0L, 0L, 0L, 0L);
        assertThat(s.sourceKeys()).isEqualTo(keys);
        assertThat(s.targetKeys()).isEqualTo(keys - 1);
        assertOneMissing(VerifySummary.report(toCluster), key, "missing_on_target", "source", "target");

        Path fromCluster = tmp.resolve("from-cluster.jsonl");
        Cli.Result back = verify(c.seedUri(), standalone.get().uri(), "--report", fromCluster.toString());
        assertThat(back.exitCode()).as(back.toString()).isEqualTo(3);
        VerifySummary b = VerifySummary.parse(back);
        assertThat(b.counters()).as(back.toString()).containsExactly(0L, 1L, 0L, 0L, 0L);
        assertThat(b.sourceKeys()).isEqualTo(keys - 1);
        assertThat(b.targetKeys()).isEqualTo(keys);
        assertOneMissing(VerifySummary.report(fromCluster), key, "missing_on_source", "target", "source");
    }

    @Test
    void aSentinelMasterOnEitherSide() {
        RedisSentinelSetup st = sentinel.get();
        snapshot(standalone.get().uri(), st.uri());
        long keys = standalone.get().dbSize();

        Cli.Result to = verify(standalone.get().uri(), st.uri());
        assertThat(to.exitCode()).as(to.toString()).isZero();
        assertThat(VerifySummary.parse(to).targetKeys()).isEqualTo(keys);
        Cli.Result from = verify(st.uri(), standalone.get().uri());
        assertThat(from.exitCode()).as(from.toString()).isZero();
        assertThat(VerifySummary.parse(from).sourceKeys()).isEqualTo(keys);

        assertThat(st.master().cli("DEL", "greeting")).isEqualTo("1");
        Path report = tmp.resolve("sentinel.jsonl");
        Cli.Result missing = verify(standalone.get().uri(), st.uri(), "--report", report.toString());
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(3);
        assertThat(VerifySummary.parse(missing).counters()).containsExactly(1L, 0L, 0L, 0L, 0L);
        List<JsonNode> lines = VerifySummary.report(report);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0).path("key").asText()).isEqualTo("greeting");
        assertThat(lines.get(0).path("kind").asText()).isEqualTo("missing_on_target");
    }

    private static void assertOneMissing(List<JsonNode> lines, String key, String kind, String present, String absent) {
        assertThat(lines).hasSize(1);
        JsonNode l = lines.get(0);
        assertThat(l.path("key").asText()).as(l.toString()).isEqualTo(key);
        assertThat(l.path("db").asInt(-1)).as(l.toString()).isZero();
        assertThat(l.path("kind").asText()).as(l.toString()).isEqualTo(kind);
        assertThat(l.path(present).path("type").asText()).as(l.toString()).isEqualTo("hash");
        assertThat(l.path(present).path("length").asLong()).as(l.toString()).isEqualTo(VerifyData.BIG);
        assertThat(l.path(present).path("ttl_ms").asLong()).as(l.toString()).isEqualTo(-1L);
        assertThat(l.get(absent)).as(l.toString()).isNotNull();
        assertThat(l.get(absent).isNull()).as(l.toString()).isTrue();
    }
}
