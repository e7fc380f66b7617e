package dev.ferry.pipeline;

import dev.ferry.util.KeyNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a run has done so far, read by the progress display while the run goes on and printed as the
 * final summary: keys read, written, skipped (by reason, with the first few keys of each), failed.
 */
public final class RunStats {
    private static final int EXAMPLES_PER_REASON = 10;

    public final LongAdder keysRead = new LongAdder();
    public final LongAdder filtered = new LongAdder();
    /** Keys the snapshots said they hold (their RDB's RESIZEDB sizes), for the status' progress: 0 when none said. */
    public final LongAdder keysAnnounced = new LongAdder();
    private final Map<String, Reason> skipped = new LinkedHashMap<>();
    private final Map<String, Reason> failed = new LinkedHashMap<>();
    private final Map<String, Reason> warned = new LinkedHashMap<>();
    private final long startNanos = System.nanoTime();

    /** Counts under a reason, keeping the first keys as examples. */
    public static final class Reason {
        public long count;
        public final List<String> examples = new ArrayList<>();
    }

    public synchronized void skipped(int db, byte[] key, String reason) {
        add(skipped, db, key, reason);
    }

    public synchronized void failed(int db, byte[] key, String reason) {
        add(failed, db, key, reason);
    }

    public synchronized void warned(int db, byte[] key, String message) {
        add(warned, db, key, message);
    }

    public synchronized Map<String, Reason> warnedByReason() {
        return copy(warned);
    }

    /** A copy to read while the run goes on adding (the status endpoint reads these from its own thread). */
    private static Map<String, Reason> copy(Map<String, Reason> map) {
        Map<String, Reason> out = new LinkedHashMap<>();
        map.forEach((reason, r) -> {
            Reason c = new Reason();
            c.count = r.count;
            c.examples.addAll(r.examples);
            out.put(reason, c);
        });
        return out;
    }

    private static void add(Map<String, Reason> map, int db, byte[] key, String reason) {
        Reason r = map.computeIfAbsent(reason, k -> new Reason());
        r.count++;
        if (r.examples.size() < EXAMPLES_PER_REASON) r.examples.add("db " + db + " " + KeyNames.quote(key));
    }

    public synchronized Map<String, Reason> skippedByReason() {
        return copy(skipped);
    }

    public synchronized Map<String, Reason> failedByReason() {
        return copy(failed);
    }

    public synchronized long skippedCount() {
        return skipped.values().stream().mapToLong(r -> r.count).sum();
    }

    public synchronized long failedCount() {
        return failed.values().stream().mapToLong(r -> r.count).sum();
    }

    public double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
