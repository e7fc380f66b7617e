package dev.ferry.source.scan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimitTest {
    @Test
    void pacesToTheRate() throws Exception {
        RateLimit r = new RateLimit(2_000);
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) r.acquire(100);
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(450L, 2_000L);
    }

    @Test
    void zeroMeansUnlimited() throws Exception {
        RateLimit r = new RateLimit(0);
        long t0 = System.nanoTime();
        r.acquire(1_000_000);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(50);
    }
}
