package dev.ferry.checkpoint;

import dev.ferry.record.FileOffset;
import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.record.ScanPosition;

/** A position as the checkpoint stores it: a kind word and its fields, space-separated. */
public final class PositionText {
    private PositionText() {
    }

    public static String of(Position p) {
        if (p instanceof ReplicationOffset r) return "repl " + r.replid() + " " + r.offset() + " " + r.db();
        if (p instanceof FlowLsn f) return "flow " + f.master() + " " + f.flow() + " " + f.lsn();
        if (p instanceof FileOffset f) return "file " + f.offset();
        ScanPosition s = (ScanPosition) p;
        return s.isLive() ? "scan live " + s.sequence() : "scan " + s.db() + " " + s.cursor() + " " + s.sequence();
    }

    /** The position {@link #of} wrote, or null for a text it cannot have written. */
    public static Position parse(String text) {
        String[] f = text.split(" ");
        try {
            switch (f[0]) {
                case "repl":
                    return f.length == 4 ? new ReplicationOffset(f[1], Long.parseLong(f[2]), Integer.parseInt(f[3])) : null;
                case "flow":
                    return f.length == 4 ? new FlowLsn(f[1], Integer.parseInt(f[2]), Long.parseLong(f[3])) : null;
                case "file":
                    return f.length == 2 ? new FileOffset(Long.parseLong(f[1])) : null;
                case "scan":
                    if (f.length == 3 && f[1].equals("live")) return ScanPosition.live(Long.parseLong(f[2]));
                    return f.length == 4 ? new ScanPosition(Integer.parseInt(f[1]), f[2], Long.parseLong(f[3])) : null;
                default:
                    return null;
            }
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
