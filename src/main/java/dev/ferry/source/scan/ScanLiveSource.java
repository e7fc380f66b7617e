package dev.ferry.source.scan;

import dev.ferry.source.LiveSource;
import dev.ferry.source.ShardProgress;
import dev.ferry.source.SourceSummary;
import java.util.ArrayList;
import java.util.List;

/** Scan mode as a {@link LiveSource} for {@code ferry replicate --scan}: the copy and the follow-up run on a thread of their own. */
public final class ScanLiveSource implements LiveSource {
    private final ScanSource scan;
    private final Thread thread;
    private volatile boolean snapshotDone;
    private volatile RuntimeException failure;

    public ScanLiveSource(ScanSource scan) {
        this.scan = scan;
        this.thread = new Thread(this::run, "ferry-scan-main");
        this.thread.setDaemon(true);
    }

    private void run() {
        try {
            scan.snapshot();
            if (scan.settings().live()) scan.followLive();
            snapshotDone = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    @Override
    public List<ShardProgress> shards() {
        return scan.shards();
    }

    @Override
    public void start() {
        thread.start();
    }

    @Override
    public boolean snapshotDone() {
        return snapshotDone;
    }

    @Override
    public RuntimeException failure() {
        RuntimeException f = failure;
        return f != null ? f : scan.liveFailure();
    }

    @Override
    public SourceSummary stop() {
        try {
            thread.join();
            if (failure == null) scan.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
        }
        // what --set-notify-config changed goes back now, with the listening stopped (close() does it on other ends)
        List<String> notes = new ArrayList<>(scan.restoreSourceSettings());
        if (scan.settings().live()) notes.add(scan.counters().summary());
        return new SourceSummary(scan.summaries(), notes);
    }

    @Override
    public String caveat() {
        return scan.settings().live() ? ScanSource.WEAKER_THAN_REPLICATION : null;
    }

    @Override
    public void close() {
        scan.close();
    }
}
