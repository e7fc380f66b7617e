package dev.ferry.testkit;

import java.util.function.Consumer;

/**
 * JUnit 5 extension giving a test class one {@link RedisCluster} (3 masters + 3 replicas by default), reused by
 * all its tests:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterExtension cluster = new RedisClusterExtension().flushBeforeEach();
 *
 * @Test void t() { String seeds = cluster.get().seedUri(); }
 * }</pre>
 */
public final class RedisClusterExtension extends RedisExtensionSupport<RedisCluster> {

    private final Consumer<RedisCluster.Builder> config;

    public RedisClusterExtension() {
        this(b -> { });
    }

    public RedisClusterExtension(Consumer<RedisCluster.Builder> config) {
        this.config = config;
    }

    /** FLUSHALL on every master (and WAIT for replicas) before each test. */
    public RedisClusterExtension flushBeforeEach() {
        enableFlushBeforeEach();
        return this;
    }

    @Override
    protected RedisCluster create() {
        RedisCluster.Builder b = RedisCluster.builder();
        config.accept(b);
        return b.start();
    }

    @Override
    protected void flush(RedisCluster cluster) {
        cluster.flushAll();
    }

    @Override
    protected Class<RedisCluster> resourceType() {
        return RedisCluster.class;
    }
}
