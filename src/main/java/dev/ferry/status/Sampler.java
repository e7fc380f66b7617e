package dev.ferry.status;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the run once a second: works out its rates from the change since the last reading (what {@code /status}
 * reports), and every {@value History#INTERVAL_SECONDS} s adds a sample to the history. One thread does this, so a
 * request only reads what the last tick left.
 */
final class Sampler {
    /** Rates from the last two readings: writes the target confirmed per second, and per shard what was read. */
    record Rates(double writeRate, double keysReadRate, Map<String, double[]> shards) {
        static final Rates NONE = new Rates(0, 0, Map.of());

        /** {commands/s, bytes/s, snapshot bytes/s} read from shard {@code name}, zeros when not yet known. */
        double[] of(String name) {
            return shards.getOrDefault(name, new double[3]);
        }
    }

    private final RunView view;
    private final History history;
    private long lastNanos = -1;
    private long lastWrites;
    private long lastKeysRead;
    private Map<String, long[]> lastShards = new HashMap<>();
    private long ticks;
    private volatile Rates rates = Rates.NONE;

    Sampler(RunView view, History history) {
        this.view = view;
        this.history = history;
    }

    Rates rates() {
        return rates;
    }

    synchronized void tick() {
        long now = System.nanoTime();
        var w = view.writer();
        long writes = w == null ? 0 : w.keysWritten() + w.commandsApplied();
        long keysRead = view.stats().keysRead.sum();
        List<ShardState> shards = view.shards();
        Map<String, long[]> counts = new HashMap<>();
        for (ShardState s : shards) counts.put(s.name(), new long[] {s.commandsRead(), s.bytesRead(), s.snapshotBytesRead()});
        if (lastNanos >= 0) {
            double secs = Math.max((now - lastNanos) / 1e9, 1e-3);
            Map<String, double[]> per = new HashMap<>();
            for (Map.Entry<String, long[]> e : counts.entrySet()) {
                long[] before = lastShards.get(e.getKey());
                if (before == null) continue;
                long[] c = e.getValue();
                per.put(e.getKey(), new double[] {Math.max(0, c[0] - before[0]) / secs, Math.max(0, c[1] - before[1]) / secs,
                        Math.max(0, c[2] - before[2]) / secs});
            }
            rates = new Rates(Math.max(0, writes - lastWrites) / secs, Math.max(0, keysRead - lastKeysRead) / secs, per);
        }
        lastNanos = now;
        lastWrites = writes;
        lastKeysRead = keysRead;
        lastShards = counts;
        if (ticks++ % History.INTERVAL_SECONDS == 0) {
            Rates r = rates;
            List<History.ShardSample> ss = new ArrayList<>();
            for (ShardState s : shards) {
                double[] sr = r.of(s.name());
                ss.add(new History.ShardSample(s.name(), s.lagSeconds(), s.lagBytes(), s.lagRecords(), sr[0], sr[1]));
            }
            history.add(new History.Sample(System.currentTimeMillis(), w == null ? 0 : w.keysWritten(),
                    w == null ? 0 : w.commandsApplied(), r.writeRate(), ss));
        }
    }
}
