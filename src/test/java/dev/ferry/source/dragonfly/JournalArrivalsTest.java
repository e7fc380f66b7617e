package dev.ferry.source.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The age of the oldest uncommitted record, from arrivals given with their times (no clock read). */
class JournalArrivalsTest {
    @Test
    void nothingReadIsNoLag() {
        assertThat(new JournalArrivals().lagMillis(0, 1_000)).isZero();
    }

    @Test
    void theOldestUncommittedRecordGivesTheLag() {
        JournalArrivals a = new JournalArrivals();
        a.arrived(11, 1_000); // record 10, the flow at 11 after it
        a.arrived(12, 1_500);
        a.arrived(13, 2_000);
        assertThat(a.lagMillis(10, 3_000)).isEqualTo(2_000); // record 10 waits since 1,000
        assertThat(a.lagMillis(11, 3_000)).isEqualTo(1_500);
        assertThat(a.lagMillis(12, 3_000)).isEqualTo(1_000);
        assertThat(a.lagMillis(13, 3_000)).isZero();
        assertThat(a.entries()).isZero();
        assertThat(a.lagMillis(13, 9_000)).as("caught up stays 0").isZero();
    }

    @Test
    void recordsWithinTheGrainShareTheFirstArrival() {
        JournalArrivals a = new JournalArrivals();
        a.arrived(1, 1_000);
        a.arrived(2, 1_004);
        a.arrived(3, 1_009);
        a.arrived(4, 1_010); // 10 ms after the entry opened: a new one
        assertThat(a.entries()).isEqualTo(2);
        assertThat(a.lagMillis(2, 1_100)).as("records 2 and 3 are in the first entry, which arrived at 1,000").isEqualTo(100);
        assertThat(a.lagMillis(3, 1_100)).isEqualTo(90);
        assertThat(a.lagMillis(4, 1_100)).isZero();
    }

    @Test
    void theGrainGrowsWithTheOldestAge() {
        JournalArrivals a = new JournalArrivals();
        a.arrived(1, 0);
        // 102.4 s after the oldest, the grain is 100 ms: records 50 ms apart share entries two by two
        for (int i = 0; i < 10; i++) a.arrived(2 + i, 102_400 + 50L * i);
        assertThat(a.entries()).isEqualTo(1 + 5);
        assertThat(a.lagMillis(1, 103_000)).isEqualTo(600);
        assertThat(a.lagMillis(3, 103_000)).isEqualTo(500);
    }

    @Test
    void memoryIsBoundedAndTheNewestEntryTakesTheRest() {
        JournalArrivals a = new JournalArrivals();
        long t0 = 1_000_000;
        long t = t0;
        int position = 0;
        // one record every 10 ms: the growing grain slows the entries down, but a long enough lag still fills them
        while (a.entries() < JournalArrivals.CAPACITY && position < 10_000_000) {
            a.arrived(++position, t);
            t += 10;
        }
        assertThat(a.entries()).isEqualTo(JournalArrivals.CAPACITY);
        long lastOpened = t - 10; // the record that opened the last entry arrived then
        int lastOpener = position;
        for (int i = 0; i < 500; i++) {
            a.arrived(++position, t);
            t += 3_600_000; // an hour apart: each would open an entry, but there is no room
        }
        assertThat(a.entries()).isEqualTo(JournalArrivals.CAPACITY);
        assertThat(a.lagMillis(0, t)).as("the oldest stays exact").isEqualTo(t - t0);
        assertThat(a.lagMillis(lastOpener - 1, t)).as("the last entry took the records after it, with its first arrival")
                .isEqualTo(t - lastOpened);
        assertThat(a.lagMillis(position - 1, t)).isEqualTo(t - lastOpened);
        assertThat(a.lagMillis(position, t)).isZero();
        // room again: a new arrival opens its own entry
        a.arrived(position + 1, t);
        assertThat(a.entries()).isEqualTo(1);
        assertThat(a.lagMillis(position, t + 7)).isEqualTo(7);
    }

    @Test
    void aPartlyCommittedEntryStaysUntilItsLastRecordIsCommitted() {
        JournalArrivals a = new JournalArrivals();
        a.arrived(5, 100);
        a.arrived(6, 105);
        assertThat(a.lagMillis(5, 200)).isEqualTo(100);
        assertThat(a.lagMillis(6, 200)).isZero();
    }
}
