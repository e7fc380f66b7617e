package dev.ferry.testkit;

import java.util.function.Consumer;

/**
 * JUnit 5 extension giving a test class one {@link RedisSentinelSetup} (master + replica + 3 Sentinels):
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisSentinelExtension sentinel = new RedisSentinelExtension(b -> b.masterName("ferry"));
 *
 * @Test void t() { String uri = sentinel.get().uri(); }
 * }</pre>
 */
public final class RedisSentinelExtension extends RedisExtensionSupport<RedisSentinelSetup> {

    private final Consumer<RedisSentinelSetup.Builder> config;

    public RedisSentinelExtension() {
        this(b -> { });
    }

    public RedisSentinelExtension(Consumer<RedisSentinelSetup.Builder> config) {
        this.config = config;
    }

    /** FLUSHALL on the current master (and WAIT for the replica) before each test. */
    public RedisSentinelExtension flushBeforeEach() {
        enableFlushBeforeEach();
        return this;
    }

    @Override
    protected RedisSentinelSetup create() {
        RedisSentinelSetup.Builder b = RedisSentinelSetup.builder();
        config.accept(b);
        return b.start();
    }

    @Override
    protected void flush(RedisSentinelSetup setup) {
        RedisServer m = setup.master();
        RedisTools.CliResult r = m.cliScript("FLUSHALL SYNC\nWAIT 1 5000\n");
        if (!r.ok() || !r.out().startsWith("OK")) {
            throw new IllegalStateException("FLUSHALL on " + m.hostAndPort() + " failed: " + r);
        }
    }

    @Override
    protected Class<RedisSentinelSetup> resourceType() {
        return RedisSentinelSetup.class;
    }
}
