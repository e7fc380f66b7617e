package dev.ferry.testkit.app;

import dev.ferry.resp.RedisUri.HostPort;
import java.util.List;

/**
 * The redis-py / go-redis way of following a Sentinel-managed master: ask a Sentinel for the master's address at
 * the start and again after every error (connection refused or reset, READONLY, LOADING, a read timeout), then
 * reconnect there. It never listens to Sentinel events, so it keeps writing to an old master for as long as that
 * server accepts writes.
 */
public final class ReaskingAppClient extends SentinelAppClient {

    /** Only the writer thread reads or sets it. */
    private HostPort current;

    public ReaskingAppClient(List<HostPort> sentinels, String masterName, String prefix) {
        super("reasking-" + prefix, sentinels, masterName, prefix);
    }

    @Override
    protected void beforeStart() {
        // the writer asks on its first write: nothing to prepare
    }

    @Override
    protected HostPort addressForNextWrite(boolean afterFailure) {
        if (current == null || afterFailure) {
            current = askSentinels();
        }
        return current;
    }

    @Override
    protected void afterStop() {
        // nothing held besides the writer's connection
    }
}
