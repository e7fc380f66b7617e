package dev.ferry.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of real child-process {@code redis-server}s (default 3 masters + 3 replicas), created with
 * {@code redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes}. {@link #start()} returns when every
 * node reports {@code cluster_state:ok} with all 16384 slots assigned and every replica's link is up.
 *
 * <p>Starting one costs a couple of seconds (mostly redis-cli's own polling), so tests share one per class
 * through {@link RedisClusterExtension} and call {@link #flushAll()} between tests when needed.
 */
public final class RedisCluster implements AutoCloseable {

    private final List<RedisServer> nodes;
    private final long startupMillis;

    private RedisCluster(List<RedisServer> nodes, long startupMillis) {
        this.nodes = List.copyOf(nodes);
        this.startupMillis = startupMillis;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a 3-master + 3-replica cluster. */
    public static RedisCluster start() {
        return builder().start();
    }

    /** Configures a {@link RedisCluster}. */
    public static final class Builder {
        private int masters = 3;
        private int replicasPerMaster = 1;
        private Duration nodeTimeout = Duration.ofMillis(2000);
        private Duration readyTimeout = Duration.ofSeconds(60);
        private String password;
        private final List<String> extraArgs = new ArrayList<>();

        private Builder() {
        }

        /** Number of masters (at least 3, as redis-cli requires). */
        public Builder masters(int masters) {
            if (masters < 3) {
                throw new IllegalArgumentException("redis-cli --cluster create needs at least 3 masters");
            }
            this.masters = masters;
            return this;
        }

        public Builder replicasPerMaster(int replicas) {
            this.replicasPerMaster = replicas;
            return this;
        }

        /** {@code --cluster-node-timeout} (default 2 s: failures are detected fast). */
        public Builder nodeTimeout(Duration timeout) {
            this.nodeTimeout = timeout;
            return this;
        }

        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        /** {@code --requirepass} and {@code --masterauth} on every node. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** Extra redis-server args for every node. */
        public Builder args(String... tokens) {
            extraArgs.addAll(List.of(tokens));
            return this;
        }

        public RedisCluster start() {
            long t0 = System.nanoTime();
            int total = masters * (1 + replicasPerMaster);
            RedisServer.Builder nb = RedisServer.builder().name("cluster").cluster((int) nodeTimeout.toMillis())
                    .password(password).args(extraArgs.toArray(String[]::new));
            List<RedisServer> nodes = new ArrayList<>();
            try {
                for (int i = 0; i < total; i++) {
                    nodes.add(nb.launch()); // all processes start in parallel...
                }
                for (RedisServer n : nodes) {
                    n.awaitReady(); // ...then we wait for each
                }
                create(nodes);
                RedisCluster cluster = new RedisCluster(nodes, 0);
                cluster.awaitHealthy(readyTimeout, masters, masters * replicasPerMaster);
                return new RedisCluster(nodes, (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException e) {
                nodes.forEach(RedisServer::stop);
                throw e;
            }
        }

        private void create(List<RedisServer> nodes) {
            RedisServer first = nodes.get(0);
            List<String> cmd = new ArrayList<>();
            cmd.add(RedisTools.cliBinary().toString());
            cmd.add("--cluster");
            cmd.add("create");
            nodes.forEach(n -> cmd.add(n.hostAndPort()));
            cmd.addAll(List.of("--cluster-replicas", String.valueOf(replicasPerMaster), "--cluster-yes"));
            java.util.Map<String, String> env = new java.util.HashMap<>(first.cliEnv());
            env.putIfAbsent("REDISCLI_AUTH", null);
            RedisTools.CliResult r = RedisTools.run(cmd, env, null, readyTimeout);
            if (r.exitCode() != 0 || !r.stdout().contains("All 16384 slots covered")) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + r + "\n"
                        + nodes.get(0).logTail(20));
            }
        }
    }

    private void awaitHealthy(Duration timeout, int expectedMasters, int expectedReplicas) {
        RedisTools.await("cluster_state:ok on all " + nodes.size() + " nodes with " + expectedMasters
                        + " masters and " + expectedReplicas + " linked replicas",
                timeout, Duration.ofMillis(50), () -> {
                    for (RedisServer n : nodes) {
                        String info = n.cli("CLUSTER", "INFO");
                        if (!"ok".equals(RedisTools.infoField(info, "cluster_state"))
                                || !"16384".equals(RedisTools.infoField(info, "cluster_slots_assigned"))
                                || !String.valueOf(nodes.size()).equals(RedisTools.infoField(info, "cluster_known_nodes"))) {
                            return false;
                        }
                    }
                    // every node's gossip view must agree too (right after create a node may still see a
                    // replica as a slot-less master, and clients reading CLUSTER SLOTS from it would be misled)
                    for (RedisServer n : nodes) {
                        int vm = 0;
                        int vr = 0;
                        for (String line : n.cli("CLUSTER", "NODES").lines().toList()) {
                            String[] f = line.split(" ");
                            if (f.length < 8 || !"connected".equals(f[7]) || f[2].contains("fail")
                                    || f[2].contains("handshake") || f[2].contains("noaddr")) {
                                return false;
                            }
                            if (f[2].contains("master")) {
                                vm++;
                            } else if (f[2].contains("slave")) {
                                vr++;
                            }
                        }
                        if (vm != expectedMasters || vr != expectedReplicas) {
                            return false;
                        }
                    }
                    int m = 0;
                    int r = 0;
                    for (RedisServer n : nodes) {
                        String repl = n.info("replication");
                        String role = RedisTools.infoField(repl, "role");
                        if ("master".equals(role)) {
                            m++;
                        } else if ("slave".equals(role) && "up".equals(RedisTools.infoField(repl, "master_link_status"))) {
                            r++;
                        }
                    }
                    return m == expectedMasters && r == expectedReplicas;
                }, this::describe);
    }

    /** Every node's port, role and cluster_state, for failure messages. */
    public String describe() {
        return nodes.stream().map(n -> {
            try {
                return n.port() + ":" + n.infoField("replication", "role") + "/"
                        + RedisTools.infoField(n.cli("CLUSTER", "INFO"), "cluster_state");
            } catch (RuntimeException e) {
                return n.port() + ":<" + e.getMessage() + ">";
            }
        }).collect(Collectors.joining(", ", "[", "]"));
    }

    /** All nodes in creation order (the first {@code masters} were made masters by redis-cli). */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /** Nodes whose {@code INFO replication} currently says {@code role:master} (asked live, so failovers show). */
    public List<RedisServer> masters() {
        return nodes.stream().filter(RedisServer::isAlive)
                .filter(n -> "master".equals(n.infoField("replication", "role"))).toList();
    }

    /** Nodes currently replicas. */
    public List<RedisServer> replicas() {
        return nodes.stream().filter(RedisServer::isAlive)
                .filter(n -> "slave".equals(n.infoField("replication", "role"))).toList();
    }

    /** {@code redis-cluster://127.0.0.1:P1,127.0.0.1:P2} with two current masters as seeds. */
    public String seedUri() {
        return "redis-cluster://" + masters().stream().limit(2).map(RedisServer::hostAndPort)
                .collect(Collectors.joining(","));
    }

    /** Every node's {@code host:port}. */
    public List<String> hostsAndPorts() {
        return nodes.stream().map(RedisServer::hostAndPort).toList();
    }

    /** {@code FLUSHALL SYNC} on every master, then {@code WAIT} for its replicas so they are empty too. */
    public void flushAll() {
        for (RedisServer m : masters()) {
            String replicas = RedisTools.infoField(m.info("replication"), "connected_slaves");
            RedisTools.CliResult r = m.cliScript("FLUSHALL SYNC\nWAIT " + replicas + " 5000\n");
            List<String> lines = r.out().lines().toList();
            if (!r.ok() || lines.isEmpty() || !"OK".equals(lines.get(0))) {
                throw new IllegalStateException("FLUSHALL on " + m.hostAndPort() + " failed: " + r);
            }
        }
    }

    /** Sum of {@code DBSIZE} over the masters, without Ferry's checkpoint hashes ({@link RedisServer#dbSize()}). */
    public long dbSize() {
        return masters().stream().mapToLong(RedisServer::dbSize).sum();
    }

    /** Time {@link Builder#start()} took, in ms. */
    public long startupMillis() {
        return startupMillis;
    }

    /** Stops every node (by its own PID). */
    public void stop() {
        nodes.forEach(RedisServer::stop);
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "RedisCluster" + hostsAndPorts();
    }
}
