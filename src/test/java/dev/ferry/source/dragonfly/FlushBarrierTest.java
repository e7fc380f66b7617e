package dev.ferry.source.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FlushBarrierTest {
    @Test
    void runsOnceAfterEveryFlowArrivedAndReleasesAllAfterIt() throws Exception {
        FlushBarrier b = new FlushBarrier(4);
        AtomicInteger runs = new AtomicInteger();
        List<String> events = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int flow = i;
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(flow * 30L);
                    events.add("arrive " + flow);
                    b.await(7, () -> {
                        runs.incrementAndGet();
                        events.add("flush");
                    }, () -> false);
                    events.add("after " + flow);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join(5000);
        assertThat(runs).hasValue(1);
        int flush = events.indexOf("flush");
        for (int i = 0; i < 4; i++) {
            assertThat(events.indexOf("arrive " + i)).isLessThan(flush);
            assertThat(events.indexOf("after " + i)).isGreaterThan(flush);
        }
        assertThat(b.open()).isZero();
    }

    @Test
    void aCancelledSessionReleasesTheWaiters() throws Exception {
        FlushBarrier b = new FlushBarrier(2);
        boolean[] result = {true};
        Thread t = new Thread(() -> {
            try {
                result[0] = b.await(9, () -> { }, () -> true);
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
        assertThat(result[0]).isFalse();
        assertThat(b.open()).isZero();
    }

    /**
     * Once every flow arrived the flush is under way: a session ending then must not let a flow leave as if it had
     * not passed the flush (it would resume before a flush that is done, the others after it).
     */
    @Test
    void aSessionEndingWhileTheFlushRunsWaitsForItsEnd() throws Exception {
        FlushBarrier b = new FlushBarrier(2);
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        List<Boolean> results = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> {
                try {
                    results.add(b.await(3, () -> {
                        running.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new RuntimeException(e);
                        }
                    }, cancelled::get));
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            threads.add(t);
            t.start();
        }
        running.await();
        cancelled.set(true);
        Thread.sleep(300); // gives a waiter that would leave on the cancel (it checks every 100 ms) the chance to
        release.countDown();
        for (Thread t : threads) t.join(5000);
        assertThat(results).containsExactly(true, true);
        assertThat(b.open()).isZero();
    }

    @Test
    void aFailedFlushReleasesTheOthersAsNotPassed() throws Exception {
        FlushBarrier b = new FlushBarrier(2);
        List<Boolean> results = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> {
                try {
                    results.add(b.await(5, () -> {
                        throw new IllegalStateException("the target refused the flush");
                    }, () -> false));
                } catch (IllegalStateException e) {
                    results.add(null); // the runner: the failure is its own
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join(5000);
        assertThat(results).containsExactlyInAnyOrder(null, false);
    }
}
