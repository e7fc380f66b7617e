package dev.ferry.testkit.app;

import dev.ferry.resp.RedisUri.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Jedis (JedisSentinelPool) / Lettuce way of following a Sentinel-managed master: ask a Sentinel once at the
 * start, subscribe to {@code +switch-master} on every Sentinel, and move to the new address only when an event
 * for the master name says so. After an error the writer retries against the address it has (after the backoff),
 * never asking a Sentinel: if no event comes, it never moves.
 */
public final class SwitchEventAppClient extends SentinelAppClient {

    private final List<SwitchMasterSubscriber> subscribers = new ArrayList<>();
    private final AtomicInteger events = new AtomicInteger();
    private final AtomicInteger switches = new AtomicInteger();
    private volatile HostPort current;

    public SwitchEventAppClient(List<HostPort> sentinels, String masterName, String prefix) {
        super("switch-event-" + prefix, sentinels, masterName, prefix);
    }

    /**
     * Subscribes first and only then asks for the address, so a switch between the two is not missed; returns
     * when every Sentinel confirmed the subscription (at most 5 s; at least one must, or start fails).
     */
    @Override
    protected void beforeStart() {
        for (HostPort s : sentinels) {
            SwitchMasterSubscriber sub = new SwitchMasterSubscriber(s, masterName, this::onSwitch);
            subscribers.add(sub);
            sub.start();
        }
        int confirmed = 0;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            for (SwitchMasterSubscriber sub : subscribers) {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                if (sub.awaitSubscribed(left)) {
                    confirmed++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (confirmed == 0) {
            afterStop();
            throw new IllegalStateException(name() + ": no Sentinel confirmed SUBSCRIBE +switch-master within 5 s: "
                    + subscribers.stream().map(s -> s.sentinel() + " " + s.lastError()).toList());
        }
        HostPort first = askSentinels();
        synchronized (this) {
            if (current == null) {
                current = first; // an event that came meanwhile is newer than the answer
            }
        }
    }

    private synchronized void onSwitch(HostPort to) {
        events.incrementAndGet();
        // every Sentinel publishes the same switch: only the first one that names a new address moves the client
        if (!to.equals(current)) {
            current = to;
            switches.incrementAndGet();
        }
    }

    @Override
    protected HostPort addressForNextWrite(boolean afterFailure) {
        return current;
    }

    @Override
    protected void afterStop() {
        subscribers.forEach(SwitchMasterSubscriber::stop);
    }

    /** {@code +switch-master} messages for this master name received, counting each Sentinel's copy. */
    public int switchEvents() {
        return events.get();
    }

    /** How many times an event moved the client to a different address. */
    public int switchesFollowed() {
        return switches.get();
    }

    /** The address the client writes to now. */
    public HostPort currentAddress() {
        return current;
    }
}
