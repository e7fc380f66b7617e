package dev.ferry.source;

import dev.ferry.record.Confirmation;
import dev.ferry.record.Position;

/**
 * What one source shard did, once stopped: its positions (null when none) and how often its link to the source
 * had to be restored.
 *
 * @param committed    every record up to it answered by the target, refused ones included
 * @param confirmed    every write up to it on the target (before the first refused one)
 * @param reconnects   source connections restored
 * @param partialSyncs resumed from where the target stood
 * @param fullSyncs    full copies (the first one included)
 * @param spoolPeakDiskBytes the most source bytes spilled to disk while the target was behind
 */
public record ShardSummary(String name, ShardProgress.Phase phase, Position committed, Position confirmed,
                           long reconnects, long partialSyncs, long fullSyncs, long spoolPeakDiskBytes) {
    /** A shard's summary from the last confirmation its sink pushed (null: nothing answered yet). */
    public static ShardSummary of(ShardProgress progress, Confirmation last, long reconnects, long partialSyncs,
                                  long fullSyncs, long spoolPeakDiskBytes) {
        return new ShardSummary(progress.name(), progress.phase(), last == null ? null : last.committed(),
                last == null ? null : last.confirmed(), reconnects, partialSyncs, fullSyncs, spoolPeakDiskBytes);
    }
}
