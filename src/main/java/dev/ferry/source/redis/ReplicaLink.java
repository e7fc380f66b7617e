package dev.ferry.source.redis;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import dev.ferry.source.ShardProgress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica side of one master's replication link, on its own thread: handshake, PSYNC, the RDB transfer
 * (disk-style {@code $len} or diskless {@code $EOF:mark}), then the command stream, all copied into the
 * {@link Spool} as fast as the master sends. Acknowledges every second (and on demand) the offset the target
 * has confirmed. A broken link is restored with {@code PSYNC <replid> <offset+1>} from the next address the
 * supplier names (the same master, Sentinel's current master, or a cluster shard's promoted replica).
 */
final class ReplicaLink implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLink.class);
    private static final int MARK = 40;

    /** How long a master may send nothing at all (not even its PING or a newline) before the link counts as dead. */
    static final int SILENCE_TIMEOUT_MS = 60_000;
    /** The port Ferry announces: none (see {@link #announceNoPort}). */
    static final String NO_PORT = "-1";

    private final String name;
    private final Supplier<HostPort> master;
    private final ConnectOptions connectOptions;
    private final Spool spool;
    /** How long the master may stay out of reach before the run stops (--source-reconnect-timeout). */
    private final dev.ferry.source.SourceOutage outage;
    private final ShardProgress progress;
    private final LongSupplier confirmed;
    private final boolean snapshotOnly;
    private final Thread thread;
    private final ArrayDeque<long[]> arrivals = new ArrayDeque<>();

    private volatile boolean stopped;
    private volatile RespConnection conn;
    private volatile boolean streaming;
    private volatile String replid;
    /** Offset of the last stream byte put into the spool (the replication offset we hold). */
    private volatile long received = -1;
    private boolean rdbComplete;
    private long reconnects;
    private long partialResyncs;
    private long fullResyncs;

    /** {@code confirmed} gives the highest offset the target has confirmed, or -1. */
    ReplicaLink(String name, Supplier<HostPort> master, ConnectOptions connectOptions, Spool spool, ShardProgress progress,
                LongSupplier confirmed, boolean snapshotOnly, long outageLimitMillis) {
        this.name = name;
        this.outage = new dev.ferry.source.SourceOutage("source " + name, outageLimitMillis);
        this.master = master;
        this.connectOptions = new ConnectOptions(connectOptions.user(), connectOptions.password(), connectOptions.tls(),
                connectOptions.tlsInsecure(), connectOptions.caCertFile(), connectOptions.connectTimeoutMs(), SILENCE_TIMEOUT_MS);
        this.spool = spool;
        this.progress = progress;
        this.confirmed = confirmed;
        this.snapshotOnly = snapshotOnly;
        this.thread = new Thread(this, "source-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Continue from where an earlier run left the target (its checkpoint): the first PSYNC asks for the byte after
     * {@code from}, as a reconnection within one run does.
     */
    void resumeFrom(dev.ferry.record.ReplicationOffset from) {
        replid = from.replid();
        received = from.offset();
        rdbComplete = true;
    }

    String replid() { return replid; }
    long received() { return received; }
    synchronized long partialResyncs() { return partialResyncs; }
    synchronized long fullResyncs() { return fullResyncs; }
    synchronized long reconnects() { return reconnects; }

    /**
     * Milliseconds since the oldest stream byte above {@code upTo} arrived: how far behind the target is in
     * time. Forgets arrivals at or below {@code upTo}.
     */
    long lagMillis(long upTo) {
        synchronized (arrivals) {
            while (!arrivals.isEmpty() && arrivals.peekFirst()[0] <= upTo) arrivals.pollFirst();
            long[] oldest = arrivals.peekFirst();
            return oldest == null ? 0 : Math.max(0, System.currentTimeMillis() - oldest[1]);
        }
    }

    @Override
    public void run() {
        long backoff = 100;
        while (!stopped) {
            String why;
            try {
                HostPort at = master.get();
                session(at);
                backoff = 100;
                why = null;
            } catch (FatalLinkException e) {
                spool.put(new Spool.Fatal(e.getMessage()));
                return;
            } catch (RedisConnectionException e) {
                if (e instanceof dev.ferry.resp.RedisAuthException) {
                    spool.put(new Spool.Fatal(name + ": " + e.getMessage()));
                    return;
                }
                if (stopped) break;
                why = e.getMessage();
            } catch (IOException | RuntimeException e) {
                if (stopped) break;
                why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            } finally {
                RespConnection c = conn;
                if (c != null) c.close();
                conn = null;
            }
            if (why != null) {
                String giveUp = outage.failed(why);
                if (giveUp != null) {
                    log.error("{}", giveUp);
                    spool.put(new Spool.Fatal(giveUp));
                    return;
                }
                lost(why);
            }
            if (stopped || (snapshotOnly && rdbComplete)) break;
            sleep(backoff);
            backoff = Math.min(5_000, backoff * 2);
        }
    }

    private void lost(String why) {
        log.warn("{}: replication link lost ({}); reconnecting, {}", name, why, outage.remaining());
        spool.put(new Spool.LinkLost(why));
        progress.phase(ShardProgress.Phase.RECONNECTING);
        progress.note("link lost: " + why);
        streaming = false;
        synchronized (this) {
            reconnects++;
        }
        progress.reconnects.increment();
    }

    private void session(HostPort at) throws IOException {
        RespConnection c = RespConnection.open(at, connectOptions);
        conn = c;
        if (stopped) return;
        Reply pong = c.call("PING");
        if (pong instanceof Reply.Error e) checkHandshakeError("PING", e);
        announceNoPort(c);
        String[] capa = {"REPLCONF", "capa", "eof", "capa", "psync2"};
        Reply r = c.call(capa);
        if (r instanceof Reply.Error e) checkHandshakeError(String.join(" ", capa), e);
        boolean resume = rdbComplete && replid != null;
        String[] psync = resume ? new String[] {"PSYNC", replid, Long.toString(received + 1)} : new String[] {"PSYNC", "?", "-1"};
        send(c, psync);
        String reply = c.reader().readLineAfterKeepalives();
        if (reply.startsWith("+FULLRESYNC") || reply.startsWith("+CONTINUE")) outage.answered();
        if (reply.startsWith("+FULLRESYNC")) {
            String[] parts = reply.split(" ");
            if (parts.length < 3) throw new FatalLinkException(name + ": unexpected PSYNC reply: " + reply);
            if (resume) log.warn("{}: the master refused a partial resync at offset {} (backlog too small, or its history "
                    + "changed); a full copy follows", name, received + 1);
            replid = parts[1];
            long offset = Long.parseLong(parts[2]);
            synchronized (this) {
                fullResyncs++;
                if (fullResyncs > 1) progress.resyncs.increment();
            }
            receiveRdb(c, offset);
        } else if (reply.startsWith("+CONTINUE")) {
            String[] parts = reply.split(" ");
            boolean newHistory = parts.length > 1 && !parts[1].equals(replid);
            if (!resume) throw new FatalLinkException(name + ": master answered CONTINUE to a full sync request");
            if (newHistory) {
                log.info("{}: partial resync at offset {} on a new replication history {} (a failover)", name, received + 1, parts[1]);
                replid = parts[1];
            } else {
                log.info("{}: partial resync at offset {} (+CONTINUE)", name, received + 1);
            }
            synchronized (this) {
                partialResyncs++;
            }
            progress.note("partial resync at " + (received + 1));
            spool.put(new Spool.Resumed(replid, received, newHistory));
        } else if (reply.startsWith("-")) {
            checkPsyncError(new Reply.Error(reply.substring(1)));
            throw new IOException("master answered PSYNC with " + reply.substring(1));
        } else {
            throw new FatalLinkException(name + ": unexpected PSYNC reply: " + reply);
        }
        if (snapshotOnly) return;
        streaming = true;
        progress.phase(ShardProgress.Phase.LIVE);
        ack();
        stream(c);
    }

    private void receiveRdb(RespConnection c, long offset) throws IOException {
        progress.phase(ShardProgress.Phase.SNAPSHOT);
        String header = c.reader().readLineAfterKeepalives();
        if (!header.startsWith("$")) throw new IOException("expected the RDB transfer, got: " + header);
        rdbComplete = false;
        received = offset;
        byte[] buf = new byte[64 * 1024 + MARK];
        long read = 0;
        try {
            if (header.startsWith("$EOF:")) {
                byte[] mark = header.substring(5).getBytes(StandardCharsets.ISO_8859_1);
                if (mark.length != MARK) throw new IOException("bad diskless EOF mark: " + header);
                spool.put(new Spool.FullSync(replid, offset, -1));
                progress.snapshotBytesTotal(-1);
                int held = 0; // the last bytes, which may turn out to be the mark
                while (true) {
                    int n = c.reader().readSome(buf, held, buf.length - held);
                    int total = held + n;
                    if (total >= MARK && endsWith(buf, total, mark)) {
                        if (total > MARK) spool.putData(buf, 0, total - MARK);
                        read += total - MARK;
                        progress.bytesRead.add(total - MARK);
                        break;
                    }
                    int keep = Math.min(MARK, total);
                    if (total > keep) spool.putData(buf, 0, total - keep);
                    read += total - keep;
                    progress.bytesRead.add(total - keep);
                    System.arraycopy(buf, total - keep, buf, 0, keep);
                    held = keep;
                    progress.snapshotBytesRead(read);
                }
            } else {
                long size = Long.parseLong(header.substring(1));
                spool.put(new Spool.FullSync(replid, offset, size));
                progress.snapshotBytesTotal(size);
                while (read < size) {
                    int n = c.reader().readSome(buf, 0, (int) Math.min(buf.length, size - read));
                    spool.putData(buf, 0, n);
                    read += n;
                    progress.bytesRead.add(n);
                    progress.snapshotBytesRead(read);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        progress.snapshotBytesRead(read);
        rdbComplete = true;
        spool.put(new Spool.RdbEnd());
        log.info("{}: full sync received: {} bytes of RDB at offset {}", name, read, offset);
    }

    private static boolean endsWith(byte[] buf, int total, byte[] mark) {
        for (int i = 0; i < MARK; i++) if (buf[total - MARK + i] != mark[i]) return false;
        return true;
    }

    private void stream(RespConnection c) throws IOException {
        byte[] buf = new byte[64 * 1024];
        try {
            while (!stopped) {
                int n;
                try {
                    n = c.reader().readSome(buf, 0, buf.length);
                } catch (SocketTimeoutException e) {
                    throw new IOException("the master sent nothing for " + SILENCE_TIMEOUT_MS / 1000 + " s");
                }
                spool.putData(buf, 0, n);
                received += n;
                progress.bytesRead.add(n);
                synchronized (arrivals) {
                    arrivals.addLast(new long[] {received, System.currentTimeMillis()});
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Sends {@code REPLCONF ACK} with what the target confirmed; called every second and on GETACK. */
    void ack() {
        RespConnection c = conn;
        if (c == null || !streaming) return;
        long off = Math.min(received, Math.max(confirmed.getAsLong(), 0));
        try {
            send(c, "REPLCONF", "ACK", Long.toString(off));
        } catch (IOException e) {
            c.close(); // the reading thread notices and restores the link
        }
    }

    private void send(RespConnection c, String... args) throws IOException {
        RespOutput out = new RespOutput(128);
        out.command(args.length);
        for (String a : args) out.arg(a.getBytes(StandardCharsets.UTF_8));
        OutputStream os = c.output();
        synchronized (os) {
            out.writeTo(os);
            os.flush();
        }
    }

    /**
     * Ferry has no port a client or Sentinel could connect to. The master lists every replica in {@code INFO
     * replication} ({@code slaveN:ip=...,port=...}), and Sentinel adopts each line it can parse as a replica,
     * forever: with port 0 (what a replica that announces nothing shows) Sentinel adds {@code ip:0}, marks it down
     * and keeps {@code known-replica ... 0} in its config. A port outside 0-65535 is refused by Sentinel's address
     * check before anything is created or logged (measured with Redis/Sentinel 7.0.15, {@code resolve-hostnames}
     * yes and no), so Ferry announces {@code -1}: "no port". A server that refuses it gets 0, as before.
     */
    private void announceNoPort(RespConnection c) {
        Reply r = c.call("REPLCONF", "listening-port", NO_PORT);
        if (!(r instanceof Reply.Error error)) return;
        if (!error.code().equals("ERR")) checkHandshakeError("REPLCONF listening-port " + NO_PORT, error);
        log.info("{}: the source refused REPLCONF listening-port {} ({}); announcing port 0, which Sentinel lists as a"
                + " replica that is down", name, NO_PORT, r);
        r = c.call("REPLCONF", "listening-port", "0");
        if (r instanceof Reply.Error e) checkHandshakeError("REPLCONF listening-port 0", e);
    }

    private void checkHandshakeError(String what, Reply.Error error) {
        if (error.refusesAccess()) throw new FatalLinkException(name + ": " + what + " refused: " + error);
        if (error.code().equals("LOADING") || error.code().equals("MASTERDOWN")) {
            throw new RedisConnectionException(name + ": " + error);
        }
        throw new FatalLinkException(name + ": the source refused the replica handshake (" + what + ": " + error
                + "); if it is a managed service without PSYNC, use --scan");
    }

    private void checkPsyncError(Reply.Error error) {
        String code = error.code();
        // "ERR BGSAVE ..." (a save already running) is told apart from other ERRs only by its text
        if (code.equals("NOMASTERLINK") || code.equals("LOADING") || code.equals("MASTERDOWN")
                || error.toString().startsWith("ERR BGSAVE")) {
            return; // try again later
        }
        if (error.refusesAccess()) {
            throw new FatalLinkException(name + ": PSYNC refused: " + error + " (the user needs +psync +replconf +ping)");
        }
        throw new FatalLinkException(name + ": the source refused PSYNC (" + error + "); if it is a managed service, use --scan");
    }

    /** Drops the connection so the link is restored from the address the supplier names now (a new master). */
    void reconnect() {
        RespConnection c = conn;
        if (c != null) c.close();
    }

    /** Stops reading and closes the link; what is already in the spool stays there. */
    void stop() {
        stopped = true;
        RespConnection c = conn;
        if (c != null) c.close();
    }

    void join(long ms) throws InterruptedException {
        thread.join(ms);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A reason to stop that no retry can fix. */
    static final class FatalLinkException extends RuntimeException {
        FatalLinkException(String message) {
            super(message, null, false, false);
        }
    }
}
