package dev.ferry.source.scan;

/**
 * How {@link ScanSource} reads a source that refuses PSYNC.
 *
 * @param live              follow changes through keyspace notifications after the snapshot
 * @param batchSize         keys per SCAN call and per pipelined DUMP round trip; elements per type-read chunk
 * @param setNotifyConfig   turn on the notify-keyspace-events flags live mode needs, instead of stopping
 * @param queueLimit        distinct keys waiting to be re-read per source master; events beyond it are dropped
 *                          (counted, reported, and followed by a repair re-scan)
 * @param maxKeysPerSecond  read at most this many keys per second per master (0: no limit), to spare the source
 * @param forceTypeReads    read values with GET/HSCAN/LRANGE... even where DUMP works (tests, odd proxies)
 */
public record ScanSettings(boolean live, int batchSize, boolean setNotifyConfig, int queueLimit,
                           long maxKeysPerSecond, boolean forceTypeReads) {

    public ScanSettings {
        if (batchSize < 1) throw new IllegalArgumentException("scan batch size must be at least 1");
        if (queueLimit < 1) throw new IllegalArgumentException("scan queue limit must be at least 1");
        if (maxKeysPerSecond < 0) throw new IllegalArgumentException("scan rate limit cannot be negative");
    }

    public static ScanSettings defaults() {
        return new ScanSettings(false, 500, false, 100_000, 0, false);
    }

    public ScanSettings withLive(boolean on) {
        return new ScanSettings(on, batchSize, setNotifyConfig, queueLimit, maxKeysPerSecond, forceTypeReads);
    }

    public ScanSettings withSetNotifyConfig(boolean on) {
        return new ScanSettings(live, batchSize, on, queueLimit, maxKeysPerSecond, forceTypeReads);
    }

    public ScanSettings withBatchSize(int n) {
        return new ScanSettings(live, n, setNotifyConfig, queueLimit, maxKeysPerSecond, forceTypeReads);
    }

    public ScanSettings withQueueLimit(int n) {
        return new ScanSettings(live, batchSize, setNotifyConfig, n, maxKeysPerSecond, forceTypeReads);
    }

    public ScanSettings withMaxKeysPerSecond(long n) {
        return new ScanSettings(live, batchSize, setNotifyConfig, queueLimit, n, forceTypeReads);
    }

    public ScanSettings withForceTypeReads(boolean on) {
        return new ScanSettings(live, batchSize, setNotifyConfig, queueLimit, maxKeysPerSecond, on);
    }
}
