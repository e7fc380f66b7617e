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
}
