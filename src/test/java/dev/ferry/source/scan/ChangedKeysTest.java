package dev.ferry.source.scan;

import dev.ferry.record.DbKey;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChangedKeysTest {
    private static DbKey k(int db, String key) {
        return new DbKey(db, key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aQueuedKeyIsCoalescedByContentAndDbAndOverflowIsRefused() throws Exception {
        ChangedKeys q = new ChangedKeys(2);
        assertThat(q.offer(k(0, "a"))).isEqualTo(ChangedKeys.Offer.QUEUED);
        assertThat(q.offer(k(0, "a"))).isEqualTo(ChangedKeys.Offer.COALESCED);
        assertThat(q.offer(k(1, "a"))).isEqualTo(ChangedKeys.Offer.QUEUED);
        assertThat(q.offer(k(0, "b"))).isEqualTo(ChangedKeys.Offer.DROPPED);
        assertThat(q.take(10, 0)).containsExactly(k(0, "a"), k(1, "a"));
        // once taken for re-reading, a new change queues it again: that read may have been before the change
        assertThat(q.offer(k(0, "a"))).isEqualTo(ChangedKeys.Offer.QUEUED);
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void takeWaitsAtMostTheTimeout() throws Exception {
        ChangedKeys q = new ChangedKeys(5);
        long t0 = System.nanoTime();
        assertThat(q.take(5, 50)).isEmpty();
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(45);
    }

    @Test
    void scoresInRedisSpelling() {
        assertThat(TypeReader.score("inf")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(TypeReader.score("-inf")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(TypeReader.score("-0.30000000000000004")).isEqualTo(-0.30000000000000004);
    }
}
