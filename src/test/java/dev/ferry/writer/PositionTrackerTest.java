package dev.ferry.writer;

import dev.ferry.record.Confirmation;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.record.FileOffset;
import dev.ferry.record.Position;
import dev.ferry.record.ShardId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PositionTrackerTest {
    private static final ShardId S0 = ShardId.of(0);
    private static final ShardId S1 = ShardId.of(1);

    private static Position at(long offset) {
        return new FileOffset(offset);
    }

    @Test
    void committedPositionOnlyMovesOverAnUnbrokenRunOfConfirmedRecords() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        long a = t.open(S0, () -> { });
        long b = t.open(S0, () -> { });
        long c = t.open(S0, () -> { });
        assertThat(t.committed(S0)).isNull();
        t.complete(S0, c, at(300));            // the newest is confirmed first (another connection)
        assertThat(t.committed(S0)).isNull();
        t.complete(S0, a, at(100));
        assertThat(t.committed(S0)).isEqualTo(at(100));
        t.complete(S0, b, at(200));
        assertThat(t.committed(S0)).isEqualTo(at(300));
    }

    @Test
    void shardsAndLanesAreIndependent() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        long s0 = t.open(S0, () -> { });
        long s1 = t.open(S1, () -> { });
        long lane = t.open(S0.lane(1), () -> { });
        t.complete(S1, s1, at(77));
        assertThat(t.committed(S1)).isEqualTo(at(77));
        assertThat(t.committed(S0)).isNull();
        t.complete(S0.lane(1), lane, at(9));
        assertThat(t.committed(S0)).as("a lane of shard 0 is its own stream").isNull();
        t.complete(S0, s0, at(5));
        assertThat(t.committed(S0)).isEqualTo(at(5));
        assertThat(t.committed(S0.lane(1))).isEqualTo(at(9));
    }

    @Test
    void ringWrapsAroundManyTimes() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        for (int i = 0; i < 300_000; i++) {
            long seq = t.open(S0, () -> { });
            t.complete(S0, seq, at(i));
        }
        assertThat(t.committed(S0)).isEqualTo(at(299_999));
    }

    @Test
    void confirmedStopsBeforeTheFirstFailedWriteWhileCommittedPassesIt() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        long a = t.open(S0, () -> { });
        long b = t.open(S0, () -> { });
        long c = t.open(S0, () -> { });
        t.complete(S0, a, at(100));
        t.complete(S0, c, at(300));
        t.complete(S0, b, at(200), true);      // refused by the target (OOM, WRONGTYPE...)
        assertThat(t.committed(S0)).as("every record answered").isEqualTo(at(300));
        assertThat(t.confirmed(S0)).as("everything up to it is on the target").isEqualTo(at(100));
        long d = t.open(S0, () -> { });
        t.complete(S0, d, at(400));
        assertThat(t.confirmed(S0)).as("a later success does not hide the failure").isEqualTo(at(100));
        assertThat(t.committed(S0)).isEqualTo(at(400));
    }

    @Test
    void aPartThatClaimsNoPositionKeepsTheLastOne() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        long a = t.open(S0, () -> { });
        long part = t.open(S0, () -> { });
        long last = t.open(S0, () -> { });
        t.complete(S0, a, at(10));
        t.complete(S0, part, null);
        assertThat(t.committed(S0)).isEqualTo(at(10));
        assertThat(t.confirmed(S0)).isEqualTo(at(10));
        t.complete(S0, last, at(30));
        assertThat(t.committed(S0)).isEqualTo(at(30));
    }

    @Test
    void pushesEveryMoveWithAGrowingSequenceAndNothingWhenNothingMoved() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        List<Confirmation> heard = new ArrayList<>();
        t.listen(S0, heard::add);
        long a = t.open(S0, () -> { });
        long b = t.open(S0, () -> { });
        t.complete(S0, b, at(2));
        assertThat(heard).as("b waits for a: nothing moved").isEmpty();
        t.complete(S0, a, at(1), true);
        assertThat(heard).hasSize(1);
        Confirmation c = heard.get(0);
        assertThat(c.shard()).isEqualTo(S0);
        assertThat(c.sequence()).isEqualTo(1);
        assertThat(c.committed()).isEqualTo(at(2));
        assertThat(c.confirmed()).as("a failed: nothing is confirmed").isNull();
        long d = t.open(S0, () -> { });
        t.complete(S0, d, at(3));
        assertThat(heard).extracting(Confirmation::sequence).containsExactly(1L, 2L);
        assertThat(heard.get(1).committed()).isEqualTo(at(3));
    }

    @Test
    void recordsCompletedTogetherMoveEachShardOnceAndOnlyOverUnbrokenRuns() throws InterruptedException {
        PositionTracker t = new PositionTracker();
        List<Confirmation> heard0 = new ArrayList<>();
        List<Confirmation> heard1 = new ArrayList<>();
        t.listen(S0, heard0::add);
        t.listen(S1, heard1::add);
        long a = t.open(S0, () -> { });
        long b = t.open(S0, () -> { });
        long c = t.open(S0, () -> { });
        long x = t.open(S1, () -> { });
        KeyTicket[] done = {ticket(S0, a, at(10)), ticket(S0, c, at(30)), ticket(S1, x, at(7))};
        t.completeAll(done, done.length);
        assertThat(t.committed(S0)).as("b is still in flight").isEqualTo(at(10));
        assertThat(t.committed(S1)).isEqualTo(at(7));
        assertThat(heard0).extracting(Confirmation::committed).containsExactly(at(10));
        assertThat(heard1).extracting(Confirmation::committed).containsExactly(at(7));
        t.completeAll(new KeyTicket[] {ticket(S0, b, at(20))}, 1);
        assertThat(t.committed(S0)).isEqualTo(at(30));
        assertThat(t.confirmed(S0)).isEqualTo(at(30));
        assertThat(heard0).extracting(Confirmation::committed).containsExactly(at(10), at(30));
    }

    /** A finished ticket for record {@code seq} at {@code p}. */
    private static KeyTicket ticket(ShardId shard, long seq, Position p) {
        KeyTicket k = new KeyTicket(shard, seq, 0, new byte[] {'k'}, -1, false);
        k.close(p);
        return k;
    }
}
