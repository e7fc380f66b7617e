package dev.ferry.cutover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Real Sentinels (master + replica + 3 Sentinels) re-pointed at a separate standalone server, as a cutover does:
 * every Sentinel must announce {@code +switch-master} (what client libraries follow), name the new master, keep
 * naming it, and keep its settings. Each test has its own setup, since every test moves the master.
 */
class SentinelSwitchIT {
    private static final String TARGET_PASSWORD = "target-secret-7f3a";
    private static final long TIMEOUT_MS = 5_000;

    @Test
    void everySentinelAnnouncesSwitchMasterAndKeepsNamingTheNewMaster() throws IOException {
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(3).start();
             RedisServer target = RedisServer.builder().name("new-master").start()) {
            HostPort oldMaster = addr(setup.master());
            HostPort newMaster = addr(target);
            SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri()));
            assertThat(sw.currentMaster()).isEqualTo(oldMaster);
            assertThat(sw.sentinels()).containsExactlyInAnyOrderElementsOf(setup.sentinels().stream().map(SentinelSwitchIT::addr).toList());
            List<Map<String, String>> before = setup.sentinels().stream().map(s -> sentinelMaster(setup, s)).toList();

            List<RespConnection> subs = subscribeSwitchMaster(setup);
            try {
                long t0 = System.nanoTime();
                String how = sw.switchTo(newMaster, ConnectOptions.plain(), TIMEOUT_MS);
                System.out.println("switchTo took " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + how);
                assertThat(how).contains("3 Sentinel(s)", oldMaster.toString(), newMaster.toString());
                for (RespConnection sub : subs) {
                    assertThat(nextMessage(sub)).as("+switch-master published by Sentinel " + sub.address())
                            .isEqualTo(setup.masterName() + " " + oldMaster.host() + " " + oldMaster.port() + " "
                                    + newMaster.host() + " " + newMaster.port());
                }
            } finally {
                subs.forEach(RespConnection::close);
            }
            assertThat(sw.currentMaster()).isEqualTo(newMaster);
            for (RedisServer s : setup.sentinels()) assertThat(masterOf(setup, s)).as("Sentinel " + s.port()).isEqualTo(newMaster);

            // Sentinel must not flip back (a peer with an older config would be overruled by the higher epoch)
            sleep(3_000);
            for (int i = 0; i < 3; i++) {
                RedisServer s = setup.sentinels().get(i);
                assertThat(masterOf(setup, s)).as("Sentinel " + s.port() + " 3 s later").isEqualTo(newMaster);
                Map<String, String> after = sentinelMaster(setup, s);
                for (String k : List.of("quorum", "down-after-milliseconds", "failover-timeout", "parallel-syncs")) {
                    assertThat(after.get(k)).as(k + " on Sentinel " + s.port()).isEqualTo(before.get(i).get(k));
                }
                assertThat(after.get("quorum")).isEqualTo("2");
                assertThat(after.get("down-after-milliseconds")).isEqualTo("1000");
                assertThat(Long.parseLong(after.get("config-epoch"))).isEqualTo(1);
            }
        }
    }

    @Test
    void undoPointsEverySentinelBackWithSwitchMaster() throws IOException {
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(3).start();
             RedisServer target = RedisServer.builder().name("new-master").start()) {
            HostPort oldMaster = addr(setup.master());
            HostPort newMaster = addr(target);
            SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri()));
            sw.switchTo(newMaster, ConnectOptions.plain(), TIMEOUT_MS);

            List<RespConnection> subs = subscribeSwitchMaster(setup);
            try {
                sw.undo(TIMEOUT_MS);
                for (RespConnection sub : subs) {
                    assertThat(nextMessage(sub)).as("+switch-master back, published by Sentinel " + sub.address())
                            .isEqualTo(setup.masterName() + " " + newMaster.host() + " " + newMaster.port() + " "
                                    + oldMaster.host() + " " + oldMaster.port());
                }
            } finally {
                subs.forEach(RespConnection::close);
            }
            assertThat(sw.currentMaster()).isEqualTo(oldMaster);
            sleep(3_000);
            for (RedisServer s : setup.sentinels()) {
                assertThat(masterOf(setup, s)).as("Sentinel " + s.port() + " 3 s after undo").isEqualTo(oldMaster);
                assertThat(sentinelMaster(setup, s).get("config-epoch")).isEqualTo("2");
            }
        }
    }

    @Test
    void aPasswordProtectedNewMasterGetsAuthPassSoSentinelCanTalkToIt() throws IOException {
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(3).start();
             RedisServer target = RedisServer.builder().name("new-master").password(TARGET_PASSWORD).start()) {
            HostPort oldMaster = addr(setup.master());
            HostPort newMaster = addr(target);
            String targetRunId = target.infoField("server", "run_id");
            SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri()));
            long t0 = System.nanoTime();
            String how = sw.switchTo(newMaster, withPassword(TARGET_PASSWORD), TIMEOUT_MS);
            System.out.println("switchTo with auth-pass took " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + how);
            assertThat(how).doesNotContain(TARGET_PASSWORD);
            // Sentinel forgets the master's run id when it moves and learns it again from INFO (every 10 s for a
            // master), which only an authenticated link answers; PING answered NOAUTH would mark it s_down
            for (RedisServer s : setup.sentinels()) {
                awaitTrue("Sentinel " + s.port() + " reads INFO of the new master (its run id) and sees it up", 20_000, () -> {
                    Map<String, String> m = sentinelMaster(setup, s);
                    return targetRunId.equals(m.get("runid")) && "master".equals(m.get("flags"));
                });
                Map<String, String> m = sentinelMaster(setup, s);
                assertThat(m.get("role-reported")).isEqualTo("master");
                assertThat(m.get("flags")).isEqualTo("master");
                assertThat(m.get("runid")).isEqualTo(targetRunId);
            }
            // back to the source, whose URI names no password: auth-pass is cleared, and undo() itself waits for
            // every Sentinel's PONG from the old master
            sw.undo(TIMEOUT_MS);
            for (RedisServer s : setup.sentinels()) {
                assertThat(masterOf(setup, s)).isEqualTo(oldMaster);
                assertThat(sentinelMaster(setup, s).get("flags")).isEqualTo("master");
            }
        }
    }

    @Test
    void aWrongPasswordIsRefusedBeforeAnythingChangesAndIsNotShown() throws IOException {
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(3).start();
             RedisServer target = RedisServer.builder().name("new-master").password(TARGET_PASSWORD).start()) {
            HostPort oldMaster = addr(setup.master());
            SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri()));
            String wrong = "wrong-secret-91b2";
            assertThatThrownBy(() -> sw.switchTo(addr(target), withPassword(wrong), TIMEOUT_MS))
                    .isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("cannot switch the Sentinels to " + addr(target))
                    .hasMessageNotContaining(wrong)
                    .hasMessageNotContaining(TARGET_PASSWORD);
            assertThat(sw.currentMaster()).isEqualTo(oldMaster);
            for (RedisServer s : setup.sentinels()) {
                assertThat(masterOf(setup, s)).isEqualTo(oldMaster);
                assertThat(sentinelMaster(setup, s).get("config-epoch")).isEqualTo("0");
            }
        }
    }

    /**
     * A switch that fails after auth-pass was set (every Sentinel refuses the hello: its default user may not
     * PUBLISH) is undone, and its message carries the reason but not the password.
     */
    @Test
    void aFailedSwitchIsUndoneAndItsMessageCarriesNoPassword() throws IOException {
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(3).start();
             RedisServer target = RedisServer.builder().name("new-master").password(TARGET_PASSWORD).start()) {
            HostPort oldMaster = addr(setup.master());
            SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri()));
            for (RedisServer s : setup.sentinels()) assertThat(s.cli("ACL", "SETUSER", "default", "-publish")).isEqualTo("OK");
            assertThatThrownBy(() -> sw.switchTo(addr(target), withPassword(TARGET_PASSWORD), 1_000))
                    .isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("undone")
                    .hasMessageContaining("refused the hello")
                    .hasMessageNotContaining(TARGET_PASSWORD);
            assertThat(sw.currentMaster()).isEqualTo(oldMaster);
            for (RedisServer s : setup.sentinels()) {
                assertThat(masterOf(setup, s)).isEqualTo(oldMaster);
                // SENTINEL SET auth-pass drops Sentinel's links; it reconnects with auth-pass cleared again (the
                // source needs none) and finds the old master up
                awaitTrue("Sentinel " + s.port() + " reconnected to the old master", 10_000,
                        () -> "master".equals(sentinelMaster(setup, s).get("flags")));
                // the switch raised it to 5 s while it ran, and the undo set it back
                assertThat(sentinelMaster(setup, s).get("down-after-milliseconds")).isEqualTo("1000");
            }
        }
    }

    @Test
    void aHostNameIsRefusedUnlessSentinelResolvesHostNames() throws IOException {
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(3).start();
             RedisServer target = RedisServer.builder().name("new-master").start()) {
            SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri()));
            assertThatThrownBy(() -> sw.switchTo(new HostPort("localhost", target.port()), ConnectOptions.plain(), TIMEOUT_MS))
                    .isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("resolve-hostnames");
            for (RedisServer s : setup.sentinels()) assertThat(sentinelMaster(setup, s).get("config-epoch")).isEqualTo("0");
        }
    }

    /**
     * Not a property of SentinelSwitch but of Sentinel, which the cutover's demotion of the old master must
     * reckon with: some seconds after the switch every Sentinel finds the old master (now in its replica list)
     * reporting role:master and makes it a replica of the new master; the old replica keeps following the old
     * master until failover-timeout (10 s in this setup) has passed. Printed for the record, asserted loosely.
     */
    @Test
    void sentinelThenMakesTheOldMasterAReplicaOfTheNewOne() throws IOException {
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(3).start();
             RedisServer target = RedisServer.builder().name("new-master").start()) {
            RedisServer old = setup.master();
            RedisServer replica = setup.replicas().get(0);
            assertThat(old.cli("SET", "only-on-old", "1")).isEqualTo("OK");
            assertThat(target.cli("SET", "only-on-new", "1")).isEqualTo("OK");
            SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri()));
            long t0 = System.nanoTime();
            sw.switchTo(addr(target), ConnectOptions.plain(), TIMEOUT_MS);
            Map<String, Long> firstSeen = new LinkedHashMap<>();
            long deadline = t0 + 25_000_000_000L;
            while (System.nanoTime() < deadline) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                firstSeen.putIfAbsent("old master " + replication(old), ms);
                firstSeen.putIfAbsent("old replica " + replication(replica), ms);
                sleep(200);
            }
            System.out.println("after the switch (ms since switchTo started): " + firstSeen);
            String expected = "role:slave master:" + target.host() + ":" + target.port() + " link:up";
            assertThat(replication(old)).isEqualTo(expected);
            assertThat(old.cli("EXISTS", "only-on-old")).as("the old master full-synced from the new one").isEqualTo("0");
            assertThat(old.cli("EXISTS", "only-on-new")).isEqualTo("1");
        }
    }

    /**
     * Sentinels that require a password are reached with the URI's {@code sentinel-password} option, as
     * Topology.resolveSentinelMaster reaches them; the password shows in no message.
     */
    @Test
    void sentinelsWithAPasswordAreReachedWithTheUrisSentinelPassword() throws IOException {
        String sentinelPassword = "sentinel-secret-55c1";
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(3).start();
             RedisServer target = RedisServer.builder().name("new-master").start()) {
            HostPort oldMaster = addr(setup.master());
            HostPort newMaster = addr(target);
            ConnectOptions withSentinelPassword = withPassword(sentinelPassword);
            // sentinel-pass first, so the Sentinels still reach each other once they require the password
            for (RedisServer s : setup.sentinels()) {
                assertThat(s.cli("SENTINEL", "CONFIG", "SET", "sentinel-pass", sentinelPassword)).isEqualTo("OK");
            }
            for (RedisServer s : setup.sentinels()) {
                assertThat(s.cli("ACL", "SETUSER", "default", "resetpass", ">" + sentinelPassword)).isEqualTo("OK");
            }
            try {
                assertThatThrownBy(() -> SentinelSwitch.of(RedisUri.parse(setup.uri())))
                        .isInstanceOf(RedisConnectionException.class).hasMessageContaining("not usable");
                SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri() + "?sentinel-password=" + sentinelPassword));
                String how = sw.switchTo(newMaster, ConnectOptions.plain(), TIMEOUT_MS);
                assertThat(how).contains("+switch-master on each").doesNotContain(sentinelPassword);
                for (RedisServer s : setup.sentinels()) {
                    try (RespConnection c = RespConnection.open(addr(s), withSentinelPassword)) {
                        List<Reply> a = c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", setup.masterName()).asList();
                        assertThat(new HostPort(a.get(0).asText(), (int) a.get(1).asLong())).isEqualTo(newMaster);
                    }
                }
                sw.undo(TIMEOUT_MS);
                assertThat(sw.currentMaster()).isEqualTo(oldMaster);
            } finally {
                // so that the setup can stop them with a plain SHUTDOWN
                for (RedisServer s : setup.sentinels()) {
                    try (RespConnection c = RespConnection.open(addr(s), withSentinelPassword)) {
                        c.call("ACL", "SETUSER", "default", "nopass");
                    }
                }
            }
        }
    }

    /**
     * A lone Sentinel knows no other to take a hello from: it is re-created (REMOVE + MONITOR) with its settings
     * set again, and says so; no +switch-master there.
     */
    @Test
    void aLoneSentinelIsRecreatedWithItsSettings() throws IOException {
        try (RedisSentinelSetup setup = RedisSentinelSetup.builder().sentinels(1).start();
             RedisServer target = RedisServer.builder().name("new-master").password(TARGET_PASSWORD).start()) {
            HostPort oldMaster = addr(setup.master());
            HostPort newMaster = addr(target);
            RedisServer s = setup.sentinels().get(0);
            Map<String, String> before = sentinelMaster(setup, s);
            SentinelSwitch sw = SentinelSwitch.of(RedisUri.parse(setup.uri()));
            String how = sw.switchTo(newMaster, withPassword(TARGET_PASSWORD), TIMEOUT_MS);
            assertThat(how).contains("SENTINEL REMOVE + MONITOR", "without +switch-master").doesNotContain(TARGET_PASSWORD);
            assertThat(masterOf(setup, s)).isEqualTo(newMaster);
            Map<String, String> after = sentinelMaster(setup, s);
            for (String k : List.of("quorum", "down-after-milliseconds", "failover-timeout", "parallel-syncs")) {
                assertThat(after.get(k)).as(k).isEqualTo(before.get(k));
            }
            assertThat(after.get("down-after-milliseconds")).isEqualTo("1000");
            assertThat(after.get("failover-timeout")).isEqualTo("10000");
            String targetRunId = target.infoField("server", "run_id");
            // a re-created master is INFO'd at once; the run id shows auth-pass was set with it
            awaitTrue("the Sentinel reads INFO of the new master", 20_000,
                    () -> targetRunId.equals(sentinelMaster(setup, s).get("runid")));
            sw.undo(TIMEOUT_MS);
            assertThat(masterOf(setup, s)).isEqualTo(oldMaster);
            assertThat(sentinelMaster(setup, s).get("down-after-milliseconds")).isEqualTo("1000");
        }
    }

    // ================================================================== helpers

    private static ConnectOptions withPassword(String password) {
        return new ConnectOptions(null, password, false, false, null, 5_000, 5_000);
    }

    private static String replication(RedisServer s) {
        String info = s.info("replication");
        String role = field(info, "role");
        return "slave".equals(role) ? "role:slave master:" + field(info, "master_host") + ":" + field(info, "master_port")
                + " link:" + field(info, "master_link_status") : "role:" + role;
    }

    private static String field(String info, String name) {
        for (String line : info.split("\r?\n")) if (line.startsWith(name + ":")) return line.substring(name.length() + 1).trim();
        return null;
    }

    private static HostPort addr(RedisServer s) {
        return new HostPort(s.host(), s.port());
    }

    private static RespConnection connect(RedisServer sentinel) {
        return RespConnection.open(addr(sentinel), ConnectOptions.plain());
    }

    private static HostPort masterOf(RedisSentinelSetup setup, RedisServer sentinel) {
        try (RespConnection c = connect(sentinel)) {
            List<Reply> a = c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", setup.masterName()).asList();
            return new HostPort(a.get(0).asText(), (int) a.get(1).asLong());
        }
    }

    private static Map<String, String> sentinelMaster(RedisSentinelSetup setup, RedisServer sentinel) {
        try (RespConnection c = connect(sentinel)) {
            List<Reply> kv = c.call("SENTINEL", "MASTER", setup.masterName()).asList();
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i + 1 < kv.size(); i += 2) m.put(kv.get(i).asText(), kv.get(i + 1).asText());
            return m;
        }
    }

    /** One connection per Sentinel in subscribe mode on +switch-master (the channel Sentinel publishes it on). */
    private static List<RespConnection> subscribeSwitchMaster(RedisSentinelSetup setup) {
        List<RespConnection> subs = new ArrayList<>();
        for (RedisServer s : setup.sentinels()) {
            RespConnection c = connect(s);
            subs.add(c);
            List<Reply> confirm = c.call("SUBSCRIBE", "+switch-master").asList();
            assertThat(confirm.get(0).asText()).isEqualTo("subscribe");
        }
        return subs;
    }

    /** The payload of the next message on a subscribed connection; the read times out after 10 s. */
    private static String nextMessage(RespConnection sub) throws IOException {
        sub.setReadTimeout(10_000);
        List<Reply> m = sub.reader().read().asList();
        assertThat(m.get(0).asText()).isEqualTo("message");
        assertThat(m.get(1).asText()).isEqualTo("+switch-master");
        return m.get(2).asText();
    }

    private static void awaitTrue(String what, long timeoutMs, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + timeoutMs + " ms: " + what);
            sleep(100);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
