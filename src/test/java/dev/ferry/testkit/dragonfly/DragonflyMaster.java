package dev.ferry.testkit.dragonfly;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import dev.ferry.testkit.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * A Dragonfly v1.40 master as a replica sees it: handshake, DFLY FLOW/SYNC/STARTSTABLE, per-flow snapshot
 * and journal streams, backlog-based PARTIAL sync. The dataset lives in a real redis-server ("backing") so
 * tests can compare a replica's target with it; writes go through {@link #write} which runs them on the
 * backing server and journals them the way Dragonfly would.
 *
 * <p>One lock orders everything (writes, journal, snapshot steps), which gives the per-flow guarantees of
 * the real master: an entry precedes journal records touching its key, and a record's LSN order is its wire
 * order.
 */
public final class DragonflyMaster implements AutoCloseable {
    static final long FLOW_HASH_SEED = 120577240643L;
    static final int DFLY_VERSION = 5; // VER6 on the wire since v1.37 (after the v1.22 renumbering)
    private static final XXHash64 XXH64 = XXHashFactory.fastestJavaInstance().hash64();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Effective settings, fixed at start except for the snapshot pause. */
    static final class Config {
        int flows = 2;
        Compression compression = Compression.LZ4;
        boolean taggedChunks = true;
        int chunkSize = 64 * 1024;
        int backlogRecords = 8192;
        String password;
        long lsnMarkerIntervalMs = 3000;
        int snapshotBatch = 256;
        long snapshotThrottleMs;
        int pauseSnapshotAfterEntries = -1;
        boolean singleKeyTxidZero = true;
        String dfVersion = "df-v1.40.0-emulator";
        boolean cacheSnapshots;
    }

    /** Bumped by every change of the dataset: a cached snapshot is only served while it still holds. */
    long dataVersion;
    /** Per flow, the frames of the last full sync made while nothing changed (see Builder.cacheSnapshots). */
    final Map<Integer, List<byte[]>> snapshotCache = new HashMap<>();
    long snapshotCacheVersion = -1;

    public static final class Builder {
        private final RedisServer backing;
        private final Config cfg = new Config();

        private Builder(RedisServer backing) {
            this.backing = backing;
        }

        /** Number of shards, i.e. flow connections. */
        public Builder flows(int n) {
            if (n < 1 || n > 1024) throw new IllegalArgumentException("flows must be 1..1024");
            cfg.flows = n;
            return this;
        }

        public Builder compression(Compression c) {
            cfg.compression = c;
            return this;
        }

        /** --serialization_tagged_chunks (v1.40 default true); false = legacy contiguous pieces. */
        public Builder taggedChunks(boolean on) {
            cfg.taggedChunks = on;
            return this;
        }

        /** --serialization_max_chunk_size. */
        public Builder chunkSize(int bytes) {
            cfg.chunkSize = bytes;
            return this;
        }

        /** --shard_repl_backlog_len. */
        public Builder backlogRecords(int n) {
            cfg.backlogRecords = n;
            return this;
        }

        /** Require AUTH on every connection (control and flows). */
        public Builder password(String pw) {
            cfg.password = pw;
            return this;
        }

        /** Minimum gap between LSN opcodes on a stable stream (3 s on the real master). */
        public Builder lsnMarkerInterval(Duration d) {
            cfg.lsnMarkerIntervalMs = d.toMillis();
            return this;
        }

        /** Keys serialized per snapshot step (between two steps, journal records may get in). */
        /**
         * For benchmarks: keep each flow's full-sync bytes and serve them again from memory to the next sessions
         * while the dataset is unchanged, so the replica under test, not this emulator, sets the pace.
         */
        public Builder cacheSnapshots(boolean on) {
            cfg.cacheSnapshots = on;
            return this;
        }

        public Builder snapshotBatch(int keys) {
            cfg.snapshotBatch = Math.max(1, keys);
            return this;
        }

        /** Sleep before every snapshot step, to widen the window for writes during full sync. */
        public Builder snapshotThrottle(Duration d) {
            cfg.snapshotThrottleMs = d.toMillis();
            return this;
        }

        /** Every flow's snapshot stops after this many entries until {@link #resumeSnapshots()}; 0 = right after the header. */
        public Builder pauseSnapshotAfter(int entries) {
            cfg.pauseSnapshotAfterEntries = entries;
            return this;
        }

        /** Whether single-key writes carry txid 0 (what the captures show for single-hop commands). */
        public Builder singleKeyTxidZero(boolean on) {
            cfg.singleKeyTxidZero = on;
            return this;
        }

        public DragonflyMaster start() {
            return new DragonflyMaster(backing, cfg);
        }
    }

    /** Per-shard journal state, shared by all sessions. */
    private static final class Shard {
        long nextLsn = 1;
        final Backlog backlog;
        final List<FlowSession> attached = new ArrayList<>();
        volatile long lastAck = -1;

        Shard(int backlog) {
            this.backlog = new Backlog(backlog);
        }
    }

    private record RawEntry(int type, byte[] value, long expireAtMs, int dfMask, int mcFlags) {
    }

