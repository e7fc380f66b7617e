package dev.ferry.source.redis;

import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.Topology;
import dev.ferry.util.ByteSize;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How long Ferry may be down before a restart needs a full sync: a Redis master keeps the last
 * {@code repl-backlog-size} bytes of its replication stream, so a replica that returns while the writes made
 * meanwhile still fit continues with {@code PSYNC}; past that, everything is copied again. The window is that size
 * over the stream's rate, sampled from {@code master_repl_offset} on every master at once over about a second.
 * {@code --backlog} raises the size first, where the master lets Ferry ({@code CONFIG SET}).
 */
public final class ResumeWindow {
    /** How long the write rate is sampled: long enough to see a steady writer, short enough not to delay a start. */
    static final long SAMPLE_MILLIS = 1000;
    /** A suggested backlog holds this long of writes at the measured rate. */
    static final double SUGGEST_SECONDS = 3600;

    /**
     * What one master told. {@code backlogBytes} is -1 when unknown; {@code backlogActive} false when the master
     * keeps no backlog yet (no replica ever connected: it then counts no offset either); {@code unknown} says why
     * nothing could be read, else null.
     */
    record Sample(String master, long backlogBytes, boolean backlogActive, long bytesWritten, long nanos, String unknown) {
        static Sample unknown(String master, String why) {
            return new Sample(master, -1, false, 0, 0, why);
        }

        double bytesPerSecond() {
            return nanos <= 0 ? 0 : bytesWritten * 1e9 / nanos;
        }

        /** Seconds until the writes fill the backlog; infinite with no writes. */
        double windowSeconds() {
            return bytesWritten <= 0 ? Double.POSITIVE_INFINITY : backlogBytes / bytesPerSecond();
        }
    }

    private ResumeWindow() {
    }

    /**
     * Raises every master's {@code repl-backlog-size} to {@code raiseTo} bytes where smaller (0: leave it), then
     * samples the write rate. Returns the lines for stderr: the notes and warnings of raising, then the window. Never
     * throws: a master that refuses INFO gets an unknown window; a source that cannot be reached, or that the replica
     * source refuses (a cluster node or Dragonfly behind {@code redis://}), gets no line, as the run says why it ends.
     */
    public static List<String> check(RedisUri uri, long raiseTo) {
        List<String> lines = new ArrayList<>();
        List<HostPort> masters;
        List<RespConnection> conns = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        try {
            masters = Topology.masters(uri);
            for (HostPort h : masters) conns.add(RespConnection.open(h, uri.connectOptions()));
            if (uri.kind() == RedisUri.Kind.REDIS && !replicatedAsGiven(conns.get(0))) return lines;
        } catch (RuntimeException e) {
            // a source that cannot be reached or listed fails the run itself, which says why in its one line
            for (RespConnection c : conns) c.close();
            return lines;
        }
        try {
            long[] first = new long[masters.size()];
            long[] firstAt = new long[masters.size()];
            long[] backlog = new long[masters.size()];
            for (int i = 0; i < masters.size(); i++) {
                HostPort h = masters.get(i);
                RespConnection c = conns.get(i);
                try {
                    if (raiseTo > 0) raise(c, h, raiseTo, masters.size(), lines);
                    Map<String, String> info = replicationInfo(c);
                    backlog[i] = backlogSize(c, info);
                    if (!"0".equals(info.get("repl_backlog_active"))) {
                        first[i] = Long.parseLong(info.get("master_repl_offset"));
                        firstAt[i] = System.nanoTime();
                    } else {
                        first[i] = -1; // the offset stands still until a replica makes the master keep a backlog
                    }
                } catch (RuntimeException e) {
                    first[i] = -2;
                    samples.add(Sample.unknown(h.toString(), why(e)));
                }
            }
            sleep(SAMPLE_MILLIS);
            for (int i = 0; i < masters.size(); i++) {
                if (first[i] == -2) continue;
                String name = masters.get(i).toString();
                try {
                    if (first[i] == -1) {
                        samples.add(new Sample(name, backlog[i], false, 0, 0, null));
                        continue;
                    }
                    long second = Long.parseLong(replicationInfo(conns.get(i)).get("master_repl_offset"));
                    samples.add(new Sample(name, backlog[i], true, second - first[i], System.nanoTime() - firstAt[i], null));
                } catch (RuntimeException e) {
                    samples.add(Sample.unknown(name, why(e)));
                }
            }
        } finally {
            for (RespConnection c : conns) c.close();
        }
        lines.add(line(samples));
        return lines;
    }

    /**
     * False for what a {@code redis://} source refuses before following it (a cluster node, a Dragonfly server):
     * the run says what to use instead, and a window line before that would only be noise. True when INFO server
     * is refused: INFO replication then says why.
     */
    private static boolean replicatedAsGiven(RespConnection c) {
        Reply r = c.call("INFO", "server");
        if (r.isError()) return true;
        Map<String, String> server = Topology.parseInfo(r.asText());
        return !server.containsKey("dragonfly_version") && !"cluster".equals(server.get("redis_mode"));
    }

    /** INFO replication; a master whose INFO lacks the offset is treated as refusing it. */
    private static Map<String, String> replicationInfo(RespConnection c) {
        Map<String, String> info = Topology.info(c, "replication");
        if (!info.containsKey("master_repl_offset")) throw new RedisConnectionException("INFO replication has no master_repl_offset");
        if (!"master".equals(info.getOrDefault("role", "master"))) {
            throw new RedisConnectionException("it is a replica now, not a master");
        }
        return info;
    }

