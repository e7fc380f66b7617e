package dev.ferry.cli;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.util.UsageException;
import picocli.CommandLine.Option;

/** Where the checkpoints that let a restarted run continue live on the target, and starting over. */
final class CheckpointOptions {
    @Option(names = "--fresh", description = "Start over instead of continuing from the checkpoint an earlier run left on "
            + "the target: removes that checkpoint and, at the full sync, what the earlier run copied (within the dbs Ferry owns).")
    boolean fresh;

    @Option(names = "--checkpoint-prefix", defaultValue = CheckpointKeys.DEFAULT_PREFIX, paramLabel = "PREFIX",
            description = "The key prefix of Ferry's checkpoint hashes on the target (default: ${DEFAULT-VALUE}); verify skips these keys.")
    String prefix;

    @Option(names = "--no-checkpoints", description = "Keep no checkpoint on the target: a restart copies everything again, "
            + "and a lost target connection fails the non-repeatable writes it left unanswered.")
    boolean none;

    /**
     * {@code filter} leaving out Ferry's checkpoint keys: a source that is itself another Ferry run's target holds
     * its checkpoint, which must not overwrite this run's (nor count as data).
     */
    dev.ferry.pipeline.KeyFilter withoutCheckpoints(dev.ferry.pipeline.KeyFilter filter) {
        return filter.excluding(prefix + "*");
    }

    /** The job's settings, or null with --no-checkpoints. */
    ReplicateJob.CheckpointSettings settings() {
        if (none && fresh) throw new UsageException("--fresh starts over from a checkpoint; with --no-checkpoints there is none");
        try {
            new CheckpointKeys(prefix);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--checkpoint-prefix: " + e.getMessage());
        }
        return none ? null : new ReplicateJob.CheckpointSettings(prefix, fresh);
    }
}
