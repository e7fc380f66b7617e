package dev.ferry.source.redis;

import dev.ferry.record.Confirmation;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.ServerInfo;
import dev.ferry.server.Slots;
import dev.ferry.server.Topology;
import dev.ferry.source.KeyScope;
import dev.ferry.source.LiveSource;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.ShardSink;
import dev.ferry.source.ShardSinks;
import dev.ferry.source.ShardSummary;
import dev.ferry.source.SourceSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a Redis source with the replica protocol: one link per master (a standalone server, the master a
 * Sentinel names, or every master of a cluster), each with its spool and its applier thread, each writing into
 * its own {@link ShardSink}. The target's confirmations come back through the sink: each master is acknowledged
 * with the offset the target confirmed.
 */
public final class RedisReplicaSource implements LiveSource {
    private static final Logger log = LoggerFactory.getLogger(RedisReplicaSource.class);

    /**
     * Spool bounds, whether to stop after the snapshot, and how long a master may stay out of reach before the run
     * stops ({@link dev.ferry.source.SourceOutage}).
     */
    public record Settings(boolean snapshotOnly, long spoolMemory, long spoolDisk, Path spoolDir, long outageLimitMillis) {
    }

    private final List<Shard> shards = new ArrayList<>();
    private final ShardSinks sinks;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "source-acks");
        t.setDaemon(true);
        return t;
    });
    private SentinelWatcher sentinelWatcher;

    private final class Shard {
        final ShardSink sink;
        final ShardProgress progress;
        final Spool spool;
        final ReplicaLink link;
        final ShardReplicator replicator;
        volatile boolean snapshotDone;

        Shard(int index, String name, Supplier<HostPort> address, ConnectOptions co, Settings settings,
              KeyScope scope, int sourceDbs) {
            this.sink = sinks.open(index, name, scope, sourceDbs);
            this.progress = new ShardProgress(name);
            this.spool = new Spool(name, settings.spoolMemory(), settings.spoolDisk(), settings.spoolDir());
            this.link = new ReplicaLink(name, address, co, spool, progress, this::committed, settings.snapshotOnly(),
                    settings.outageLimitMillis());
            this.replicator = new ShardReplicator(name, spool, link, sink, progress, settings.snapshotOnly(),
                    () -> snapshotDone = true);
            // a run that only copies the snapshot copies it whole; a live one continues where the target stands
            if (!settings.snapshotOnly() && sink.resumeFrom() instanceof ReplicationOffset from) link.resumeFrom(from);
        }

        /** The offset up to which the target answered every record: what the master is acknowledged; -1 for none. */
        long committed() {
            Confirmation c = sink.confirmation();
            return c == null ? -1 : offset(c.committed());
        }
    }

    private RedisReplicaSource(ShardSinks sinks) {
        this.sinks = sinks;
    }

    /** Checks the source (reachable, Redis, the topology the URI says) and sets up one shard per master. */
    public static RedisReplicaSource open(RedisUri uri, ShardSinks sinks, Settings settings) {
        ConnectOptions co = uri.connectOptions();
        RedisReplicaSource source = new RedisReplicaSource(sinks);
        if (uri.kind() == RedisUri.Kind.SENTINEL) {
            HostPort master = Topology.resolveSentinelMaster(uri);
            Probe p = probe(master, co, uri);
            if (p.info.cluster()) throw new RedisConnectionException("the Sentinel master " + master + " is a cluster node");
            source.add("master " + uri.sentinelMaster() + " (" + master + ")", followed(uri, master, sinks), co,
                    settings, KeyScope.ALL, p.databases);
            source.sentinelWatcher = new SentinelWatcher(uri, () -> source.shards.get(0).link, sinks::cutoverUnderWay);
        } else if (uri.kind() == RedisUri.Kind.CLUSTER) {
            Probe p = null;
            RedisConnectionException last = null;
            for (HostPort h : uri.hosts()) {
                try {
                    p = probe(h, co, uri);
                    break;
                } catch (RedisConnectionException e) {
                    last = e;
                }
            }
            if (p == null) throw last;
            if (!p.info.cluster()) {
                throw new RedisConnectionException("source " + p.address + " is not in cluster mode: use redis://" + p.address);
            }
            Set<HostPort> known = new LinkedHashSet<>(uri.hosts());
            known.addAll(clusterNodes(p.address, co));
            Topology topology = Topology.ofCluster(List.copyOf(known), co);
            Map<HostPort, BitSet> slotsByMaster = new LinkedHashMap<>();
            for (int s = 0; s < Slots.COUNT; s++) slotsByMaster.computeIfAbsent(topology.ownerOf(s), k -> new BitSet()).set(s);
            for (Map.Entry<HostPort, BitSet> m : slotsByMaster.entrySet()) {
                int firstSlot = m.getValue().nextSetBit(0);
                List<HostPort> seeds = List.copyOf(known);
                source.add("master " + m.getKey() + " (slots from " + firstSlot + ")",
                        () -> Topology.ofCluster(seeds, co).ownerOf(firstSlot), co, settings,
                        KeyScope.slots(m.getValue()), 1);
            }
        } else if (uri.kind() == RedisUri.Kind.REDIS) {
            HostPort h = uri.hosts().get(0);
            Probe p = probe(h, co, uri);
            if (p.info.cluster()) {
                throw new RedisConnectionException("source " + h + " is a cluster node: use redis-cluster://" + h
                        + " to follow every master");
            }
            source.add("master " + h, () -> h, co, settings, KeyScope.ALL, p.databases);
        } else {
            throw new RedisConnectionException("source " + uri.redacted() + ": the replica protocol for this kind of source is not supported");
        }
        return source;
    }

    /**
     * Where a Sentinel source's link connects: the master Sentinel names, except while a ferry cutover is under way.
     * Then Sentinel names (or is about to name) the cutover's target, and a link that broke reconnects to the master
     * it followed: following Sentinel there would copy the target into itself.
     */
    private static Supplier<HostPort> followed(RedisUri uri, HostPort first, ShardSinks sinks) {
        java.util.concurrent.atomic.AtomicReference<HostPort> following = new java.util.concurrent.atomic.AtomicReference<>(first);
        return () -> {
            HostPort named = Topology.resolveSentinelMaster(uri);
            HostPort before = following.get();
            if (!named.equals(before) && sinks.cutoverUnderWay()) {
                log.info("Sentinel names {} as master '{}' during a ferry cutover: reconnecting to {} instead (the cutover "
                        + "moves the applications to {}; this run stops)", named, uri.sentinelMaster(), before, named);
                return before;
            }
            following.set(named);
            return named;
        };
    }

    private void add(String name, Supplier<HostPort> address, ConnectOptions co, Settings settings, KeyScope scope,
                     int sourceDbs) {
        shards.add(new Shard(shards.size(), name, address, co, settings, scope, sourceDbs));
    }

    private record Probe(HostPort address, ServerInfo info, int databases) {
    }

    private static Probe probe(HostPort h, ConnectOptions co, RedisUri uri) {
        try (RespConnection c = RespConnection.open(h, co)) {
            ServerInfo info;
            try {
                info = Topology.probe(c);
            } catch (RedisConnectionException e) {
                if (e instanceof dev.ferry.resp.RedisPermissionException) {
                    throw new RedisConnectionException("source " + h + " refused INFO: the user needs +info (and +psync "
                            + "+replconf +ping, +cluster for a cluster) to be replicated");
                }
                throw e;
            }
            if (info.engine() == ServerInfo.Engine.DRAGONFLY) {
                throw new RedisConnectionException("source " + h + " is Dragonfly " + info.version()
                        + ", not Redis: use a dragonfly:// URI for it");
            }
            int databases = 16;
            Reply r = c.call("CONFIG", "GET", "databases");
            if (!r.isError() && r.asList().size() == 2) databases = Integer.parseInt(r.asList().get(1).asText());
            return new Probe(h, info, databases);
        }
    }

    /** Every node address the cluster knows, masters and replicas: a failover promotes one of the latter. */
    private static List<HostPort> clusterNodes(HostPort seed, ConnectOptions co) {
        List<HostPort> out = new ArrayList<>();
        try (RespConnection c = RespConnection.open(seed, co)) {
            Reply r = c.call("CLUSTER", "NODES");
            if (r.isError()) return out;
            for (String line : r.asText().split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length < 2) continue;
                String addr = f[1];
                int at = addr.indexOf('@');
                if (at >= 0) addr = addr.substring(0, at);
                int colon = addr.lastIndexOf(':');
                if (colon <= 0) continue;
                String host = addr.substring(0, colon);
                if (host.isEmpty()) host = seed.host();
                out.add(new HostPort(host, Integer.parseInt(addr.substring(colon + 1))));
            }
        }
        return out;
    }

    @Override
    public List<ShardProgress> shards() {
        List<ShardProgress> out = new ArrayList<>();
        for (Shard s : shards) out.add(s.progress);
        return out;
    }

    @Override
    public void start() {
        for (Shard s : shards) {
            s.replicator.start();
            s.link.start();
        }
        ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        if (sentinelWatcher != null) sentinelWatcher.start();
    }

    /** Once a second: acknowledge to each master, and work out how far behind the target is. */
    private void tick() {
        for (Shard s : shards) {
            try {
                s.link.ack();
                long committed = s.committed();
                long received = s.link.received();
                s.progress.appliedPosition(committed);
                if (s.progress.phase() == ShardProgress.Phase.LIVE && committed >= 0) {
                    s.progress.lag(Math.max(0, received - committed), s.link.lagMillis(committed));
                }
            } catch (RuntimeException e) {
                log.debug("{}: tick failed: {}", s.progress.name(), e.getMessage());
            }
        }
    }

    @Override
    public boolean snapshotDone() {
        for (Shard s : shards) if (!s.snapshotDone) return false;
        return true;
    }

    @Override
    public RuntimeException failure() {
        for (Shard s : shards) {
            RuntimeException f = s.replicator.failure();
            if (f != null) return f;
        }
        return null;
    }

    @Override
    public SourceSummary stop() {
        if (sentinelWatcher != null) sentinelWatcher.stop();
        for (Shard s : shards) s.link.stop();
        try {
            for (Shard s : shards) {
                s.link.join(10_000);
                s.spool.end();
            }
            for (Shard s : shards) s.replicator.join(Long.MAX_VALUE / 4);
            if (failure() == null) sinks.drain();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ticker.shutdownNow();
            for (Shard s : shards) s.spool.close();
        }
        List<ShardSummary> out = new ArrayList<>();
        for (Shard s : shards) {
            Confirmation c = s.sink.confirmation();
            s.progress.appliedPosition(s.committed());
            s.progress.lag(0, 0);
            if (s.progress.phase() != ShardProgress.Phase.FAILED) s.progress.phase(ShardProgress.Phase.STOPPED);
            out.add(ShardSummary.of(s.progress, c, s.link.reconnects(), s.link.partialResyncs(), s.link.fullResyncs(),
                    s.spool.peakDiskBytes()));
        }
        return new SourceSummary(out, List.of());
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (sentinelWatcher != null) sentinelWatcher.stop();
        for (Shard s : shards) {
            s.link.stop();
            s.spool.close();
        }
    }

    /** A confirmed replication position as its offset, or -1 for none yet. */
    static long offset(Position p) {
        return p == null ? -1 : ((ReplicationOffset) p).offset();
    }
}