    /** From INFO (Redis 4+ prints it always), else CONFIG GET; -1 when neither tells. */
    private static long backlogSize(RespConnection c, Map<String, String> info) {
        String s = info.get("repl_backlog_size");
        if (s != null) return Long.parseLong(s);
        Reply r = c.call("CONFIG", "GET", "repl-backlog-size");
        if (!r.isError() && r.asList().size() == 2) return Long.parseLong(r.asList().get(1).asText());
        throw new RedisConnectionException("neither INFO replication nor CONFIG GET tells repl-backlog-size");
    }

    /** Only ever raises: a larger backlog someone set on purpose is left alone. */
    private static void raise(RespConnection c, HostPort h, long want, int masters, List<String> lines) {
        long current;
        try {
            current = backlogSize(c, Topology.info(c, "replication"));
        } catch (RuntimeException e) {
            current = -1;
        }
        if (current >= want) {
            lines.add("repl-backlog-size on " + h + " is already " + ByteSize.human(current) + ", at least --backlog "
                    + ByteSize.human(want) + ": left as it is");
            return;
        }
        Reply r = c.call("CONFIG", "SET", "repl-backlog-size", Long.toString(want));
        if (r.isError()) {
            lines.add("ferry: warning: could not raise repl-backlog-size on " + h + " to " + ByteSize.human(want)
                    + " (CONFIG SET refused: " + r + "); the run goes on with " + (current < 0 ? "the current size"
                    : ByteSize.human(current)) + ": ask the operator to set repl-backlog-size " + ByteSize.configForm(want)
                    + (masters > 1 ? " on each source master" : "") + " (CONFIG SET, redis.conf, or a managed service's "
                    + "parameter settings), or a user with +config|set for Ferry");
        } else {
            // a change to a server's settings is said, not done silently
            lines.add("repl-backlog-size on " + h + " raised " + (current < 0 ? "" : "from " + ByteSize.human(current) + " ")
                    + "to " + ByteSize.human(want) + " (--backlog; a restart of the master forgets it unless CONFIG "
                    + "REWRITE or its config file keeps it)");
        }
    }

    /** The one line for all masters: the smallest window, naming its master. */
    static String line(List<Sample> samples) {
        if (samples.isEmpty()) return "resume window: unknown (no source master found)";
        boolean several = samples.size() > 1;
        for (Sample s : samples) {
            if (s.unknown() != null) {
                return "resume window: unknown (" + s.master() + ": " + s.unknown() + "): a restart continues where it "
                        + "stopped only while the master's repl-backlog-size still holds the writes made meanwhile";
            }
        }
        for (Sample s : samples) {
            if (!s.backlogActive()) {
                return "resume window: not measured yet: " + s.master() + " keeps no replication backlog until a replica "
                        + "connects, and counts no writes before that; it creates one of " + ByteSize.human(s.backlogBytes())
                        + " (repl-backlog-size) when Ferry connects: a restart continues where it stopped while fewer "
                        + "than " + ByteSize.human(s.backlogBytes()) + " of writes happen meanwhile";
            }
        }
        Sample min = samples.stream().min(Comparator.comparingDouble(Sample::windowSeconds)).orElseThrow();
        if (Double.isInfinite(min.windowSeconds())) {
            Sample smallest = samples.stream().min(Comparator.comparingLong(Sample::backlogBytes)).orElseThrow();
            return String.format(Locale.ROOT, "resume window: unbounded at the current write rate (no writes in %d s; "
                    + "repl-backlog-size %s%s): a restart continues where it stopped while fewer than %s of writes "
                    + "happen meanwhile", SAMPLE_MILLIS / 1000, ByteSize.human(smallest.backlogBytes()),
                    several ? " on " + smallest.master() : "", ByteSize.human(smallest.backlogBytes()));
        }
        String size = ByteSize.configForm(suggested(min.backlogBytes(), min.bytesPerSecond()));
        return "resume window: about " + duration(min.windowSeconds()) + " (repl-backlog-size "
                + ByteSize.human(min.backlogBytes()) + ", " + ByteSize.human(min.bytesPerSecond()) + "/s of writes on "
                + min.master() + "): a restart within that continues where it stopped; to widen it: CONFIG SET "
                + "repl-backlog-size " + size + (several ? " on each source master" : " on the source") + " (or --backlog "
                + size + ")";
    }

    /**
     * A backlog for {@link #SUGGEST_SECONDS} of writes at {@code bytesPerSecond}, and at least twice {@code current}:
     * a power of two MB, as operators write it.
     */
    static long suggested(long current, double bytesPerSecond) {
        double want = Math.max(2.0 * current, bytesPerSecond * SUGGEST_SECONDS);
        long mb = 1;
        while (mb * (1L << 20) < want && mb < (1L << 40)) mb <<= 1;
        return mb << 20;
    }

    /** "about 40 s", "14 min", "3.5 h", "12 days": the scale a person plans a restart in. */
    public static String duration(double seconds) {
        if (seconds < 90) return Math.max(1, Math.round(seconds)) + " s";
        if (seconds < 90 * 60) return Math.round(seconds / 60) + " min";
        if (seconds < 10 * 3600) return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
        if (seconds < 72 * 3600) return Math.round(seconds / 3600) + " h";
        return Math.round(seconds / 86400) + " days";
    }

    /** Why a master could not be read, in a line; a NOPERM says which right the user lacks. */
    private static String why(RuntimeException e) {
        if (e instanceof dev.ferry.resp.RedisPermissionException) return "INFO replication refused: the user needs +info";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