    private record Flags(int dfMask, int mcFlags) {
    }

    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    private final Config cfg;
    private final RedisServer backing;
    private final RespConnection backingConn;
    private int backingDb = -1;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Shard[] shards;
    private final Map<Integer, ReplicationSession> sessions = new HashMap<>();
    private final Map<KeyRef, RawEntry> rawEntries = new LinkedHashMap<>();
    private final Map<KeyRef, Flags> flags = new HashMap<>();
    private final List<Socket> openSockets = new ArrayList<>();
    private String replid = randomHex();
    private int sessionCounter;
    private long txCounter;
    private int fullSyncs;
    private int partialSyncs;
    private boolean snapshotsHeld;
    private volatile boolean closed;
    /** CLIENT PAUSE state, guarded by {@link #lock}. */
    private final ClientPause pause = new ClientPause(changed);
    /** CLIENT LIST / CLIENT KILL view of the connections. */
    final ClientConnections clients = new ClientConnections();
    /** Set by REPLICAOF host port, cleared by REPLICAOF NO ONE; guarded by {@link #lock}. */
    private ReplicaOf replicaOf;

    /** The master this emulator was told to follow, and the TCP link it opened to check it (see {@link #replicaOf}). */
    private record ReplicaOf(String host, int port, long sinceMs, Socket link) {
    }

    /** What a real Dragonfly replica answers to a write (main_service.cc VerifyCommandState, v1.40.1). */
    public static final String READONLY_ERROR = "READONLY You can't write against a read only replica.";

