package dev.ferry.source.scan;

import dev.ferry.source.LiveSource;
import dev.ferry.source.ShardProgress;
import java.util.ArrayList;
import java.util.List;

/** Scan mode as a {@link LiveSource} for {@code ferry replicate --scan}: the copy and the follow-up run on a thread of their own. */
public final class ScanLiveSource implements LiveSource {
    private final ScanSource scan;
    private final Thread thread;
    private volatile boolean snapshotDone;
    private volatile String failure;

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
            failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
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
    public String failure() {
        return failure;
    }

    @Override
    public List<String> stop() {
        try {
            thread.join();
            if (failure == null) scan.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (failure == null) failure = e.getMessage();
        }
        List<String> lines = new ArrayList<>();
        // what --set-notify-config changed goes back now, with the listening stopped (close() does it on other ends)
        for (String l : scan.restoreSourceSettings()) lines.add(l);
        for (ShardProgress p : scan.shards()) lines.add(p.name() + ": " + p.phase().name().toLowerCase(java.util.Locale.ROOT));
        if (scan.settings().live()) lines.add(scan.counters().summary());
        return lines;
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
