package dev.ferry.cli;

import dev.ferry.pipeline.ImportJob;
import dev.ferry.pipeline.ReplicateJob;
import dev.ferry.pipeline.RunStats;
import dev.ferry.record.FileOffset;
import dev.ferry.source.ShardProgress;
import dev.ferry.status.RunView;
import dev.ferry.status.ShardState;
import dev.ferry.verify.VerifyJob;
import dev.ferry.writer.WriterLoad;
import java.util.ArrayList;
import java.util.List;

/** How the status endpoint reads each command's job: a {@link RunView} over its public counters. */
final class RunViews {
    private RunViews() {
    }

    static RunView replicate(ReplicateJob job) {
        return new RunView() {
            @Override public String command() { return "replicate"; }
            @Override public String source() { return job.settings().source().redacted(); }
            @Override public String target() { return job.settings().target().redacted(); }

            @Override public String phase() {
                if (job.cutOver()) return "cut over";
                if (job.stopping()) return "stopping";
                if (job.shards().isEmpty()) return "starting";
                return job.snapshotDone() ? (job.settings().live() ? "live" : "stopping") : "snapshot";
            }

            @Override public List<ShardState> shards() {
                List<ShardProgress> ps = job.shards();
                boolean done = job.snapshotDone();
                List<ShardState> out = new ArrayList<>(ps.size());
                for (int i = 0; i < ps.size(); i++) out.add(ShardState.of(ps.get(i), job.confirmed(i), done));
                return out;
            }

            @Override public RunStats stats() { return job.stats(); }
            @Override public WriterLoad writer() { return job.writerLoad(); }
            @Override public String checkpointPrefix() { return job.checkpointPrefix(); }
            @Override public long checkpointWrittenAt() { return job.checkpointWrittenAt(); }
            @Override public long checkpointCurrentAt() { return job.checkpointCurrentAt(); }
        };
    }

    static RunView importing(ImportJob job, java.nio.file.Path file, String target) {
        return new RunView() {
            @Override public String command() { return "import"; }
            @Override public String source() { return file.toString(); }
            @Override public String target() { return target; }
            @Override public String phase() { return job.stopping() ? "stopping" : "snapshot"; }

            @Override public List<ShardState> shards() {
                long read = job.bytesRead();
                long confirmed = job.confirmedOffset();
                // the file is the one shard: read up to bytesRead, confirmed up to the file offset the target took
                return List.of(new ShardState(file.getFileName().toString(), job.stopping() ? "stopped" : "snapshot",
                        confirmed < 0 ? null : new FileOffset(confirmed), "file offset", false, read, job.fileSize(), 0,
                        read, Math.max(0, read - Math.max(0, confirmed)), null, 0, 0, 0, null));
            }

            @Override public RunStats stats() { return job.stats(); }
            @Override public WriterLoad writer() { return job.writerLoad(); }
            @Override public String checkpointPrefix() { return job.checkpointPrefix(); }
            @Override public long checkpointWrittenAt() { return job.checkpointWrittenAt(); }
            @Override public long checkpointCurrentAt() { return job.checkpointCurrentAt(); }
        };
    }

    static RunView verify(VerifyJob job, VerifyJob.Settings s) {
        RunStats none = new RunStats();
        return new RunView() {
            @Override public String command() { return "verify"; }
            @Override public String source() { return s.source().redacted(); }
            @Override public String target() { return s.target().redacted(); }
            @Override public String phase() { return "verifying"; }
            @Override public List<ShardState> shards() { return List.of(); }
            @Override public RunStats stats() { return none; }
            @Override public WriterLoad writer() { return null; }

            @Override public VerifyState verify() {
                return new VerifyState(job.round(), s.rounds(), job.sourceKeysChecked(), job.targetKeysChecked(), job.candidates());
            }
        };
    }
}
