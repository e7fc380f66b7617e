package dev.ferry.cli;

import dev.ferry.pipeline.RunStats;
import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.record.ScanPosition;
import dev.ferry.source.ShardSummary;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/** The "by reason, with the first keys" lines every summary prints. */
final class SummaryLines {
    private SummaryLines() {
    }

    static void reasons(PrintWriter out, Map<String, RunStats.Reason> reasons) {
        for (Map.Entry<String, RunStats.Reason> e : reasons.entrySet()) {
            RunStats.Reason r = e.getValue();
            out.printf(Locale.ROOT, "    %,d: %s%n", r.count, e.getKey());
            for (String ex : r.examples) out.printf("      %s%n", ex);
            if (r.count > r.examples.size()) out.printf(Locale.ROOT, "      ... and %,d more%n", r.count - r.examples.size());
        }
    }

    /**
     * One shard's line: where the target stands in the source's own terms (a replication offset, a flow's LSN),
     * the answered position next to it where a refused write holds "confirmed" back, and its resyncs.
     */
    static String shard(ShardSummary s) {
        Position committed = s.committed();
        if (committed instanceof ReplicationOffset c) {
            return String.format(Locale.ROOT, "%s: confirmed to offset %s of replication id %s; %,d reconnect(s), %,d partial "
                            + "and %,d full resync(s); spool peak on disk %,d MB", s.name(),
                    to(c.offset(), s.confirmed() instanceof ReplicationOffset f ? f.offset() : -1), c.replid(),
                    s.reconnects(), s.partialSyncs(), s.fullSyncs(), s.spoolPeakDiskBytes() >> 20);
        }
        if (committed instanceof FlowLsn c && !c.isInFullSync()) {
            long confirmed = s.confirmed() instanceof FlowLsn f && !f.isInFullSync() ? f.lsn() : -1;
            return String.format(Locale.ROOT, "%s: confirmed to LSN %s of master %s", s.name(), to(c.lsn(), confirmed), c.master());
        }
        if (committed instanceof ScanPosition || committed == null) {
            return s.name() + ": " + s.phase().name().toLowerCase(Locale.ROOT);
        }
        return s.name() + ": confirmed to " + committed.describe();
    }

    /**
     * An import's line when it continued from an earlier run's confirmed offset, or null: the counts below it are
     * this run's alone.
     */
    static String resumedAt(long offset) {
        return offset < 0 ? null : String.format(Locale.ROOT, "  resumed at    file offset %,d (an earlier run confirmed "
                + "the keys before it; the counts are this run's)", offset);
    }

    /** The confirmed position, and the answered one where a refused write holds "confirmed" back. */
    private static String to(long answered, long confirmed) {
        return confirmed == answered ? String.format(Locale.ROOT, "%,d", answered)
                : String.format(Locale.ROOT, "%,d (answered to %,d: a write after %,d was refused, see failed)",
                        confirmed, answered, confirmed);
    }
}
