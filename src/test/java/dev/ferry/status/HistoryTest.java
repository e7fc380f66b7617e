package dev.ferry.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The dashboard's 15 minutes: a fixed number of samples, the oldest dropped first, and only the new ones on request. */
class HistoryTest {
    @Test
    void keepsTheLastFifteenMinutesOldestFirst() {
        History h = new History();
        for (int i = 1; i <= History.CAPACITY + 50; i++) h.add(new History.Sample(i * 2_000L, i, 0, 0, List.of()));
        List<History.Sample> all = h.since(Long.MIN_VALUE);
        assertThat(all).hasSize(450);
        assertThat(all.get(0).t()).isEqualTo(51 * 2_000L);
        assertThat(all.get(449).t()).isEqualTo(500 * 2_000L);
        List<History.Sample> recent = h.since(498 * 2_000L);
        assertThat(recent).extracting(History.Sample::keysWritten).containsExactly(499L, 500L);
        assertThat(h.since(500 * 2_000L)).isEmpty();
    }
}
