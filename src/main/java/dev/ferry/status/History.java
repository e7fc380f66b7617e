package dev.ferry.status;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The last 15 minutes of a run, one sample every {@value #INTERVAL_SECONDS} s, for the dashboard's charts. A fixed
 * number of samples (each a few numbers per shard), so its memory is bounded whatever the run's length.
 */
final class History {
    static final int INTERVAL_SECONDS = 2;
    static final int KEEP_SECONDS = 900;
    static final int CAPACITY = KEEP_SECONDS / INTERVAL_SECONDS;

    /** One shard at one moment: its lag and how fast it is read (commands/s and bytes/s). */
    record ShardSample(String name, double lagSeconds, Long lagBytes, Long lagRecords, double readRate,
                       double readBytesRate) {
    }

    /** The run at one moment (epoch ms): totals, the rate the target confirms writes at, and each shard. */
    record Sample(long t, long keysWritten, long commandsApplied, double writeRate, List<ShardSample> shards) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    synchronized void add(Sample s) {
        if (samples.size() == CAPACITY) samples.pollFirst();
        samples.addLast(s);
    }

    /** The samples taken after {@code since} (epoch ms), oldest first. */
    synchronized List<Sample> since(long since) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) if (s.t() > since) out.add(s);
        return out;
    }
}