    private DragonflyMaster(RedisServer backing, Config cfg) {
        this.cfg = cfg;
        this.backing = backing;
        this.shards = new Shard[cfg.flows];
        for (int i = 0; i < cfg.flows; i++) shards[i] = new Shard(cfg.backlogRecords);
        this.snapshotsHeld = cfg.pauseSnapshotAfterEntries >= 0;
        this.backingConn = RespConnection.open(new HostPort(backing.host(), backing.port()),
                new ConnectOptions(null, backing.password(), false, false, null, 10_000, 60_000));
        // Dragonfly sends strings raw (no LZF) unless --compression_mode=1; keep the backing's DUMPs alike
        backingConn.callOk("CONFIG", "SET", "rdbcompression", "no");
        try {
            server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        acceptor = new Thread(this::acceptLoop, "dfly-master-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static Builder builder(RedisServer backing) {
        return new Builder(backing);
    }

    Config config() {
        return cfg;
    }

    public int port() {
        return server.getLocalPort();
    }

    public String host() {
        return "127.0.0.1";
    }

    public String replid() {
        lock.lock();
        try {
            return replid;
        } finally {
            lock.unlock();
        }
    }

    public int flows() {
        return cfg.flows;
    }

    public RedisServer backing() {
        return backing;
    }

    /** The flow (shard) owning a key: XXH64(key, 120577240643) % flows; no hashtags on a non-cluster master. */
    public int flowOf(byte[] key) {
        return (int) Long.remainderUnsigned(XXH64.hash(key, 0, key.length, FLOW_HASH_SEED), cfg.flows);
    }

    public int flowOf(String key) {
        return flowOf(key.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- writes and journal

    /**
     * Runs a command on the backing server and, unless it failed, journals it like Dragonfly: on the owning
     * flow; MSET/DEL/UNLINK split per flow under one txid; FLUSHALL/FLUSHDB on every flow under one txid. The
     * caller passes the deterministic form (SET .. PXAT, PEXPIREAT, ...) the real master would journal.
     */
    public Reply write(int db, String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return write(db, b);
    }

    /**
     * Blocks while a CLIENT PAUSE (WRITE or ALL) lasts, as the real master holds an application's write; on a master
     * demoted by REPLICAOF the write is then refused with {@link #READONLY_ERROR} (the pause is checked first there too).
     */
    public Reply write(int db, byte[]... args) {
        lock.lock();
        try {
            pause.await(true);
            if (replicaOf != null) return new Reply.Error(READONLY_ERROR);
            return writeLocked(db, args, -1);
        } finally {
            lock.unlock();
        }
    }

    /** Several single-flow commands journaled under one txid (a MULTI/EXEC or script effect, a cross-shard RENAME's DEL + RESTORE). */
    public List<Reply> transaction(int db, String[]... commands) {
        lock.lock();
        try {
            pause.await(true);
            if (replicaOf != null) {
                // a replica refuses each write as it is queued (VerifyCommandState runs at queueing time)
                List<Reply> refused = new ArrayList<>();
                for (int i = 0; i < commands.length; i++) refused.add(new Reply.Error(READONLY_ERROR));
                return refused;
            }
            long txid = ++txCounter;
            List<Reply> replies = new ArrayList<>();
            for (String[] c : commands) {
                byte[][] b = new byte[c.length][];
                for (int i = 0; i < c.length; i++) b[i] = c[i].getBytes(StandardCharsets.UTF_8);
                replies.add(writeLocked(db, b, txid));
            }
            return replies;
        } finally {
            lock.unlock();
        }
    }

    private Reply writeLocked(int db, byte[][] args, long forcedTxid) {
        dataVersion++;
        String cmd = new String(args[0], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
        args = args.clone();
        args[0] = cmd.getBytes(StandardCharsets.UTF_8);
        boolean global = cmd.equals("FLUSHALL") || cmd.equals("FLUSHDB");
        List<KeyRef> keys = keysOf(db, cmd, args);
        awaitNotInFlight(new LinkedHashSet<>(keys));
        Reply reply = backingCall(db, args);
        if (reply.isError()) return reply;
        if (global) {
            if (cmd.equals("FLUSHALL")) {
                rawEntries.clear();
                flags.clear();
            } else {
                rawEntries.keySet().removeIf(k -> k.db() == db);
                flags.keySet().removeIf(k -> k.db() == db);
            }
            long txid = forcedTxid >= 0 ? forcedTxid : ++txCounter;
            byte[] rec = JournalWriter.command(db, txid, args);
            for (int f = 0; f < cfg.flows; f++) journal(f, rec, Set.of());
            return reply;
        }
        if (cmd.equals("DEL") || cmd.equals("UNLINK")) keys.forEach(flags::remove);
        Map<Integer, List<Integer>> argsByFlow = splitByFlow(cmd, args);
        long txid = forcedTxid >= 0 ? forcedTxid : (keys.size() <= 1 && cfg.singleKeyTxidZero ? 0 : ++txCounter);
        for (Map.Entry<Integer, List<Integer>> part : argsByFlow.entrySet()) {
            List<Integer> idx = part.getValue();
            byte[][] partArgs = new byte[idx.size()][];
            for (int i = 0; i < idx.size(); i++) partArgs[i] = args[idx.get(i)];
            Set<KeyRef> partKeys = new LinkedHashSet<>(keysOf(db, cmd, partArgs));
            journal(part.getKey(), JournalWriter.command(db, txid, partArgs), partKeys);
        }
        return reply;
    }

    /** Key positions of the commands the emulator knows; anything else is taken as "first argument is the key". */
    private static List<KeyRef> keysOf(int db, String cmd, byte[][] args) {
        List<KeyRef> keys = new ArrayList<>();
        switch (cmd) {
            case "FLUSHALL", "FLUSHDB", "PING" -> {
            }
            case "MSET" -> {
                for (int i = 1; i + 1 < args.length; i += 2) keys.add(KeyRef.of(db, args[i]));
            }
            case "DEL", "UNLINK" -> {
                for (int i = 1; i < args.length; i++) keys.add(KeyRef.of(db, args[i]));
            }
            case "RENAME", "RENAMENX", "SMOVE", "LMOVE", "RPOPLPUSH", "COPY" -> {
                keys.add(KeyRef.of(db, args[1]));
                keys.add(KeyRef.of(db, args[2]));
            }
            default -> {
                if (args.length > 1) keys.add(KeyRef.of(db, args[1]));
            }
        }
        return keys;
    }

    /** Argument indexes per flow: MSET/DEL/UNLINK keep only the flow's own keys; other multi-key commands must stay on one flow. */
    private Map<Integer, List<Integer>> splitByFlow(String cmd, byte[][] args) {
        Map<Integer, List<Integer>> parts = new LinkedHashMap<>();
        switch (cmd) {
            case "MSET" -> {
                for (int i = 1; i + 1 < args.length; i += 2) {
                    List<Integer> p = parts.computeIfAbsent(flowOf(args[i]), f -> new ArrayList<>(List.of(0)));
                    p.add(i);
                    p.add(i + 1);
                }
            }
            case "DEL", "UNLINK" -> {
                for (int i = 1; i < args.length; i++) parts.computeIfAbsent(flowOf(args[i]), f -> new ArrayList<>(List.of(0))).add(i);
            }
            default -> {
                int flow = args.length > 1 ? flowOf(args[1]) : 0;
                for (KeyRef k : keysOf(0, cmd, args)) {
                    if (flowOf(k.bytes()) != flow) {
                        throw new IllegalArgumentException(cmd + " spans flows; Dragonfly journals it as per-flow commands"
                                + " (e.g. DEL + RESTORE): use transaction(...)");
                    }
                }
                List<Integer> all = new ArrayList<>();
                for (int i = 0; i < args.length; i++) all.add(i);
                parts.put(flow, all);
            }
        }
        return parts;
    }

    /** A record that is not run on the backing server (Dragonfly-only commands: STICK, SET .. _MCFLAGS n, ...). */
    public long journalOnly(int flow, int db, byte[]... args) {
        lock.lock();
        try {
            pause.await(true);
            if (replicaOf != null) throw new IllegalStateException(READONLY_ERROR);
            return journal(flow, JournalWriter.command(db, 0, args), Set.of());
        } finally {
            lock.unlock();
        }
    }

    public long journalOnly(int flow, int db, String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return journalOnly(flow, db, b);
    }

    /**
     * A PING record on every flow, what WAIT and TAKEOVER make the real master journal. Not held by CLIENT PAUSE:
     * those PINGs are written by the server itself, not by a paused client connection.
     */
    public void ping() {
        lock.lock();
        try {
            for (int f = 0; f < cfg.flows; f++) journal(f, JournalWriter.ping(), Set.of());
        } finally {
            lock.unlock();
        }
    }

    /** The master expiring a key: delete it on the backing server and journal `DEL key` with txid 0. */
    public void expire(int db, String key) {
        lock.lock();
        try {
            pause.await(true); // the real master stops expiring while clients are paused (SetExpireAllowed(false))
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            KeyRef ref = KeyRef.of(db, k);
            awaitNotInFlight(Set.of(ref));
            dataVersion++;
            backingCall(db, new byte[][] {"DEL".getBytes(StandardCharsets.UTF_8), k});
            flags.remove(ref);
            journal(flowOf(k), JournalWriter.command(db, 0, "DEL".getBytes(StandardCharsets.UTF_8), k), Set.of(ref));
        } finally {
            lock.unlock();
        }
    }

    /**
     * A snapshot-only entry the backing server cannot hold (Dragonfly types 30-37, member TTL types 31/32, a
     * DF_MASK). {@code value} is the RDB value encoding after the key; {@code expireAtMs} 0 = no TTL.
     */
    public void putRaw(int db, byte[] key, int rdbType, byte[] value, long expireAtMs, int dfMask, int mcFlags) {
        lock.lock();
        try {
            dataVersion++;
            rawEntries.put(KeyRef.of(db, key), new RawEntry(rdbType, value.clone(), expireAtMs, dfMask, mcFlags));
        } finally {
            lock.unlock();
        }
    }

    /** Attach a DF_MASK (bit 0 sticky, bit 1 memcached flags) to a key held by the backing server. */
    public void dfMask(int db, String key, int mask, int mcFlags) {
        lock.lock();
        try {
            dataVersion++;
            flags.put(KeyRef.of(db, key.getBytes(StandardCharsets.UTF_8)), new Flags(mask, mcFlags));
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock. Assigns the next LSN, keeps the record in the backlog, sends it to attached flows. */
    /** Flows whose next journal record is kept in the backlog but never sent (see {@link #loseNextRecord}). */
    private final Set<Integer> loseNext = new java.util.HashSet<>();

    /**
     * Test hook for a broken journal: the next record of {@code flow} takes its LSN and goes into the backlog, but
     * attached replicas never receive it. The LSN marker after the following record then names an LSN the replica
     * did not count, which a replica must take as a gap.
     */
    public void loseNextRecord(int flow) {
        lock.lock();
        try {
            loseNext.add(flow);
        } finally {
            lock.unlock();
        }
    }

    private long journal(int flow, byte[] record, Set<KeyRef> keys) {
        Shard s = shards[flow];
        long lsn = s.nextLsn++;
        s.backlog.add(lsn, record);
        boolean lost = loseNext.remove(flow);
        for (FlowSession fs : s.attached) {
            switch (fs.mode) {
                case FULL_SYNC -> fs.snapshot.onJournal(record, keys);
                case STABLE -> {
                    if (!lost) fs.sendStable(record, lsn, cfg.lsnMarkerIntervalMs);
                }
                default -> {
                    // registered flows get nothing yet: FULL flows see it in their snapshot, PARTIAL ones in the replay
                }
            }
        }
        return lsn;
    }

    /** Mutations of a key whose entry is being streamed wait, like the real master blocks them. */
    private void awaitNotInFlight(Set<KeyRef> keys) {
        while (true) {
            boolean busy = false;
            for (ReplicationSession rs : sessions.values()) {
                for (FlowSession f : rs.flows) {
                    if (f != null && f.snapshot != null && f.mode == FlowSession.Mode.FULL_SYNC && f.snapshot.touchesInFlight(keys)) busy = true;
                }
            }
            if (!busy) return;
            try {
                changed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a streamed entry", e);
            }
        }
    }

    private Reply backingCall(int db, byte[][] args) {
        if (backingDb != db) {
            backingConn.callOk("SELECT", Integer.toString(db));
            backingDb = db;
        }
        return backingConn.call(args);
    }

    /** Caller holds the lock. The key's snapshot entry as of now, or null when it no longer exists. */
    EntryEncoder.Entry fetchEntry(KeyRef ref) {
        RawEntry raw = rawEntries.get(ref);
        if (raw != null) return EntryEncoder.encode(ref.bytes(), raw.type(), raw.value(), raw.expireAtMs(), raw.dfMask(), raw.mcFlags());
        if (backingDb != ref.db()) {
            backingConn.callOk("SELECT", Integer.toString(ref.db()));
            backingDb = ref.db();
        }
        byte[] key = ref.bytes();
        try {
            RespOutput o = new RespOutput(64);
            o.command(2).arg("DUMP").arg(key);
            o.command(2).arg("PEXPIRETIME").arg(key);
            o.writeTo(backingConn.output());
            backingConn.output().flush();
            Reply dump = backingConn.reader().read();
            Reply pexp = backingConn.reader().read();
            if (!(dump instanceof Reply.Bulk bulk) || bulk.bytes() == null) return null;
            byte[] payload = bulk.bytes();
            long expireAt = pexp.asLong();
            Flags f = flags.getOrDefault(ref, new Flags(0, 0));
            return EntryEncoder.encode(key, EntryEncoder.dragonflyType(EntryEncoder.dumpType(payload)), EntryEncoder.dumpValue(payload),
                    expireAt > 0 ? expireAt : 0, f.dfMask(), f.mcFlags());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Caller holds the lock. The entries of keys of one db as of now (null where a key no longer exists), in one round trip. */
    List<EntryEncoder.Entry> fetchEntries(List<KeyRef> refs) {
        List<EntryEncoder.Entry> out = new ArrayList<>(refs.size());
        if (refs.isEmpty()) return out;
        int db = refs.get(0).db();
        if (backingDb != db) {
            backingConn.callOk("SELECT", Integer.toString(db));
            backingDb = db;
        }
        try {
            RespOutput o = new RespOutput(64 * refs.size());
            for (KeyRef ref : refs) {
                if (rawEntries.containsKey(ref)) continue;
                o.command(2).arg("DUMP").arg(ref.bytes());
                o.command(2).arg("PEXPIRETIME").arg(ref.bytes());
            }
            o.writeTo(backingConn.output());
            backingConn.output().flush();
            for (KeyRef ref : refs) {
                RawEntry raw = rawEntries.get(ref);
                if (raw != null) {
                    out.add(EntryEncoder.encode(ref.bytes(), raw.type(), raw.value(), raw.expireAtMs(), raw.dfMask(), raw.mcFlags()));
                    continue;
                }
                Reply dump = backingConn.reader().read();
                Reply pexp = backingConn.reader().read();
                if (!(dump instanceof Reply.Bulk bulk) || bulk.bytes() == null) {
                    out.add(null);
                    continue;
                }
                byte[] payload = bulk.bytes();
                long expireAt = pexp.asLong();
                Flags f = flags.getOrDefault(ref, new Flags(0, 0));
                out.add(EntryEncoder.encode(ref.bytes(), EntryEncoder.dragonflyType(EntryEncoder.dumpType(payload)),
                        EntryEncoder.dumpValue(payload), expireAt > 0 ? expireAt : 0, f.dfMask(), f.mcFlags()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Caller holds the lock. Every key per flow, in a fixed order, as of DFLY SYNC. */
    private List<List<KeyRef>> keysPerFlow() {
        List<List<KeyRef>> perFlow = new ArrayList<>();
        for (int i = 0; i < cfg.flows; i++) perFlow.add(new ArrayList<>());
        String keyspace = backingConn.callOk("INFO", "keyspace").asText();
        for (String line : keyspace.split("\r?\n")) {
            if (!line.startsWith("db")) continue;
            int db = Integer.parseInt(line.substring(2, line.indexOf(':')));
            backingConn.callOk("SELECT", Integer.toString(db));
            backingDb = db;
            String cursor = "0";
            do {
                Reply r = backingConn.callOk("SCAN", cursor, "COUNT", "1000");
                List<Reply> items = ((Reply.Array) r).items();
                cursor = items.get(0).asText();
                for (Reply k : ((Reply.Array) items.get(1)).items()) {
                    byte[] key = ((Reply.Bulk) k).bytes();
                    perFlow.get(flowOf(key)).add(KeyRef.of(db, key));
                }
            } while (!cursor.equals("0"));
        }
        for (KeyRef k : rawEntries.keySet()) perFlow.get(flowOf(k.bytes())).add(k);
        for (List<KeyRef> l : perFlow) l.sort((a, b) -> Integer.compare(a.db(), b.db()));
        return perFlow;
    }

    // ---------------------------------------------------------------- observation and control

    /**
     * The reply to {@code DFLY REPLICAOFFSET}: each shard's journal LSN (the next it assigns), as an array of integers
     * like a real v1.40 master's; 0 on every shard until a replica made the master start its journal (here: before a
     * first session since start or {@link #restart()}), as Dragonfly keeps no journal before that.
     */
    String replicaOffsetReply() {
        lock.lock();
        try {
            StringBuilder sb = new StringBuilder("*").append(shards.length).append("\r\n");
            for (Shard s : shards) sb.append(':').append(sessionCounter == 0 ? 0 : s.nextLsn).append("\r\n");
            return sb.toString();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- cutover: pause, role, INFO replication

    /** Whether a CLIENT PAUSE (WRITE or ALL) holds writes right now (until CLIENT UNPAUSE or its deadline). */
    public boolean paused() {
        lock.lock();
        try {
            return pause.holds(true);
        } finally {
            lock.unlock();
        }
    }

    /** Whether REPLICAOF host port demoted this master (until REPLICAOF NO ONE). */
    public boolean isReplica() {
        lock.lock();
        try {
            return replicaOf != null;
        } finally {
            lock.unlock();
        }
    }

    /** CLIENT PAUSE: taking the lock first means no write is half done when +OK goes out, as on the real master. */
    void pauseClients(long ms, boolean writeOnly) {
        lock.lock();
        try {
            pause.pause(ms, writeOnly);
        } finally {
            lock.unlock();
        }
    }

    void unpauseClients() {
        lock.lock();
        try {
            pause.unpause();
        } finally {
            lock.unlock();
        }
    }

    /** A command of a normal connection waits here while an ALL pause lasts (a WRITE pause lets it through). */
    void awaitCommandAllowed(boolean write) {
        lock.lock();
        try {
            pause.await(write);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code INFO replication} in the field order of v1.40.1's server_family.cc (add_repl_info), with
     * {@code info_replication_valkey_compatible} at its default (true: "slave", "online").
     *
     * <p>As a master: role, connected_slaves, one {@code slaveN:ip=..,port=..,state=..,lag=..} line per replica session
     * that is not cancelled, master_replid. {@code lag} here is the largest (next LSN - last ACK) over the shards
     * in stable sync and 0 otherwise; the exact arithmetic of Dragonfly's ReplicationLags was not checked.
     *
     * <p>As a replica: the fields a real replica prints before its first full sync is done (so no
     * slave_repl_offset). The emulator never syncs: master_link_status is "up" once its TCP connection to the master
     * was made (as a real replica's is after REPLICAOF's greeting), master_sync_in_progress stays 0 and
     * master_replid stays empty (a real replica learns the master's id in its handshake; the emulator never asks).
     */
    String infoReplication() {
        lock.lock();
        try {
            StringBuilder sb = new StringBuilder("# Replication\r\n");
            if (replicaOf == null) {
                List<ReplicationSession> live = new ArrayList<>();
                for (ReplicationSession s : sessions.values()) if (s.state != ReplicationSession.State.CANCELLED) live.add(s);
                live.sort((a, b) -> Integer.compare(a.id, b.id));
                sb.append("role:master\r\n").append("connected_slaves:").append(live.size()).append("\r\n");
                for (int i = 0; i < live.size(); i++) {
                    ReplicationSession s = live.get(i);
                    sb.append("slave").append(i).append(":ip=").append(s.address).append(",port=").append(s.listeningPort)
                            .append(",state=").append(stateName(s.state)).append(",lag=").append(lag(s)).append("\r\n");
                }
                sb.append("master_replid:").append(replid).append("\r\n");
            } else {
                long ioAgo = (System.currentTimeMillis() - replicaOf.sinceMs()) / 1000;
                sb.append("role:slave\r\n")
                        .append("master_host:").append(replicaOf.host()).append("\r\n")
                        .append("master_port:").append(replicaOf.port()).append("\r\n")
                        .append("master_link_status:").append(replicaOf.link().isClosed() ? "down" : "up").append("\r\n")
                        .append("master_last_io_seconds_ago:").append(ioAgo).append("\r\n")
                        .append("master_sync_in_progress:0\r\n")
                        .append("master_replid:\r\n")
                        .append("slave_priority:100\r\n")
                        .append("slave_read_only:1\r\n")
                        .append("psync_attempts:0\r\n")
                        .append("psync_successes:0\r\n");
            }
            return sb.toString();
        } finally {
            lock.unlock();
        }
    }

    private static String stateName(ReplicationSession.State st) {
        return switch (st) {
            case PREPARATION -> "preparation";
            case FULL_SYNC -> "full_sync";
            case STABLE -> "online";
            case CANCELLED -> "cancelled";
        };
    }

    private long lag(ReplicationSession s) {
        if (s.state != ReplicationSession.State.STABLE) return 0;
        long lag = 0;
        for (FlowSession f : s.flows) lag = Math.max(lag, shards[f.flowId].nextLsn - Math.max(0, shards[f.flowId].lastAck));
        return lag;
    }

    /** ROLE: a master with its replicas' ip, port and state; a replica with its master (state unverified, see below). */
    String roleReply() {
        lock.lock();
        try {
            if (replicaOf != null) {
                // the emulator never syncs; "connecting" is the first state a real replica reports (not measured)
                return "*4\r\n$5\r\nslave\r\n" + bulkOf(replicaOf.host()) + bulkOf(Integer.toString(replicaOf.port()))
                        + bulkOf("connecting");
            }
            return "*2\r\n$6\r\nmaster\r\n*0\r\n";
        } finally {
            lock.unlock();
        }
    }

    private static String bulkOf(String s) {
        return "$" + s.getBytes(StandardCharsets.UTF_8).length + "\r\n" + s + "\r\n";
    }

    /**
     * REPLICAOF host port / SLAVEOF: like v1.40.1's ReplicaOfInternal, the command first connects to the new master
     * (an unreachable one is refused with "could not connect to master: ..." and nothing changes), then turns this
     * server into a replica and answers +OK. The emulator only opens that TCP connection and keeps it as its
     * "link"; it never runs the handshake nor copies any data.
     *
     * <p>What happens to this master's own replicas: v1.40.1 does not cancel their sessions on REPLICAOF (only
     * shutdown, a load or the experimental cascaded partial sync do). The first thing its replication then does is
     * a full sync from the new master, which starts by executing FLUSHALL through the journal (replica.cc
     * InitiateDflySync / InitiatePSync: JournalExecutor.FlushAll), so the old replicas receive a FLUSHALL; the data
     * loaded afterwards bypasses the journal. The emulator mirrors that much: sessions stay, a FLUSHALL is journaled
     * on every flow and its dataset is emptied. (Read in the source, not measured.)
     */
    String replicaOf(String host, int port) {
        Socket link = new Socket();
        try {
            link.connect(new java.net.InetSocketAddress(host, port), 5_000);
        } catch (IOException e) {
            try {
                link.close();
            } catch (IOException ignored) {
                // nothing opened
            }
            String why = e instanceof java.net.UnknownHostException ? "could not resolve master dns" : "could not connect to master: ";
            // Java's message is "Connection refused" for ECONNREFUSED, the same text as the real server's ec.message()
            return "-ERR " + why + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll(" \\(.*\\)$", ""));
        }
        lock.lock();
        try {
            closeLink();
            replicaOf = new ReplicaOf(host, port, System.currentTimeMillis(), link);
            dataVersion++;
            rawEntries.clear();
            flags.clear();
            backingConn.callOk("FLUSHALL");
            byte[] rec = JournalWriter.command(0, ++txCounter, "FLUSHALL".getBytes(StandardCharsets.UTF_8));
            for (int f = 0; f < cfg.flows; f++) journal(f, rec, Set.of());
            changed.signalAll();
            return "+OK";
        } finally {
            lock.unlock();
        }
    }

    /** REPLICAOF NO ONE: back to master (+OK also when already one); replid and LSNs continue. */
    String replicaOfNoOne() {
        lock.lock();
        try {
            closeLink();
            replicaOf = null;
            changed.signalAll();
            return "+OK";
        } finally {
            lock.unlock();
        }
    }

    private void closeLink() {
        if (replicaOf == null) return;
        try {
            replicaOf.link().close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** LSN of the last record journaled on the flow (0 if none). */
    public long lsn(int flow) {
        lock.lock();
        try {
            return shards[flow].nextLsn - 1;
        } finally {
            lock.unlock();
        }
    }

    /** Last `REPLCONF ACK n` value received on any connection of that flow, -1 if none. */
    public long lastAck(int flow) {
        return shards[flow].lastAck;
    }

    /** Waits until the flow's ACK reaches {@code lsn}; true if it did within the timeout. */
    public boolean awaitAck(int flow, long lsn, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (shards[flow].lastAck < lsn) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(5);
        }
        return true;
    }

    public int fullSyncs() {
        lock.lock();
        try {
            return fullSyncs;
        } finally {
            lock.unlock();
        }
    }

    public int partialSyncs() {
        lock.lock();
        try {
            return partialSyncs;
        } finally {
            lock.unlock();
        }
    }

    /** The phase of the newest session: preparation, full_sync, stable_sync, cancelled, or none. */
    public String sessionState() {
        lock.lock();
        try {
            return sessions.values().stream().max((a, b) -> Integer.compare(a.id, b.id))
                    .map(s -> s.state.name().toLowerCase(Locale.ROOT)).orElse("none");
        } finally {
            lock.unlock();
        }
    }

    /** Abruptly closes every replication socket (RST), like a network cut; sessions are cancelled. */
    public void cutConnections() {
        lock.lock();
        try {
            for (ReplicationSession s : sessions.values()) s.cancel(true);
            for (Socket s : openSockets) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
            openSockets.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A master process restart: new replid, LSNs and backlog start over (dataset kept), sessions dropped; a new
     * process is a master again with no CLIENT PAUSE in force.
     */
    public void restart() {
        cutConnections();
        lock.lock();
        try {
            pause.unpause();
            closeLink();
            replicaOf = null;
            replid = randomHex();
            dataVersion++;
            sessions.clear();
            sessionCounter = 0;
            for (Shard s : shards) {
                s.nextLsn = 1;
                s.backlog.reset();
                s.attached.clear();
                s.lastAck = -1;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stop every flow's snapshot at its next step (entries already open are finished first). */
    public void pauseSnapshots() {
        lock.lock();
        try {
            cfg.pauseSnapshotAfterEntries = 0;
            snapshotsHeld = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void resumeSnapshots() {
        lock.lock();
        try {
            snapshotsHeld = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean snapshotsPaused(int entriesWritten) {
        return snapshotsHeld && entriesWritten >= cfg.pauseSnapshotAfterEntries;
    }

    /** Waits until a full sync is running and every flow's snapshot is paused (or finished). */
    public void awaitSnapshotsPaused(Duration timeout) throws InterruptedException {
        awaitSnapshots(timeout, true);
    }

    /** Waits until a full sync is running and every flow has written FULLSYNC_END. */
    public void awaitSnapshotsDone(Duration timeout) throws InterruptedException {
        awaitSnapshots(timeout, false);
    }

    private void awaitSnapshots(Duration timeout, boolean pausedIsEnough) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                for (ReplicationSession s : sessions.values()) {
                    if (s.state != ReplicationSession.State.FULL_SYNC) continue;
                    boolean all = true;
                    for (FlowSession f : s.flows) {
                        all &= f.snapshot.done() || (pausedIsEnough && f.snapshot.paused());
                    }
                    if (all) return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new IllegalStateException("snapshots not " + (pausedIsEnough ? "paused" : "done") + " in " + timeout);
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        cutConnections();
        lock.lock();
        try {
            pause.unpause(); // a write held by a pause must not outlive the emulator
            closeLink();
        } finally {
            lock.unlock();
        }
        backingConn.close();
    }

    // ---------------------------------------------------------------- protocol (called by ConnectionHandler)

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                lock.lock();
                try {
                    openSockets.add(s);
                } finally {
                    lock.unlock();
                }
                Thread t = new Thread(new ConnectionHandler(this, s, clients.add(s)), "dfly-conn-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) throw new UncheckedIOException(e);
            }
        }
    }

    boolean passwordMatches(String user, String pw) {
        return cfg.password != null && (user == null || user.equals("default")) && cfg.password.equals(pw);
    }

    boolean authRequired() {
        return cfg.password != null;
    }

    /** REPLCONF capa dragonfly: a new session and the 5-element reply of v1.40. */
    ReplicationSession newSession(Socket control, int listeningPort) {
        lock.lock();
        try {
            ReplicationSession s = new ReplicationSession(++sessionCounter, cfg.flows);
            s.sockets.add(control);
            s.address = ((java.net.InetSocketAddress) control.getRemoteSocketAddress()).getAddress().getHostAddress();
            s.listeningPort = listeningPort;
            sessions.put(s.id, s);
            return s;
        } finally {
            lock.unlock();
        }
    }

    /** The reply to DFLY FLOW, or an error line; on success {@code holder[0]} is the new flow. */
    String registerFlow(List<String> a, Socket socket, FlowSession[] holder) {
        lock.lock();
        try {
            if (a.size() < 5 || a.size() > 7) return "-ERR wrong number of arguments for 'dfly' command";
            if (!a.get(2).equals(replid)) return "-ERR bad master id";
            ReplicationSession s = sessionFor(a.get(3));
            if (s == null) return syncIdError(a.get(3));
            int flowId;
            try {
                flowId = Integer.parseInt(a.get(4));
            } catch (NumberFormatException e) {
                flowId = -1;
            }
            if (flowId < 0 || flowId >= cfg.flows) return "-ERR value is not an integer or out of range";
            if (s.state != ReplicationSession.State.PREPARATION) return "-ERR invalid state";
            if (s.flows[flowId] != null) return "-ERR invalid state";
            boolean partial = false;
            long fromLsn = 0;
            if (a.size() == 6) {
                try {
                    fromLsn = Long.parseLong(a.get(5));
                } catch (NumberFormatException e) {
                    return "-ERR value is not an integer or out of range";
                }
                partial = shards[flowId].backlog.canResumeFrom(fromLsn);
            } else if (a.size() == 7) {
                // last-master form: we were never a replica, so no previous master's LSNs can match
                if (a.get(6).split("-").length != cfg.flows) return "-ERR syntax error";
            }
            String token = randomHex();
            FlowOutput out = new FlowOutput(outputOf(socket), "dfly-flow-out-" + s.syncId() + "-" + flowId, () -> cancel(s));
            FlowSession fs = new FlowSession(s, flowId, socket, out, token, partial, fromLsn);
            s.flows[flowId] = fs;
            s.sockets.add(socket);
            shards[flowId].attached.add(fs);
            holder[0] = fs;
            out.enqueue(("*2\r\n+" + (partial ? "PARTIAL" : "FULL") + "\r\n+" + token + "\r\n").getBytes(StandardCharsets.US_ASCII));
            return null;
        } finally {
            lock.unlock();
        }
    }

    String dflySync(String syncId) {
        lock.lock();
        try {
            ReplicationSession s = sessionFor(syncId);
            if (s == null) return syncIdError(syncId);
            if (s.state != ReplicationSession.State.PREPARATION || !s.allRegistered()) return "-ERR invalid state";
            for (FlowSession f : s.flows) if (f.partial) return "-ERR invalid state";
            List<List<KeyRef>> keys = keysPerFlow();
            long usedMem = usedMemory();
            s.state = ReplicationSession.State.FULL_SYNC;
            fullSyncs++;
            for (FlowSession f : s.flows) {
                f.snapshot = new SnapshotWriter(this, f, keys.get(f.flowId));
                f.mode = FlowSession.Mode.FULL_SYNC;
                f.snapshot.start(cfg.flows, usedMem);
            }
            return "+OK";
        } finally {
            lock.unlock();
        }
    }

    String dflyStartStable(String syncId) throws InterruptedException {
        lock.lock();
        try {
            ReplicationSession s = sessionFor(syncId);
            if (s == null) return syncIdError(syncId);
            if (s.state == ReplicationSession.State.FULL_SYNC) {
                // the real master finishes every shard's snapshot before it switches the flows to stable
                while (s.state == ReplicationSession.State.FULL_SYNC && !allSnapshotsDone(s)) changed.await();
                if (s.state != ReplicationSession.State.FULL_SYNC) return "-ERR invalid state";
                for (FlowSession f : s.flows) {
                    f.snapshot.finishForStable(shards[f.flowId].nextLsn, f.token);
                    f.mode = FlowSession.Mode.STABLE;
                }
                s.state = ReplicationSession.State.STABLE;
                return "+OK";
            }
            if (s.state != ReplicationSession.State.PREPARATION || !s.allRegistered()) return "-ERR invalid state";
            for (FlowSession f : s.flows) if (!f.partial) return "-ERR invalid state";
            for (FlowSession f : s.flows) {
                Shard sh = shards[f.flowId];
                if (!sh.backlog.canResumeFrom(f.partialFromLsn)) return "-ERR invalid state";
            }
            for (FlowSession f : s.flows) {
                Shard sh = shards[f.flowId];
                long lsn = f.partialFromLsn;
                for (byte[] rec : sh.backlog.from(lsn)) f.sendStable(rec, lsn++, cfg.lsnMarkerIntervalMs);
                f.mode = FlowSession.Mode.STABLE;
            }
            s.state = ReplicationSession.State.STABLE;
            partialSyncs++;
            return "+OK";
        } finally {
            lock.unlock();
        }
    }

    private long usedMemory() {
        for (String line : backingConn.callOk("INFO", "memory").asText().split("\r?\n")) {
            if (line.startsWith("used_memory:")) return Long.parseLong(line.substring("used_memory:".length()).trim());
        }
        return 0;
    }

    private static boolean allSnapshotsDone(ReplicationSession s) {
        for (FlowSession f : s.flows) if (!f.snapshot.done()) return false;
        return true;
    }

    void ack(FlowSession f, long value) {
        shards[f.flowId].lastAck = value;
    }

    /** Any connection of a session that goes away takes the whole session with it. */
    void cancel(ReplicationSession s) {
        lock.lock();
        try {
            s.cancel(false);
            for (FlowSession f : s.flows) if (f != null) shards[f.flowId].attached.remove(f);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void forget(Socket s) {
        lock.lock();
        try {
            openSockets.remove(s);
        } finally {
            lock.unlock();
        }
    }

    private ReplicationSession sessionFor(String syncId) {
        if (!syncId.startsWith("SYNC")) return null;
        try {
            return sessions.get(Integer.parseInt(syncId.substring(4)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String syncIdError(String syncId) {
        if (!syncId.startsWith("SYNC")) return "-ERR bad sync id";
        try {
            Integer.parseInt(syncId.substring(4));
            return "-ERR syncid not found";
        } catch (NumberFormatException e) {
            return "-ERR bad sync id";
        }
    }

    private static java.io.OutputStream outputOf(Socket s) {
        try {
            return new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String randomHex() {
        byte[] b = new byte[20];
        RANDOM.nextBytes(b);
        StringBuilder sb = new StringBuilder(40);
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }
}
