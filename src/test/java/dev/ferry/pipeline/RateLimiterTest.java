package dev.ferry.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    @Test
    void pacesKeys() {
        RateLimiter r = RateLimiter.parse("2000");
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) r.acquire(100, 0);
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(450L, 2_000L);
    }

    @Test
    void pacesBytes() {
        RateLimiter r = RateLimiter.parse("1mb");
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) r.acquire(1, 52_429); // half a MiB in all: about half a second
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(400L, 2_000L);
    }

    @Test
    void noneAndEmptyAreUnlimited() {
        for (RateLimiter r : new RateLimiter[] {RateLimiter.NONE, RateLimiter.parse(null), RateLimiter.parse(" ")}) {
            long t0 = System.nanoTime();
            r.acquire(1_000_000, 1L << 40);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(50);
        }
    }

    @Test
    void aCopyPacesApart() {
        RateLimiter a = RateLimiter.parse("1k");
        RateLimiter b = a.copy();
        assertThat(b).isNotSameAs(a);
        a.acquire(900, 0);
        long t0 = System.nanoTime();
        b.acquire(10, 0);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("b has its own budget").isLessThan(100);
    }

    /** A shard that waited for its source (or ran live for an hour) does not get to burst through its next snapshot. */
    @Test
    void idleTimeIsNotSavedUp() throws InterruptedException {
        RateLimiter r = RateLimiter.parse("1000");
        r.acquire(1, 0);
        Thread.sleep(1_500);
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) r.acquire(100, 0); // 1,000 keys: about a second, not the 1.5 s of idle credit
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(700L, 3_000L);
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> RateLimiter.parse("fast")).hasMessageContaining("--rate-limit 'fast'");
        assertThatThrownBy(() -> RateLimiter.parse("0")).hasMessageContaining("--rate-limit");
    }
}
