package dev.ferry.writer;

import dev.ferry.testkit.Words;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final long MS = 1_000_000L;
    private static final long PAUSE = RetryPolicy.PAUSE_NANOS;

    private static Pending pending() {
        return new Pending(Words.cmd("SET", "k", "v"), null, 0, 0);
    }

    @Test
    void onlyRefusalsThatPassWithTimeAreTransient() {
        for (String code : new String[] {"TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN"}) {
            assertThat(RetryPolicy.isTransient(code)).as(code).isTrue();
        }
        for (String code : new String[] {"OOM", "ERR", "WRONGTYPE", "MOVED", "ASK", "READONLY", "BUSYKEY", "NOSCRIPT"}) {
            assertThat(RetryPolicy.isTransient(code)).as(code).isFalse();
        }
    }

    @Test
    void transientRefusalsAreRetriedForAsLongAsTheReconnectTimeoutFromTheFirstRefusal() {
        RetryPolicy policy = new RetryPolicy(30_000);
        Pending p = pending();
        long t0 = 5_000 * MS;
        assertThat(policy.transientWithinBound(p, t0)).isTrue();
        assertThat(policy.transientWithinBound(p, t0 + 29_999 * MS)).isTrue();
        assertThat(policy.transientWithinBound(p, t0 + 30_000 * MS)).isFalse();
        assertThat(policy.transientWithinBound(pending(), t0 + 30_000 * MS)).as("another command's clock").isTrue();
    }

    @Test
    void aFullTargetGetsTwoSecondsToFreeRoom() {
        Pending p = pending();
        long t0 = 7 * MS;
        assertThat(RetryPolicy.oomWithinGrace(p, t0)).isTrue();
        assertThat(RetryPolicy.oomWithinGrace(p, t0 + 1_999 * MS)).isTrue();
        assertThat(RetryPolicy.oomWithinGrace(p, t0 + 2_000 * MS)).isFalse();
    }

    @Test
    void onePauseServesABurst() {
        RetryPolicy policy = new RetryPolicy(30_000);
        long t0 = 1_000 * MS;
        assertThat(policy.pauseBefore(t0)).as("first refusal: a full pause").isEqualTo(PAUSE);
        assertThat(policy.pauseBefore(t0 + 40 * MS)).as("within the pause: what is left of it").isEqualTo(60 * MS);
        assertThat(policy.pauseBefore(t0 + PAUSE)).as("as it ends").isZero();
        assertThat(policy.pauseBefore(t0 + PAUSE + 80 * MS)).as("soon after it ended: no new pause").isZero();
        assertThat(policy.pauseBefore(t0 + 2 * PAUSE)).as("a pause length after it ended").isZero();
        assertThat(policy.pauseBefore(t0 + 2 * PAUSE + 1)).as("later: a new burst, a new pause").isEqualTo(PAUSE);
        assertThat(policy.pauseBefore(t0 + 2 * PAUSE + 1 + 30 * MS)).isEqualTo(70 * MS);
    }

    @Test
    void theFirstPauseDoesNotDependOnWhereTheClockStarts() {
        assertThat(new RetryPolicy(1_000).pauseBefore(0)).isEqualTo(PAUSE);
        assertThat(new RetryPolicy(1_000).pauseBefore(-5_000 * MS)).isEqualTo(PAUSE);
    }
}
