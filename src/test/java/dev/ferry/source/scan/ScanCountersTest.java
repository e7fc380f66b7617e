package dev.ferry.source.scan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScanCountersTest {
    /** Counts in the summary are grouped like every other count Ferry prints. */
    @Test
    void summaryGroupsThousands() {
        ScanCounters c = new ScanCounters();
        c.eventsReceived.add(100_204);
        c.eventsCoalesced.add(2_500);
        c.keysReread.add(97_704);
        assertThat(c.summary()).isEqualTo("keyspace events: 100,204 received, 2,500 coalesced, 0 dropped; 97,704 keys re-read, "
                + "0 deleted; 0 subscription(s) lost; 0 re-scan(s)");
    }
}
