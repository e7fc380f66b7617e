package dev.ferry.testkit.app;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespPipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An "application" that keeps writing through a Sentinel-managed master the way real client libraries do, and
 * records what became of every write, so a test can check afterwards that each acknowledged write is on the
 * final master exactly once and how long the application could not write.
 *
 * <p>Write number n (1, 2, 3...) is one transaction {@code MULTI; INCR <prefix>:ctr; RPUSH <prefix>:seq n; EXEC},
 * sent in one round trip as a client library's transaction pipeline sends it. One transaction rather than two
 * commands because one acknowledgement then covers both: a connection lost between two plain commands would
 * leave the counter and the list apart, and the check {@code ctr == LLEN seq} would mean nothing.
 *
 * <p>A write is <em>acknowledged</em> when EXEC answers with both results; <em>refused</em> when MULTI was
 * accepted and EXEC answered an error (EXECABORT after a READONLY, LOADING...: nothing of it was applied);
 * otherwise <em>unknown</em> (connection lost, read timeout, anything else: it may or may not have been applied).
 * A write number is never sent twice: after an error the client reconnects and carries on with the next number,
 * which is what makes "exactly once" checkable.
 *
 * <p>How the client finds the master after an error is what the two kinds differ in:
 * {@link ReaskingAppClient} (redis-py, go-redis) asks a Sentinel again; {@link SwitchEventAppClient} (Jedis'
 * JedisSentinelPool, Lettuce) only moves when a Sentinel publishes {@code +switch-master}.
 *
 * <p>Configure with the setters, then {@link #start()}; {@link #stop()} before reading results for a check.
 */
public abstract class SentinelAppClient {

    /** Write {@code n} acknowledged by the server at {@code address}, at {@link System#nanoTime()} {@code atNanos}. */
    public record Ack(long n, HostPort address, long atNanos) {
    }

    /**
     * Write {@code n} sent to {@code address} that got no acknowledgement. {@code refused}: the server answered
     * that it did not apply it; otherwise nobody knows whether it was applied.
     */
    public record Failure(long n, HostPort address, String reason, boolean refused) {
    }

    /** The longest time between two consecutive acknowledgements, and the two writes around it. */
    public record Pause(Duration length, Ack before, Ack after) {
        static final Pause NONE = new Pause(Duration.ZERO, null, null);
    }

    protected final List<HostPort> sentinels;
    protected final String masterName;
    private final String prefix;
    private final String name;

    private volatile String password;
    private volatile Duration readTimeout = Duration.ofSeconds(2);
    private volatile Duration interval = Duration.ofMillis(5);
    private volatile Duration backoff = Duration.ofMillis(50);

    private final Object lock = new Object();
    private final List<Ack> acks = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private final List<String> connectErrors = new ArrayList<>();
    private final AtomicInteger sentinelQueries = new AtomicInteger();
    private long lastN;

    private volatile boolean running;
    private volatile RespConnection conn;
    private Thread writer;

    protected SentinelAppClient(String name, List<HostPort> sentinels, String masterName, String prefix) {
        if (sentinels.isEmpty()) {
            throw new IllegalArgumentException("need at least one Sentinel");
        }
        this.name = name;
        this.sentinels = List.copyOf(sentinels);
        this.masterName = masterName;
        this.prefix = prefix;
    }

    // ================================================================== configuration (before start)

    /** {@code AUTH} password of the data servers (Sentinels are asked without one). */
    public SentinelAppClient password(String password) {
        this.password = password;
        return this;
    }

    /**
     * Socket read timeout of a write (default 2 s), so a server that stopped answering does not hang the
     * application; a write held by {@code CLIENT PAUSE WRITE} for less than this is only delayed.
     */
    public SentinelAppClient readTimeout(Duration d) {
        this.readTimeout = d;
        return this;
    }

    /** Time between two writes (default 5 ms): paced, so two clients leave the two cores to the servers. */
    public SentinelAppClient interval(Duration d) {
        this.interval = d;
        return this;
    }

    /** Wait after a failed write or connection before the next try (default 50 ms). */
    public SentinelAppClient backoff(Duration d) {
        this.backoff = d;
        return this;
    }

    // ================================================================== what a kind decides

    /**
     * The address the next write goes to. {@code afterFailure}: the previous write or connection attempt failed.
     * May throw when it cannot find one (no Sentinel answers); the writer then waits {@link #backoff} and asks again.
     */
    protected abstract HostPort addressForNextWrite(boolean afterFailure);

    /** Before the writer starts: whatever the kind needs (a first address, subscriptions). */
    protected abstract void beforeStart();

    /** After the writer ended: release what {@link #beforeStart()} took. */
    protected abstract void afterStop();

    // ================================================================== life cycle

    public final void start() {
        if (writer != null) {
            throw new IllegalStateException(name + " already started");
        }
        running = true;
        try {
            beforeStart();
        } catch (RuntimeException e) {
            running = false;
            throw e;
        }
        writer = new Thread(this::writeLoop, name + "-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Stops after the write in flight is answered (or times out), so every write number sent is recorded as
     * acknowledged or failed. Throws if the writer does not end.
     */
    public final void stop() {
        running = false;
        Thread w = writer;
        try {
            if (w != null) {
                w.join(readTimeout.toMillis() + backoff.toMillis() + 2_000);
                if (w.isAlive()) {
                    // the read timeout should have ended the write in flight; closing wakes it whatever it waits on
                    RespConnection c = conn;
                    if (c != null) {
                        c.close();
                    }
                    w.join(2_000);
                    if (w.isAlive()) {
                        throw new IllegalStateException(name + ": writer thread did not stop");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + name, e);
        } finally {
            RespConnection c = conn;
            if (c != null) {
                c.close();
            }
            afterStop();
        }
    }

    private void writeLoop() {
        boolean failed = false;
        RespConnection c = null;
        while (running) {
            HostPort want;
            try {
                want = addressForNextWrite(failed);
            } catch (RuntimeException e) {
                noteConnectError("no master address: " + e.getMessage());
                failed = true;
                pause(backoff);
                continue;
            }
            if (c == null || c.isClosed() || !want.equals(c.address())) {
                if (c != null) {
                    c.close(); // as a pool discards its connections to an address it no longer uses
                }
                c = null;
                conn = null;
                try {
                    c = RespConnection.open(want, dataOptions());
                    conn = c;
                } catch (RuntimeException e) {
                    noteConnectError(e.getMessage());
                    failed = true;
                    pause(backoff);
                    continue;
                }
            }
            failed = !writeOnce(c);
            if (failed) {
                c.close();
                c = null;
                conn = null;
                pause(backoff);
            } else {
                pause(interval);
            }
        }
        if (c != null) {
            c.close();
        }
        conn = null;
    }

    /** Sends the next write number on {@code c}; true when acknowledged. */
    private boolean writeOnce(RespConnection c) {
        long n;
        synchronized (lock) {
            n = ++lastN;
        }
        HostPort at = c.address();
        List<Reply> r;
        try {
            r = new RespPipeline(c).add("MULTI").add("INCR", prefix + ":ctr").add("RPUSH", prefix + ":seq", n)
                    .add("EXEC").sync();
        } catch (RuntimeException e) {
            // connection lost, reset, or the read timeout: the transaction may have run or not
            recordFailure(new Failure(n, at, String.valueOf(e.getMessage()), false));
            return false;
        }
        Reply exec = r.get(3);
        if (Reply.OK.equals(r.get(0)) && exec instanceof Reply.Array a && a.items() != null && a.items().size() == 2
                && a.items().stream().noneMatch(Reply::isError)) {
            Ack ack = new Ack(n, at, System.nanoTime());
            synchronized (lock) {
                acks.add(ack);
            }
            return true;
        }
        // EXEC's error after an accepted MULTI (EXECABORT) means nothing ran; any other shape (MULTI refused, so the
        // INCR and RPUSH may have run on their own; one result an error) may have applied part of it
        boolean refused = Reply.OK.equals(r.get(0)) && exec.isError();
        recordFailure(new Failure(n, at, "MULTI " + r.get(0) + " / INCR " + r.get(1) + " / RPUSH " + r.get(2)
                + " / EXEC " + exec, refused));
        return false;
    }

    private ConnectOptions dataOptions() {
        return new ConnectOptions(null, password, false, false, null, 1_000, (int) readTimeout.toMillis());
    }

    private void recordFailure(Failure f) {
        synchronized (lock) {
            failures.add(f);
        }
    }

    private void noteConnectError(String what) {
        synchronized (lock) {
            // only the last ones: a long outage would otherwise grow this by 20 a second
            if (connectErrors.size() >= 100) {
                connectErrors.remove(0);
            }
            connectErrors.add(what);
        }
    }

    protected final boolean isRunning() {
        return running;
    }

    protected final Duration backoffTime() {
        return backoff;
    }

    /** Sleeps; an interruption ends it early ({@link #stop()} is noticed at the writer's next loop check). */
    protected static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ================================================================== Sentinel

    /**
     * {@code SENTINEL GET-MASTER-ADDR-BY-NAME} on each Sentinel in turn until one answers with an address, as
     * the client libraries do; counted in {@link #sentinelQueries()}.
     */
    protected final HostPort askSentinels() {
        sentinelQueries.incrementAndGet();
        List<String> why = new ArrayList<>();
        for (HostPort s : sentinels) {
            try (RespConnection sc = RespConnection.open(s, new ConnectOptions(null, null, false, false, null, 500, 1_000))) {
                Reply r = sc.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName);
                if (r instanceof Reply.Array a && a.items() != null && a.items().size() == 2) {
                    return new HostPort(a.items().get(0).asText(), Integer.parseInt(a.items().get(1).asText()));
                }
                why.add(s + ": " + r);
            } catch (RuntimeException e) {
                why.add(s + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("no Sentinel gave the address of " + masterName + ": " + why);
    }

    // ================================================================== results

    public final String name() {
        return name;
    }

    /** Key prefix: the client writes {@code <prefix>:ctr} and {@code <prefix>:seq}. */
    public final String prefix() {
        return prefix;
    }

    /** Every acknowledgement, in order. */
    public final List<Ack> acks() {
        synchronized (lock) {
            return List.copyOf(acks);
        }
    }

    /** The acknowledged write numbers, in order. */
    public final List<Long> acked() {
        return acks().stream().map(Ack::n).toList();
    }

    /** Every write sent without an acknowledgement, in order. */
    public final List<Failure> failures() {
        synchronized (lock) {
            return List.copyOf(failures);
        }
    }

    /** The write numbers sent without an acknowledgement (refused or unknown), in order. */
    public final List<Long> failed() {
        return failures().stream().map(Failure::n).toList();
    }

    /** The highest write number sent: every number from 1 to this was sent exactly once. */
    public final long attempted() {
        synchronized (lock) {
            return lastN;
        }
    }

    public final Optional<Ack> lastAck() {
        synchronized (lock) {
            return acks.isEmpty() ? Optional.empty() : Optional.of(acks.get(acks.size() - 1));
        }
    }

    /** The last (up to 100) failures to find or connect to a master, for failure messages. */
    public final List<String> connectErrors() {
        synchronized (lock) {
            return List.copyOf(connectErrors);
        }
    }

    /** How many times the client asked the Sentinels for the master's address. */
    public final int sentinelQueries() {
        return sentinelQueries.get();
    }

    /** The longest gap between two consecutive acknowledgements: the longest write pause the application saw. */
    public final Pause longestPause() {
        List<Ack> all = acks();
        Pause longest = Pause.NONE;
        for (int i = 1; i < all.size(); i++) {
            long gap = all.get(i).atNanos() - all.get(i - 1).atNanos();
            if (gap > longest.length().toNanos()) {
                longest = new Pause(Duration.ofNanos(gap), all.get(i - 1), all.get(i));
            }
        }
        return longest;
    }

    /**
     * Waits until {@code count} more writes than now have been acknowledged by {@code address}; throws, saying
     * what it waited for and what the client saw, after {@code timeout}.
     */
    public final void awaitAcksOn(HostPort address, int count, Duration timeout) {
        long already = acks().stream().filter(a -> a.address().equals(address)).count();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acks().stream().filter(a -> a.address().equals(address)).count() < already + count) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(name + ": not " + count + " more writes acknowledged by " + address
                        + " within " + timeout + "; " + summary());
            }
            pause(Duration.ofMillis(20));
        }
    }

    /** One line: counts, last acknowledgement, last failure and connect error. */
    public String summary() {
        List<Failure> f = failures();
        List<String> ce = connectErrors();
        return name + ": attempted " + attempted() + ", acked " + acks().size() + ", failed " + f.size()
                + ", last ack " + lastAck().map(a -> a.n() + "@" + a.address()).orElse("none")
                + ", last failure " + (f.isEmpty() ? "none" : f.get(f.size() - 1))
                + ", last connect error " + (ce.isEmpty() ? "none" : ce.get(ce.size() - 1))
                + ", Sentinel queries " + sentinelQueries();
    }

    @Override
    public String toString() {
        return summary();
    }
}
