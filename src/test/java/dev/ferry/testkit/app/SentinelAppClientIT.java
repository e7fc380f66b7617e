package dev.ferry.testkit.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.testkit.RedisSentinelSetup;
import dev.ferry.testkit.RedisServer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import dev.ferry.testkit.RedisSentinelExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Both kinds of application client follow a plain Sentinel failover by themselves, and the write check tells the
 * truth about what it did to their writes. A plain {@code SENTINEL FAILOVER} loses the writes the old master
 * acknowledged after the replica was promoted (the old master goes on accepting them until it is made a replica,
 * then resyncs from the new master): the check must name exactly those, and find nothing else wrong.
 */
class SentinelAppClientIT {

    /** One master + replica + 3 Sentinels for the class; each test uses its own key prefixes. */
    @RegisterExtension
    static final RedisSentinelExtension SENTINEL = new RedisSentinelExtension(b -> b.sentinels(3));

    private static HostPort address(RedisServer s) {
        return new HostPort(s.host(), s.port());
    }

    @Test
    void bothKindsFollowAFailoverAndTheCheckNamesExactlyTheLostWrites(RedisSentinelSetup s) throws Exception {
        List<HostPort> sentinels = s.sentinels().stream().map(SentinelAppClientIT::address).toList();
        HostPort oldMaster = address(s.master());
        ReaskingAppClient reasking = new ReaskingAppClient(sentinels, s.masterName(), "app:reask");
        SwitchEventAppClient onEvent = new SwitchEventAppClient(sentinels, s.masterName(), "app:event");
        RedisServer newMaster;
        try {
            reasking.start();
            onEvent.start();
            reasking.awaitAcksOn(oldMaster, 1, Duration.ofSeconds(5));
            onEvent.awaitAcksOn(oldMaster, 1, Duration.ofSeconds(5));
            Thread.sleep(2_000); // writing on the old master for a while before the failover

            newMaster = s.failover();
            // nothing tells the clients but what each kind listens to: an error, or the +switch-master event
            reasking.awaitAcksOn(address(newMaster), 50, Duration.ofSeconds(15));
            onEvent.awaitAcksOn(address(newMaster), 50, Duration.ofSeconds(15));
        } finally {
            reasking.stop();
            onEvent.stop();
        }
        HostPort target = address(newMaster);
        assertThat(target).isNotEqualTo(oldMaster);
        System.out.println(reasking.summary() + "; longest pause " + reasking.longestPause());
        System.out.println(onEvent.summary() + "; longest pause " + onEvent.longestPause()
                + "; events " + onEvent.switchEvents());

        for (SentinelAppClient c : List.of(reasking, onEvent)) {
            List<SentinelAppClient.Ack> acks = c.acks();
            // wrote on the old master, then moved once to the new one and stayed there
            assertThat(acks.get(0).address()).as(c.name()).isEqualTo(oldMaster);
            assertThat(c.lastAck().orElseThrow().address()).as(c.name()).isEqualTo(target);
            int firstOnTarget = 0;
            while (!acks.get(firstOnTarget).address().equals(target)) {
                firstOnTarget++;
            }
            assertThat(acks.subList(0, firstOnTarget)).as(c.name()).allMatch(a -> a.address().equals(oldMaster));
            assertThat(acks.subList(firstOnTarget, acks.size())).as(c.name()).allMatch(a -> a.address().equals(target));
            assertThat(c.longestPause().after()).as(c.name()).isNotNull();
        }
        // kind 1 found the new master by asking a Sentinel again after an error
        assertThat(reasking.sentinelQueries()).isGreaterThanOrEqualTo(2);
        // kind 2 asked once at the start and moved on the event: every Sentinel publishes it, one move
        assertThat(onEvent.sentinelQueries()).isEqualTo(1);
        assertThat(onEvent.switchEvents()).isGreaterThanOrEqualTo(1);
        assertThat(onEvent.switchesFollowed()).isEqualTo(1);
        assertThat(onEvent.currentAddress()).isEqualTo(target);

        for (SentinelAppClient c : List.of(reasking, onEvent)) {
            checkNamesExactlyTheLostWrites(newMaster, oldMaster, c);
        }
    }

