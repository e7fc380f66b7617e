package dev.ferry.status;

import dev.ferry.pipeline.RunStats;
import dev.ferry.writer.WriterLoad;
import java.util.List;

/**
 * What the status endpoint reads from a running command. Each read is of counters the run keeps anyway
 * (volatile fields and adders): answering a request or a scrape never waits for the run, nor the run for it.
 */
public interface RunView {
    /** replicate, import or verify. */
    String command();

    /** The source as an operator would name it, never with a password. */
    String source();

    String target();

    /** starting, snapshot, live, stopping, cut over, verifying; the command sets done/failed at its end. */
    String phase();

    List<ShardState> shards();

    RunStats stats();

    /** The writer's totals, nodes and errors, or null while the target is not open yet (and for verify). */
    WriterLoad writer();

    /** The checkpoint's key prefix on the target, or null when the run keeps none. */
    default String checkpointPrefix() {
        return null;
    }

    /** When the target last took the checkpoint (epoch ms), or -1. */
    default long checkpointWrittenAt() {
        return -1;
    }

    /** When the checkpoint was last known current: written, or nothing new to write (epoch ms), or -1. */
    default long checkpointCurrentAt() {
        return -1;
    }

    /** A verify's progress, or null for the other commands. */
    default VerifyState verify() {
        return null;
    }

    /** A running verify: its round, and the keys it checked on each side and still holds as candidates. */
    record VerifyState(int round, int rounds, long sourceKeysChecked, long targetKeysChecked, long candidates) {
    }
}
