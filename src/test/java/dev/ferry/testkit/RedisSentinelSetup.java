package dev.ferry.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One master + one replica (real child-process {@code redis-server}s) monitored by Sentinels (default 3, all
 * child processes of {@code redis-server --sentinel}) under a master name. {@link Builder#start()} returns when
 * the replica's link is up and every Sentinel answers {@code SENTINEL CKQUORUM} with all Sentinels usable and
 * knows the replica, i.e. when a failover could actually happen.
 */
public final class RedisSentinelSetup implements AutoCloseable {

    private final String masterName;
    private final List<RedisServer> servers;
    private final List<RedisServer> sentinels;
    private final Duration timeout;
    private final long startupMillis;
    private volatile long lastFailoverMillis = -1;

    private RedisSentinelSetup(String masterName, List<RedisServer> servers, List<RedisServer> sentinels,
                               Duration timeout, long startupMillis) {
        this.masterName = masterName;
        this.servers = List.copyOf(servers);
        this.sentinels = List.copyOf(sentinels);
        this.timeout = timeout;
        this.startupMillis = startupMillis;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Master + replica + 3 Sentinels, master name {@code mymaster}. */
    public static RedisSentinelSetup start() {
        return builder().start();
    }

    /** Configures a {@link RedisSentinelSetup}. */
    public static final class Builder {
        private String masterName = "mymaster";
        private int sentinelCount = 3;
        private Integer quorum;
        private Duration downAfter = Duration.ofMillis(1000);
        private Duration failoverTimeout = Duration.ofSeconds(10);
        private Duration timeout = Duration.ofSeconds(60);
        private String password;

        private Builder() {
        }

        public Builder masterName(String name) {
            this.masterName = name;
            return this;
        }

        /** Number of Sentinels (default 3). */
        public Builder sentinels(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("need at least one Sentinel");
            }
            this.sentinelCount = count;
            return this;
        }

        /** Quorum (default: majority of the Sentinels). */
        public Builder quorum(int quorum) {
            this.quorum = quorum;
            return this;
        }

        /** {@code sentinel down-after-milliseconds} (default 1 s). */
        public Builder downAfter(Duration d) {
            this.downAfter = d;
            return this;
        }

        /** {@code sentinel failover-timeout} (default 10 s). */
        public Builder failoverTimeout(Duration d) {
            this.failoverTimeout = d;
            return this;
        }

        /** How long start-up and {@link RedisSentinelSetup#failover()} may take (default 60 s). */
        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        /** {@code --requirepass}/{@code --masterauth} on the data servers and {@code sentinel auth-pass}. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        public RedisSentinelSetup start() {
            long t0 = System.nanoTime();
            List<RedisServer> servers = new ArrayList<>();
            List<RedisServer> sentinels = new ArrayList<>();
            try {
                RedisServer master = RedisServer.builder().name("sentinel-master").password(password).start();
                servers.add(master);
                servers.add(RedisServer.builder().name("sentinel-replica").password(password)
                        .replicaOf(master.host(), master.port()).start());
                int q = quorum != null ? quorum : sentinelCount / 2 + 1;
                StringBuilder conf = new StringBuilder()
                        .append("sentinel monitor ").append(masterName).append(' ').append(master.host()).append(' ')
                        .append(master.port()).append(' ').append(q).append('\n')
                        .append("sentinel down-after-milliseconds ").append(masterName).append(' ')
                        .append(downAfter.toMillis()).append('\n')
                        .append("sentinel failover-timeout ").append(masterName).append(' ')
                        .append(failoverTimeout.toMillis()).append('\n')
                        .append("sentinel parallel-syncs ").append(masterName).append(" 1\n");
                if (password != null) {
                    conf.append("sentinel auth-pass ").append(masterName).append(' ').append(password).append('\n');
                }
                RedisServer.Builder sb = RedisServer.builder().name("sentinel").sentinel(conf.toString());
                for (int i = 0; i < sentinelCount; i++) {
                    sentinels.add(sb.launch());
                }
                for (RedisServer s : sentinels) {
                    s.awaitReady();
                }
                RedisSentinelSetup setup = new RedisSentinelSetup(masterName, servers, sentinels, timeout, 0);
                setup.awaitReplicaLinked(servers.get(1));
                setup.awaitQuorum(master, List.of(servers.get(1)));
                return new RedisSentinelSetup(masterName, servers, sentinels, timeout,
                        (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException e) {
                sentinels.forEach(RedisServer::stop);
                servers.forEach(RedisServer::stop);
                throw e;
            }
        }
    }

    // ================================================================== waiting

    private void awaitReplicaLinked(RedisServer replica) {
        RedisTools.await("replica " + replica.hostAndPort() + " master_link_status:up", timeout,
                Duration.ofMillis(20), () -> {
                    String repl = replica.info("replication");
                    return "slave".equals(RedisTools.infoField(repl, "role"))
                            && "up".equals(RedisTools.infoField(repl, "master_link_status"));
                }, () -> replica.info("replication"));
    }

    /** Every Sentinel: CKQUORUM OK with all Sentinels usable, master at {@code master}, knows every replica. */
    private void awaitQuorum(RedisServer master, List<RedisServer> replicas) {
        String usable = "OK " + sentinels.size() + " usable";
        RedisTools.await("SENTINEL CKQUORUM " + masterName + " -> '" + usable + "' on all " + sentinels.size()
                        + " Sentinels, master " + master.hostAndPort() + ", replicas known",
                timeout, Duration.ofMillis(50), () -> {
                    for (RedisServer s : sentinels) {
                        if (!s.cli("SENTINEL", "CKQUORUM", masterName).startsWith(usable)) {
                            return false;
                        }
                        if (!List.of(master.host(), String.valueOf(master.port()))
                                .equals(s.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName).lines().toList())) {
                            return false;
                        }
                        List<Map<String, String>> known = replicasSeenBy(s);
                        for (RedisServer r : replicas) {
                            boolean ok = known.stream().anyMatch(k -> String.valueOf(r.port()).equals(k.get("port"))
                                    && "slave".equals(k.get("flags")));
                            if (!ok) {
                                return false;
                            }
                        }
                    }
                    return true;
                }, this::describe);
    }

    private List<Map<String, String>> replicasSeenBy(RedisServer sentinel) {
        // raw output of SENTINEL REPLICAS: for each replica, alternating key/value lines
        List<String> lines = sentinel.cli("SENTINEL", "REPLICAS", masterName).lines().toList();
        List<Map<String, String>> result = new ArrayList<>();
        Map<String, String> cur = null;
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            if ("name".equals(lines.get(i))) {
                cur = new HashMap<>();
                result.add(cur);
            }
            if (cur != null) {
                cur.put(lines.get(i), lines.get(i + 1));
            }
        }
        return result;
    }

    /** What each Sentinel says (CKQUORUM, master address), for failure messages. */
    public String describe() {
        return sentinels.stream().map(s -> {
            try {
                return s.port() + ": " + s.cli("SENTINEL", "CKQUORUM", masterName).lines().findFirst().orElse("")
                        + " / master " + String.join(":",
                        s.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName).lines().toList())
                        + " / replicas " + replicasSeenBy(s).stream().map(m -> m.get("port") + "(" + m.get("flags") + ")")
                        .collect(Collectors.joining(","));
            } catch (RuntimeException e) {
                return s.port() + ": <" + e.getMessage() + ">";
            }
        }).collect(Collectors.joining("; ", "[", "]"));
    }

    // ================================================================== failover

    /**
     * Forces {@code SENTINEL FAILOVER} and waits until every Sentinel reports the former replica as master and
     * that server says {@code role:master}. The old master (which Sentinel would only reconfigure some 10 s
     * later) is then made a replica of the new one with {@code REPLICAOF}, exactly what Sentinel would do, and
     * the method waits until its link is up and all Sentinels know it as a replica, so the setup is again
     * 1 master + 1 replica and can fail over again.
     *
     * @return the new master
     */
    public RedisServer failover() {
        long t0 = System.nanoTime();
        RedisServer oldMaster = master();
        RedisServer newMaster = servers.stream().filter(s -> s != oldMaster).findFirst().orElseThrow();
        RedisServer asker = sentinels.get(0);
        RedisTools.await("SENTINEL FAILOVER " + masterName + " accepted", timeout, Duration.ofMillis(100),
                () -> "OK".equals(asker.cli("SENTINEL", "FAILOVER", masterName)), this::describe);
        RedisTools.await("all Sentinels report " + newMaster.hostAndPort() + " as master of " + masterName,
                timeout, Duration.ofMillis(20), () -> {
                    for (RedisServer s : sentinels) {
                        if (!List.of(newMaster.host(), String.valueOf(newMaster.port()))
                                .equals(s.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName).lines().toList())) {
                            return false;
                        }
                    }
                    return "master".equals(newMaster.infoField("replication", "role"));
                }, this::describe);
        lastFailoverMillis = (System.nanoTime() - t0) / 1_000_000;
        if ("master".equals(oldMaster.infoField("replication", "role"))) {
            String r = oldMaster.cli("REPLICAOF", newMaster.host(), String.valueOf(newMaster.port()));
            if (!r.startsWith("OK")) {
                throw new IllegalStateException("REPLICAOF on old master " + oldMaster.hostAndPort() + ": " + r);
            }
        }
        awaitReplicaLinked(oldMaster);
        awaitQuorum(newMaster, List.of(oldMaster));
        return newMaster;
    }

    // ================================================================== accessors

    /** The data server the first Sentinel currently reports as master. */
    public RedisServer master() {
        List<String> addr = sentinels.get(0).cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName).lines().toList();
        return servers.stream().filter(s -> addr.equals(List.of(s.host(), String.valueOf(s.port())))).findFirst()
                .orElseThrow(() -> new IllegalStateException("Sentinel reports master " + addr
                        + ", which is none of " + servers));
    }

    /** The data servers other than {@link #master()}. */
    public List<RedisServer> replicas() {
        RedisServer m = master();
        return servers.stream().filter(s -> s != m).toList();
    }

    /** Both data servers, in start order (initial master first). */
    public List<RedisServer> servers() {
        return servers;
    }

    /** The Sentinel processes. */
    public List<RedisServer> sentinels() {
        return sentinels;
    }

    public String masterName() {
        return masterName;
    }

    /** {@code redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,.../NAME}. */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(RedisServer::hostAndPort).collect(Collectors.joining(","))
                + "/" + masterName;
    }

    /** Time {@link Builder#start()} took, in ms. */
    public long startupMillis() {
        return startupMillis;
    }

    /** Time from SENTINEL FAILOVER to all Sentinels reporting the new master in the last {@link #failover()}. */
    public long lastFailoverMillis() {
        return lastFailoverMillis;
    }

    /** Stops Sentinels first (so they do not react), then the data servers. */
    public void stop() {
        sentinels.forEach(RedisServer::stop);
        servers.forEach(RedisServer::stop);
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "RedisSentinelSetup[" + uri() + ", servers " + servers.stream().map(RedisServer::hostAndPort).toList() + "]";
    }
}