    /**
     * A write held by {@code CLIENT PAUSE WRITE} (as cutover holds the source's writes) is acknowledged late, not
     * failed, and the pause shows as the longest gap between two acknowledgements.
     */
    @Test
    void aWriteHeldByClientPauseIsAcknowledgedLateAndMeasuredAsThePause(RedisSentinelSetup s) {
        RedisServer master = s.master();
        List<HostPort> sentinels = s.sentinels().stream().map(SentinelAppClientIT::address).toList();
        ReaskingAppClient reasking = new ReaskingAppClient(sentinels, s.masterName(), "pause:reask");
        SwitchEventAppClient onEvent = new SwitchEventAppClient(sentinels, s.masterName(), "pause:event");
        try {
            reasking.start();
            onEvent.start();
            reasking.awaitAcksOn(address(master), 20, Duration.ofSeconds(5));
            onEvent.awaitAcksOn(address(master), 20, Duration.ofSeconds(5));
            // 1.2 s is shorter than the clients' 2 s read timeout: their writes wait, they do not fail
            assertThat(master.cli("CLIENT", "PAUSE", "1200", "WRITE")).isEqualTo("OK");
            reasking.awaitAcksOn(address(master), 20, Duration.ofSeconds(5));
            onEvent.awaitAcksOn(address(master), 20, Duration.ofSeconds(5));
        } finally {
            reasking.stop();
            onEvent.stop();
        }
        for (SentinelAppClient c : List.of(reasking, onEvent)) {
            System.out.println(c.summary() + "; longest pause " + c.longestPause());
            assertThat(c.failures()).as(c.name()).isEmpty();
            assertThat(c.acks()).as(c.name()).allMatch(a -> a.address().equals(address(master)));
            assertThat(c.acked()).as(c.name()).hasSize((int) c.attempted());
            // the acknowledgement before the pause may arrive a little after it began: a wide margin, not a speed
            assertThat(c.longestPause().length()).as(c.name()).isGreaterThan(Duration.ofMillis(600));
            assertThat(AppWritesCheck.report(master, c)).isEmpty();
        }
        assertThat(reasking.sentinelQueries()).isEqualTo(1);
        assertThat(onEvent.switchEvents()).isZero();
    }

    /**
     * Works out the lost writes from the new master's list read here, and from what replication allows: the
     * promoted replica holds a prefix of the old master's stream, so the lost writes are the old master's last
     * acknowledged ones; nothing acknowledged by the new master is lost, nothing is doubled.
     */
    private static void checkNamesExactlyTheLostWrites(RedisServer newMaster, HostPort oldMaster, SentinelAppClient c) {
        Set<Long> present = new HashSet<>();
        newMaster.cli("LRANGE", c.prefix() + ":seq", "0", "-1").lines().filter(l -> !l.isBlank())
                .forEach(l -> present.add(Long.parseLong(l.strip())));
        List<SentinelAppClient.Ack> lost = c.acks().stream().filter(a -> !present.contains(a.n())).toList();
        List<Long> lostNs = lost.stream().map(SentinelAppClient.Ack::n).toList();
        assertThat(lost).as(c.name() + ": lost writes were acknowledged by the old master")
                .allMatch(a -> a.address().equals(oldMaster));
        long lastKeptOnOld = c.acks().stream().filter(a -> a.address().equals(oldMaster) && present.contains(a.n()))
                .mapToLong(SentinelAppClient.Ack::n).max().orElse(0);
        assertThat(lostNs).as(c.name() + ": lost writes come after every kept write of the old master")
                .allMatch(n -> n > lastKeptOnOld);
        System.out.println(c.name() + ": " + lostNs.size() + " acknowledged writes lost by the failover: "
                + AppWritesCheck.ranges(lostNs));

        AppWritesCheck.Result r = AppWritesCheck.check(newMaster, c);
        assertThat(r.missing()).as(c.name()).isEqualTo(lostNs);
        assertThat(r.duplicated()).as(c.name()).isEmpty();
        assertThat(r.unattempted()).as(c.name()).isEmpty();
        assertThat(r.refusedButPresent()).as(c.name()).isEmpty();
        assertThat(r.outOfOrder()).as(c.name()).isEmpty();
        assertThat(r.notNumbers()).as(c.name()).isEmpty();
        assertThat(r.counter()).as(c.name()).isEqualTo(r.list().size());
        assertThat(new HashSet<>(r.list())).as(c.name()).isEqualTo(present);
        if (lostNs.isEmpty()) {
            assertThat(r.report()).as(c.name()).isEmpty();
        } else {
            assertThat(r.report()).as(c.name()).isEqualTo(c.name() + " on " + newMaster.hostAndPort() + " (acked "
                    + c.acks().size() + ", failed " + c.failures().size() + ", sent 1-" + c.attempted() + ", list "
                    + present.size() + "):\n  " + lostNs.size() + " acknowledged writes missing: "
                    + AppWritesCheck.ranges(lostNs) + " (acknowledged by " + oldMaster + ")\n");
        }
    }
}
