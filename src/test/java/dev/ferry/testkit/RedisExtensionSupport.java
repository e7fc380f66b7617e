package dev.ferry.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Common lifecycle of the harness's JUnit 5 extensions.
 *
 * <ul>
 *   <li>Registered on a {@code static} field with {@code @RegisterExtension}: ONE resource per test class,
 *       started in {@code beforeAll}, shared by all tests (and {@code @Nested} classes), stopped in
 *       {@code afterAll} even when tests fail.</li>
 *   <li>Registered on an instance field: one resource per test method.</li>
 *   <li>If {@code redis-server} is missing, tests are skipped ({@code Assumptions}), or fail when {@code CI=true}
 *       (see {@link RedisTools#requireRedis()}).</li>
 *   <li>Test and lifecycle methods can also take the resource as a parameter.</li>
 * </ul>
 *
 * @param <T> the managed resource
 */
public abstract class RedisExtensionSupport<T extends AutoCloseable>
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private volatile T resource;
    private volatile String ownerContextId;
    private volatile boolean perTest;
    private volatile boolean flushBeforeEach;

    protected RedisExtensionSupport() {
    }

    /** Starts the resource (Redis is known to be installed at this point). */
    protected abstract T create();

    /** Empties the resource's data ({@code FLUSHALL} on every master). */
    protected abstract void flush(T resource);

    /** The resource type, for parameter injection. */
    protected abstract Class<T> resourceType();

    /** Turns on flushing the data before each test (the servers are reused, their data is not). */
    protected void enableFlushBeforeEach() {
        this.flushBeforeEach = true;
    }

    /** The running resource; only valid between beforeAll/beforeEach and afterAll/afterEach. */
    public T get() {
        T r = resource;
        if (r == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " is not started: register it with "
                    + "@RegisterExtension on a (static) field and call get() from a test or lifecycle method");
        }
        return r;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (resource != null) {
            return; // @Nested class: reuse the outer class's resource
        }
        RedisTools.requireRedis();
        resource = create();
        ownerContextId = context.getUniqueId();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (context.getUniqueId().equals(ownerContextId)) {
            closeResource();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (resource == null) {
            // registered on an instance field: beforeAll is not called, so one resource per test
            RedisTools.requireRedis();
            resource = create();
            perTest = true;
        } else if (flushBeforeEach) {
            flush(resource);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (perTest) {
            closeResource();
        }
    }

    private void closeResource() throws Exception {
        T r = resource;
        resource = null;
        ownerContextId = null;
        if (r != null) {
            r.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == resourceType();
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        return get();
    }
}
