package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PositionTrackerTest {

    @Test
    void committedPositionOnlyMovesOverAnUnbrokenRunOfConfirmedRecords() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        long a = t.open(0, () -> { });
        long b = t.open(0, () -> { });
        long c = t.open(0, () -> { });
        assertThat(t.committed(0)).isEqualTo(-1);
        t.complete(0, c, 300);            // the newest is confirmed first (another connection)
        assertThat(t.committed(0)).isEqualTo(-1);
        t.complete(0, a, 100);
        assertThat(t.committed(0)).isEqualTo(100);
        t.complete(0, b, 200);
        assertThat(t.committed(0)).isEqualTo(300);
    }

    @Test
    void shardsAreIndependent() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        long s0 = t.open(0, () -> { });
        long s1 = t.open(1, () -> { });
        t.complete(1, s1, 77);
        assertThat(t.committed(1)).isEqualTo(77);
        assertThat(t.committed(0)).isEqualTo(-1);
        t.complete(0, s0, 5);
        assertThat(t.committedAll()).containsEntry(0, 5L).containsEntry(1, 77L);
    }

    @Test
    void ringWrapsAroundManyTimes() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        for (int i = 0; i < 300_000; i++) {
            long seq = t.open(0, () -> { });
            t.complete(0, seq, i);
        }
        assertThat(t.committed(0)).isEqualTo(299_999);
    }

    @Test
    void confirmedStopsBeforeTheFirstFailedWriteWhileCommittedPassesIt() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        long a = t.open(0, () -> { });
        long b = t.open(0, () -> { });
        long c = t.open(0, () -> { });
        t.complete(0, a, 100);
        t.complete(0, c, 300);
        t.complete(0, b, 200, true);      // refused by the target (OOM, WRONGTYPE...)
        assertThat(t.committed(0)).as("every record answered").isEqualTo(300);
        assertThat(t.confirmed(0)).as("everything up to it is on the target").isEqualTo(100);
        long d = t.open(0, () -> { });
        t.complete(0, d, 400);
        assertThat(t.confirmed(0)).as("a later success does not hide the failure").isEqualTo(100);
        assertThat(t.committed(0)).isEqualTo(400);
    }
}
