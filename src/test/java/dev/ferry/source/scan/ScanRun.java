package dev.ferry.source.scan;

import dev.ferry.pipeline.KeyFilter;
import dev.ferry.pipeline.Outcomes;
import dev.ferry.pipeline.Pipelines;
import dev.ferry.pipeline.RateLimiter;
import dev.ferry.pipeline.RunStats;
import dev.ferry.resp.RedisUri;
import dev.ferry.writer.TargetWriter;
import dev.ferry.writer.WriteListener;
import dev.ferry.writer.WriterOptions;

/** A scan source writing into a target, as the CLI would wire it, closed together. */
final class ScanRun implements AutoCloseable {
    final RunStats stats = new RunStats();
    final TargetWriter writer;
    final ScanSource source;

    ScanRun(String sourceUri, String targetUri, ScanSettings settings) {
        this(sourceUri, targetUri, settings, new KeyFilter(null, null, null, null, null));
    }

    ScanRun(String sourceUri, String targetUri, ScanSettings settings, KeyFilter filter) {
        writer = TargetWriter.open(RedisUri.parse(targetUri), WriterOptions.defaults(), new WriteListener() {
            @Override public void failed(int db, byte[] key, String reason) { stats.failed(db, key, reason); }
            @Override public void skipped(int db, byte[] key, String reason) { stats.skipped(db, key, reason); }
            @Override public void warned(int db, byte[] key, String message) { stats.warned(db, key, message); }
        });
        try {
            // the same pipeline stage replicate --scan uses: filters, db map and rate limit for every key
            Pipelines sinks = new Pipelines(writer, filter, RateLimiter.NONE, stats, Outcomes.of(stats, null),
                    WriterOptions.defaults().batch(), 8L << 20, true, false, null, () -> false);
            source = new ScanSource(RedisUri.parse(sourceUri), sinks, settings);
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
    }

    @Override
    public void close() {
        source.close();
        writer.close();
    }
}
