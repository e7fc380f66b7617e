package dev.ferry.source.scan;

/**
 * How {@link ScanSource} reads a source that refuses PSYNC. The rate limit is not here: scan mode's keys go
 * through the same pipeline stage as every source's ({@code --rate-limit}, keys or bytes per second).
 *
 * @param live              follow changes through keyspace notifications after the snapshot
 * @param batchSize         keys per SCAN call and per pipelined DUMP round trip; elements per type-read chunk
 * @param setNotifyConfig   turn on the notify-keyspace-events flags live mode needs, instead of stopping
 * @param queueLimit        distinct keys waiting to be re-read per source master; events beyond it are dropped
 *                          (counted, reported, and followed by a repair re-scan)
 * @param forceTypeReads    read values with GET/HSCAN/LRANGE... even where DUMP works (tests, odd proxies)
 */
public record ScanSettings(boolean live, int batchSize, boolean setNotifyConfig, int queueLimit, boolean forceTypeReads) {

    public ScanSettings {
        if (batchSize < 1) throw new IllegalArgumentException("scan batch size must be at least 1");
        if (queueLimit < 1) throw new IllegalArgumentException("scan queue limit must be at least 1");
    }

    public static ScanSettings defaults() {
        return new ScanSettings(false, 500, false, 100_000, false);
    }

    public ScanSettings withLive(boolean on) {
        return new ScanSettings(on, batchSize, setNotifyConfig, queueLimit, forceTypeReads);
    }

    public ScanSettings withSetNotifyConfig(boolean on) {
        return new ScanSettings(live, batchSize, on, queueLimit, forceTypeReads);
    }

    public ScanSettings withBatchSize(int n) {
        return new ScanSettings(live, n, setNotifyConfig, queueLimit, forceTypeReads);
    }

    public ScanSettings withQueueLimit(int n) {
        return new ScanSettings(live, batchSize, setNotifyConfig, n, forceTypeReads);
    }

    public ScanSettings withForceTypeReads(boolean on) {
        return new ScanSettings(live, batchSize, setNotifyConfig, queueLimit, on);
    }
}
