package dev.ferry.cli;

import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.checkpoint.RunIdentity;
import dev.ferry.checkpoint.SavedCheckpoint;
import dev.ferry.resp.RedisUri;
import dev.ferry.util.UsageException;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import dev.ferry.writer.WriterOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "forget", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Remove Ferry's checkpoint from a target (the copied data stays): a later replicate or import then "
                + "starts over instead of continuing, and the target holds no key of Ferry's own.")
final class ForgetCommand implements Callable<Integer> {
    @Option(names = "--target", required = true, paramLabel = "URI", description = CommonOptions.URIS)
    String target;

    @Option(names = "--checkpoint-prefix", defaultValue = CheckpointKeys.DEFAULT_PREFIX, paramLabel = "PREFIX",
            description = "The key prefix of the checkpoint hashes (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CheckpointKeys keys;
        try {
            keys = new CheckpointKeys(prefix);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--checkpoint-prefix: " + e.getMessage());
        }
        RedisUri uri = RedisUri.parse(target);
        PrintWriter out = spec.commandLine().getOut();
        WriterOptions options = new WriterOptions(1, 1, 1, true, false, false, WriterOptions.Mode.AUTO, 30_000);
        try (TargetWriter w = TargetWriter.open(uri, options, WriteListener.NONE)) {
            TreeSet<Integer> dbs = new TreeSet<>(List.of(0));
            SavedCheckpoint first = SavedCheckpoint.of(w.readCheckpoints(keys, dbs));
            RunIdentity id = first.identity();
            if (id != null && !w.info().cluster()) dbs.addAll(id.written());
            int hashes = w.readCheckpoints(keys, dbs).size();
            if (hashes == 0) {
                out.println("no checkpoint under " + prefix + " on " + uri.redacted() + ": nothing to forget");
                return 0;
            }
            w.deleteCheckpoints(keys, dbs);
            out.println("forgot Ferry's checkpoint on " + uri.redacted() + (id == null ? "" : " (`ferry " + id.kind()
                    + "` from " + id.source() + ")") + ": " + hashes + " hash(es) under " + prefix + " removed; the copied "
                    + "data stays, and the next run copies everything again");
            return 0;
        }
    }
}
