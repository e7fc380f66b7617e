package dev.ferry.writer;

import dev.ferry.testkit.Words;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.util.WriteFailedException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetriesTest {
    /** Records what the retries asked of the writer, and when. */
    private static final class FakeTarget implements Retries.Target {
        final boolean cluster;
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Long> resentAt = new CopyOnWriteArrayList<>();
        final CountDownLatch flushed = new CountDownLatch(1);
        RuntimeException resendFails;
        volatile boolean stopped;
        /** Places in the window freed again. */
        final AtomicInteger released = new AtomicInteger();

        FakeTarget(boolean cluster) {
            this.cluster = cluster;
        }

        @Override public boolean isCluster() { return cluster; }
        @Override public void refreshClusterMap() { events.add("refresh"); }
        @Override public void resend(Pending p) {
            if (resendFails != null) throw resendFails;
            resentAt.add(System.nanoTime());
            events.add("resend " + Words.text(p.args[1]));
        }
        @Override public void failed(Pending p, String why) { events.add("failed " + Words.text(p.args[1]) + ": " + why); }
        @Override public boolean stopped() { return stopped; }
        @Override public void flush() {
            events.add("flush");
            flushed.countDown();
        }
    }

    private static Pending pending(String key) {
        KeyTicket t = new KeyTicket(dev.ferry.record.ShardId.of(0), 0, 0, Words.cmd(key)[0], -1, false);
        return new Pending(Words.cmd("SET", key, "v"), t, 0, 0);
    }

    @Test
    void aBurstOfRefusalsWaitsOnePauseOffTheReplyThreadAndGoesAgainInOrder() throws Exception {
        FakeTarget target = new FakeTarget(true);
        try (Retries retries = new Retries(new RetryPolicy(30_000), target)) {
            long start = System.nanoTime();
            retries.later(pending("a"), "TRYAGAIN", "refused", target.released::incrementAndGet);
            retries.later(pending("b"), "CLUSTERDOWN", "refused", target.released::incrementAndGet);
            retries.later(pending("c"), "CLUSTERDOWN", "refused", target.released::incrementAndGet);
            long handedOver = System.nanoTime() - start;
            assertThat(handedOver).as("the reply thread only hands them over").isLessThan(RetryPolicy.PAUSE_NANOS / 2);
            assertThat(retries.waiting()).as("a drain waits for them").isEqualTo(3);
            assertThat(target.released).as("their places in the window stay taken").hasValue(0);
            assertThat(target.flushed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(target.events).containsExactly("refresh", "resend a", "resend b", "resend c", "flush");
            assertThat(target.resentAt.get(0) - start).as("after the pause").isGreaterThanOrEqualTo(RetryPolicy.PAUSE_NANOS);
            assertThat(retries.waiting()).isZero();
            assertThat(target.released).hasValue(3);
        }
    }

    @Test
    void noClusterMapRefreshOnAStandaloneTargetOrWithoutClusterDown() throws Exception {
        for (FakeTarget target : List.of(new FakeTarget(false), new FakeTarget(true))) {
            try (Retries retries = new Retries(new RetryPolicy(30_000), target)) {
                retries.later(pending("a"), target.cluster ? "LOADING" : "CLUSTERDOWN", "refused", target.released::incrementAndGet);
                assertThat(target.flushed.await(5, TimeUnit.SECONDS)).isTrue();
                assertThat(target.events).containsExactly("resend a", "flush");
            }
        }
    }

    @Test
    void aCommandThatCannotBeSentAgainGetsTheReasonAsItsAnswer() throws Exception {
        FakeTarget target = new FakeTarget(false);
        target.resendFails = new WriteFailedException("connection to 127.0.0.1:6379 lost");
        try (Retries retries = new Retries(new RetryPolicy(30_000), target)) {
            retries.later(pending("a"), "OOM", "refused", target.released::incrementAndGet);
            assertThat(target.flushed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(target.events).containsExactly("failed a: connection to 127.0.0.1:6379 lost", "flush");
            assertThat(retries.waiting()).isZero();
            assertThat(target.released).hasValue(1);
        }
    }

    @Test
    void onceTheRunHasFailedARefusedCommandIsAnsweredWithItsRefusalNotSentAgain() throws Exception {
        FakeTarget target = new FakeTarget(false);
        try (Retries retries = new Retries(new RetryPolicy(30_000), target)) {
            retries.later(pending("a"), "OOM", "OOM command not allowed when used memory > 'maxmemory'.", target.released::incrementAndGet);
            target.stopped = true;
            assertThat(target.flushed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(target.events)
                    .containsExactly("failed a: OOM command not allowed when used memory > 'maxmemory'.", "flush");
            assertThat(retries.waiting()).isZero();
        }
    }
}
