package dev.ferry.source.scan;

import java.util.concurrent.atomic.LongAdder;

/** What live scan mode did with keyspace events, over every source master. Dropped events are never silent. */
public final class ScanCounters {
    public final LongAdder eventsReceived = new LongAdder();
    /** Events for a key already waiting to be re-read: one re-read covers them all. */
    public final LongAdder eventsCoalesced = new LongAdder();
    /** Events lost because a queue was full; the target may be stale until a repair re-scan has run. */
    public final LongAdder eventsDropped = new LongAdder();
    public final LongAdder keysReread = new LongAdder();
    public final LongAdder keysDeleted = new LongAdder();
    /** Subscriptions that broke: every event until they were back is lost. */
    public final LongAdder subscriptionLosses = new LongAdder();
    public final LongAdder rescans = new LongAdder();
    /** Keys read with type commands because DUMP was refused or its payload unknown. */
    public final LongAdder typeReads = new LongAdder();

    public String summary() {
        return String.format(java.util.Locale.ROOT, "keyspace events: %,d received, %,d coalesced, %,d dropped; "
                        + "%,d keys re-read, %,d deleted; %,d subscription(s) lost; %,d re-scan(s)", eventsReceived.sum(),
                eventsCoalesced.sum(), eventsDropped.sum(), keysReread.sum(), keysDeleted.sum(), subscriptionLosses.sum(),
                rescans.sum());
    }
}
