package dev.ferry.pipeline;

import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.RespConnection;
import dev.ferry.server.NodeIdentity;
import dev.ferry.util.UsageException;
import dev.ferry.writer.TargetWriter;
import dev.ferry.server.Topology;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Refuses, before anything is written, a replication whose target feeds back into its source: the same server
 * on both sides (same address or same run_id), or a target that shares the source's replication history (one is
 * the other's replica: same {@code master_replid}, or the source's master is a target node). Each would replay
 * Ferry's own writes into the source forever (one INCR became 75,870).
 */
public final class LoopCheck {
    private LoopCheck() {
    }

    /** Throws {@link UsageException} (a usage error: the command line names servers that cannot work). */
    public static void refuseLoops(RedisUri source, TargetWriter writer) {
        List<NodeIdentity> targets = writer.masterIdentities();
        if (source.kind() == RedisUri.Kind.DRAGONFLY) {
            // the replica handshake must be the first thing a Dragonfly master sees from Ferry, and it refuses a
            // Dragonfly replica as source itself; a Redis target cannot share a Dragonfly's replication, and a
            // Dragonfly target that is the source's replica is refused as a replica: the address is what is left
            for (NodeIdentity t : targets) {
                if (sameAddress(source.first(), t.address())) {
                    throw new UsageException(sameServer(source.first(), t.address(), null));
                }
            }
            return;
        }
        // resolved as the source resolves them, so a failure here reads as the source's own would
        for (HostPort m : Topology.masters(source)) {
            NodeIdentity src;
            try (RespConnection c = RespConnection.open(m, source.connectOptions())) {
                src = NodeIdentity.read(c);
            }
            for (NodeIdentity t : targets) {
                String why = loop(src, t);
                if (why != null) throw new UsageException(why);
            }
        }
    }

    /** Why writing into {@code t} would loop back into {@code s}, or null. */
    static String loop(NodeIdentity s, NodeIdentity t) {
        if (sameAddress(s.address(), t.address()) || (s.runId() != null && s.runId().equals(t.runId()))) {
            return sameServer(s.address(), t.address(), s.runId());
        }
        boolean sourceFollowsTarget = s.master() != null && sameAddress(s.master(), t.address());
        if (sourceFollowsTarget || (s.replId() != null && s.replId().equals(t.replId()))) {
            String how = sourceFollowsTarget || !s.isMaster() ? "the source " + s.address() + " is a replica of the target "
                    + t.address() : "the target " + t.address() + " is a replica of the source " + s.address();
            return how + " (they share replication history, master_replid " + s.replId() + "): Ferry's writes would come "
                    + "back to the source; write into a server that is not part of the source's replication";
        }
        return null;
    }

    private static String sameServer(HostPort source, HostPort target, String runId) {
        return "source " + source + " and target " + target + " are the same server"
                + (runId != null ? " (run_id " + runId + ")" : "")
                + ": Ferry would copy its own writes back into it forever; name two different servers";
    }

    private static boolean sameAddress(HostPort a, HostPort b) {
        if (a.port() != b.port()) return false;
        if (a.host().equalsIgnoreCase(b.host())) return true;
        try {
            InetAddress[] x = InetAddress.getAllByName(a.host());
            InetAddress[] y = InetAddress.getAllByName(b.host());
            for (InetAddress i : x) {
                for (InetAddress j : y) if (Arrays.equals(i.getAddress(), j.getAddress())) return true;
            }
        } catch (UnknownHostException e) {
            return false; // a name that does not resolve was not connected to either
        }
        return false;
    }
}
