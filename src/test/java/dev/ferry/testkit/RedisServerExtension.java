package dev.ferry.testkit;

import java.util.function.Consumer;

/**
 * JUnit 5 extension giving a test class one standalone {@link RedisServer}:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension redis = new RedisServerExtension(b -> b.password("pw")).flushBeforeEach();
 *
 * @Test void t() { redis.get().cli("SET", "k", "v"); }
 * }</pre>
 */
public final class RedisServerExtension extends RedisExtensionSupport<RedisServer> {

    private final Consumer<RedisServer.Builder> config;

    /** Default server (no auth, no TLS). */
    public RedisServerExtension() {
        this(b -> { });
    }

    /** Server configured by {@code config}, e.g. {@code b -> b.tls().password("pw")}. */
    public RedisServerExtension(Consumer<RedisServer.Builder> config) {
        this.config = config;
    }

    /** FLUSHALL before each test. */
    public RedisServerExtension flushBeforeEach() {
        enableFlushBeforeEach();
        return this;
    }

    @Override
    protected RedisServer create() {
        RedisServer.Builder b = RedisServer.builder();
        config.accept(b);
        return b.start();
    }

    @Override
    protected void flush(RedisServer server) {
        server.flushAll();
    }

    @Override
    protected Class<RedisServer> resourceType() {
        return RedisServer.class;
    }
}
