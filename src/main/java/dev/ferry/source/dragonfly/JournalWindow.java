package dev.ferry.source.dragonfly;

import dev.ferry.resp.RedisUri;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.Topology;
import dev.ferry.source.redis.ResumeWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The resume window of a Dragonfly master: each shard keeps a ring of its last {@code --shard_repl_backlog_len}
 * journal records (v1.11 to v1.40), and a returning replica resumes a flow ({@code PARTIAL}) only while its next LSN
 * is still in that ring. The busiest shard fills its ring first, so the window is the ring's length over that
 * shard's records per second, sampled from {@code DFLY REPLICAOFFSET} (each shard's LSN) about a second apart.
 * Dragonfly does not report the flag (not in {@code CONFIG GET}) nor change it at runtime, so the length is the
 * version's default, said as an assumption.
 */
public final class JournalWindow {
    private JournalWindow() {
    }

    /** The default ring length of a Dragonfly version, or -1 where the backlog is bounded otherwise or unknown. */
    static long defaultBacklog(String version) {
        String v = version.startsWith("df-") ? version.substring(3) : version;
        if (v.startsWith("v")) v = v.substring(1);
        String[] p = v.split("[.-]");
        try {
            int major = Integer.parseInt(p[0]);
            int minor = Integer.parseInt(p[1]);
            if (major != 1 || minor < 11) return -1;
            return minor <= 35 ? 1024 : minor <= 40 ? 8192 : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The lines for stderr: a warning for {@code --backlog} (it cannot apply), then the window. */
    public static List<String> check(RedisUri uri, long raiseTo) {
        List<String> lines = new ArrayList<>();
        if (raiseTo > 0) {
            lines.add("ferry: warning: --backlog cannot change a Dragonfly master's journal backlog: it is the start "
                    + "flag --shard_repl_backlog_len (journal records per shard), which CONFIG SET does not reach; ask the "
                    + "operator to restart the master with a larger --shard_repl_backlog_len; the run goes on");
        }
        try (RespConnection c = RespConnection.open(uri.first(), uri.connectOptions())) {
            String version = Topology.info(c, "server").getOrDefault("dragonfly_version", "?");
            long[] first = lsns(c);
            long t0 = System.nanoTime();
            sleep(1000);
            long[] second = lsns(c);
            double seconds = (System.nanoTime() - t0) / 1e9;
            lines.add(line(uri.first().toString(), version, defaultBacklog(version), first, second, seconds));
        } catch (dev.ferry.resp.RedisConnectionException e) {
            // the run itself fails on an unreachable or refusing source, and says why
            if (!(e instanceof dev.ferry.resp.RedisPermissionException)) return lines;
            lines.add("resume window: unknown (" + uri.first() + ": " + e.getMessage() + ")");
        } catch (RuntimeException e) {
            lines.add("resume window: unknown (" + uri.first() + ": " + e.getMessage() + ")");
        }
        return lines;
    }

    private static long[] lsns(RespConnection c) {
        Reply r = c.call("DFLY", "REPLICAOFFSET");
        if (r.isError()) throw new IllegalStateException("DFLY REPLICAOFFSET refused: " + r);
        List<Reply> items = r.asList();
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) out[i] = items.get(i).asLong();
        return out;
    }

    static String line(String master, String version, long backlog, long[] first, long[] second, double seconds) {
        long busiest = 0;
        int shard = -1;
        boolean journaling = false;
        for (int i = 0; i < Math.min(first.length, second.length); i++) {
            if (second[i] > 0) journaling = true;
            if (second[i] - first[i] > busiest) {
                busiest = second[i] - first[i];
                shard = i;
            }
        }
        if (backlog < 0) {
            return "resume window: unknown (" + master + " runs Dragonfly " + version + ", whose journal backlog Ferry "
                    + "does not know how to size: up to v1.40 it is --shard_repl_backlog_len records per shard)";
        }
        String ring = String.format(Locale.ROOT, "journal backlog %,d records per shard, the default "
                + "--shard_repl_backlog_len of %s (Dragonfly does not report it)", backlog, version);
        if (!journaling) {
            return "resume window: not measured yet: " + master + " keeps no journal until a replica connects (every "
                    + "shard's LSN is 0); " + ring + ": a restart continues where it stopped while no shard writes more "
                    + "records than that meanwhile";
        }
        if (busiest == 0) {
            return "resume window: unbounded at the current write rate (no writes in 1 s; " + ring + "): a restart "
                    + "continues where it stopped while no shard writes more records than that meanwhile";
        }
        double rate = busiest / seconds;
        long suggest = Long.highestOneBit(Math.max(2 * backlog, (long) Math.ceil(rate * 3600)) - 1) << 1;
        return String.format(Locale.ROOT, "resume window: about %s (%s; %.0f records/s on shard %d of %s): a restart "
                + "within that continues where it stopped; to widen it, restart the master with --shard_repl_backlog_len %d "
                + "(Dragonfly cannot change it at runtime)", ResumeWindow.duration(backlog / rate), ring, rate, shard,
                master, suggest);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
