package dev.ferry.source.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flows 0 and 1 wait at a FLUSHALL; flow 2 is either still reading its backlog (it will come) or has read all the
 * master journaled without meeting it (it is past it: they can never meet).
 */
class FlushWatchTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final FlushBarrier barrier = new FlushBarrier(3, Runnable::run);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final CountDownLatch arrived = new CountDownLatch(2);

    private void arrive(int flow, long txid) {
        Thread t = new Thread(() -> {
            try {
                arrived.countDown();
                barrier.await(flow, txid, "FLUSHALL", () -> { }, () -> { }, cancelled::get);
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        t.setDaemon(true);
        t.start();
    }

    private long waitingSince(int rounds) throws InterruptedException {
        arrived.await(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + 5 * SECOND; // bounded: both arrive at once
        while (barrier.waiting().stream().mapToInt(w -> w.flows().size()).sum() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(barrier.waiting()).hasSize(rounds);
        return barrier.waiting().get(0).since();
    }

    @AfterEach
    void release() {
        cancelled.set(true);
    }

    @Test
    void aFlowStillReadingItsBacklogIsWaitedFor() throws Exception {
        arrive(0, 40);
        arrive(1, 40);
        long[] handed = {100, 100, 70};
        AtomicReference<long[]> journal = new AtomicReference<>(new long[] {101, 101, 90});
        FlushWatch watch = new FlushWatch(barrier, 3, f -> handed[f], journal::get);
        long since = waitingSince(1);
        assertThat(watch.apart(since + SECOND / 2)).as("too early to ask").isNull();
        assertThat(watch.apart(since + SECOND)).isNull();
        assertThat(watch.apart(since + 2 * SECOND)).isNull();
        handed[2] = 95; // it read on, and the master journaled more meanwhile: still behind, never past
        journal.set(new long[] {101, 101, 120});
        assertThat(watch.apart(since + 3 * SECOND)).isNull();
    }

    @Test
    void aFlowThatReadAllTheJournalWithoutMeetingTheFlushIsPastIt() throws Exception {
        arrive(0, 40);
        arrive(1, 40);
        long[] handed = {100, 100, 95};
        AtomicReference<long[]> journal = new AtomicReference<>(new long[] {101, 101, 90});
        FlushWatch watch = new FlushWatch(barrier, 3, f -> handed[f], journal::get);
        long since = waitingSince(1);
        assertThat(watch.apart(since + SECOND)).as("one look could precede a slow shard's journaling of the flush").isNull();
        assertThat(watch.apart(since + SECOND + SECOND / 2)).as("the next look is a second later").isNull();
        assertThat(watch.apart(since + 2 * SECOND)).isEqualTo("flow 2 is past the FLUSHALL (txid 40) that flows 0, 1 wait at: "
                + "it continued from after it and flows 0, 1 from before it (a checkpoint an older Ferry wrote, or one "
                + "half written when Ferry stopped), so they can never meet there");
    }

    @Test
    void flowsWaitingAtTwoFlushesCanNeverMeet() throws Exception {
        arrive(0, 40);
        long deadline = System.nanoTime() + 5 * SECOND; // bounded: flow 0 arrives at once; its round is the older one
        while (barrier.waiting().isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
        Thread.sleep(1); // a later nanoTime for flow 1's round
        arrive(1, 52);
        FlushWatch watch = new FlushWatch(barrier, 3, f -> 0, () -> new long[] {1, 1, 1});
        long since = waitingSince(2);
        assertThat(watch.apart(since + SECOND)).isEqualTo("flow 0 waits at the FLUSHALL of txid 40 and flow 1 at the "
                + "FLUSHALL of txid 52: the flows continued from positions on both sides of a flush (a checkpoint an older "
                + "Ferry wrote, or one half written when Ferry stopped), so they can never meet");
    }
}
