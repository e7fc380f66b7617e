package dev.ferry.source;

import java.util.function.LongSupplier;

/**
 * How long a source (one master, or a Dragonfly master's session) has been out of reach, against the bound the
 * operator set with {@code --source-reconnect-timeout}. Every loop that reconnects to a source reports each failed
 * attempt here and stops the run once the source has not answered for longer than the bound: a source that never
 * comes back must not leave Ferry retrying, silently behind, for ever. The clock starts at the first failure after
 * the source last answered (its replication handshake went through) and starts again when it answers.
 */
public final class SourceOutage {
    /** The default bound: room for a Sentinel failover or a restart that loads a large dataset. */
    public static final long DEFAULT_MILLIS = 300_000;

    private final String source;
    private final long limitMillis;
    private final LongSupplier clock;
    private long since = -1;

    public SourceOutage(String source, long limitMillis) {
        this(source, limitMillis, System::currentTimeMillis);
    }

    SourceOutage(String source, long limitMillis, LongSupplier clock) {
        this.source = source;
        this.limitMillis = limitMillis;
        this.clock = clock;
    }

    /** The source answered: the next failure starts a new outage. */
    public synchronized void answered() {
        since = -1;
    }

    /**
     * A failed attempt to reach the source ({@code why}). Returns null while the outage is within the bound, else the
     * one line the run stops with.
     */
    public synchronized String failed(String why) {
        long now = clock.getAsLong();
        if (since < 0) since = now;
        if (now - since < limitMillis) return null;
        return source + " has not answered for " + seconds(now - since) + " (last: " + why + "); gave up after"
                + " --source-reconnect-timeout " + seconds(limitMillis) + ". What reached the target up to its confirmed"
                + " position stays; start the same command again once the source is back";
    }

    /** What a retry waits for, for its log line: "up to 4m10s more". */
    public synchronized String remaining() {
        long left = since < 0 ? limitMillis : Math.max(0, limitMillis - (clock.getAsLong() - since));
        return "up to " + seconds(left) + " more";
    }

    static String seconds(long millis) {
        long s = (millis + 999) / 1000;
        return s >= 60 ? (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s") : s + "s";
    }
}
