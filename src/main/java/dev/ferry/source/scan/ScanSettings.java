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
 * @param outageLimitMillis how long a source read or the keyspace subscription retries a lost source before the run
 *                          stops ({@code --source-reconnect-timeout})
 */
public record ScanSettings(boolean live, int batchSize, boolean setNotifyConfig, int queueLimit, boolean forceTypeReads,
                           long outageLimitMillis) {

    public ScanSettings {
        if (batchSize < 1) throw new IllegalArgumentException("scan batch size must be at least 1");
        if (queueLimit < 1) throw new IllegalArgumentException("scan queue limit must be at least 1");
    }

    public static ScanSettings defaults() {
        return new ScanSettings(false, 500, false, 100_000, false, dev.ferry.source.SourceOutage.DEFAULT_MILLIS);
    }

    public ScanSettings withLive(boolean on) {
        return new ScanSettings(on, batchSize, setNotifyConfig, queueLimit, forceTypeReads, outageLimitMillis);
    }

    public ScanSettings withSetNotifyConfig(boolean on) {
        return new ScanSettings(live, batchSize, on, queueLimit, forceTypeReads, outageLimitMillis);
    }

    public ScanSettings withBatchSize(int n) {
        return new ScanSettings(live, n, setNotifyConfig, queueLimit, forceTypeReads, outageLimitMillis);
    }

    public ScanSettings withQueueLimit(int n) {
        return new ScanSettings(live, batchSize, setNotifyConfig, n, forceTypeReads, outageLimitMillis);
    }

    public ScanSettings withForceTypeReads(boolean on) {
        return new ScanSettings(live, batchSize, setNotifyConfig, queueLimit, on, outageLimitMillis);
    }

    public ScanSettings withOutageLimitMillis(long ms) {
        return new ScanSettings(live, batchSize, setNotifyConfig, queueLimit, forceTypeReads, ms);
    }
}
