package dev.ferry.source.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.source.redis.ResumeWindow.Sample;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResumeWindowTest {
    private static final long MB = 1L << 20;
    private static final long SECOND = 1_000_000_000L;

    @Test
    void windowIsTheBacklogOverTheRate() {
        // 1 MB at 1,228.8 B/s (1.2 kB/s) lasts 853.3 s, about 14 min; an hour at that rate is 4.2 MB, so 8 MB
        Sample s = new Sample("127.0.0.1:7001", MB, true, 12_288, 10 * SECOND, null);
        assertThat(s.bytesPerSecond()).isEqualTo(1228.8);
        assertThat(s.windowSeconds()).isCloseTo(853.33, org.assertj.core.data.Offset.offset(0.01));
        assertThat(ResumeWindow.line(List.of(s))).isEqualTo("resume window: about 14 min (repl-backlog-size 1.0 MB, "
                + "1.2 kB/s of writes on 127.0.0.1:7001): a restart within that continues where it stopped; to widen it: "
                + "CONFIG SET repl-backlog-size 8mb on the source (or --backlog 8mb)");
    }

    @Test
    void severalMastersReportTheSmallestWindowAndNameItsMaster() {
        Sample quiet = new Sample("127.0.0.1:7000", MB, true, 0, SECOND, null);
        Sample busy = new Sample("127.0.0.1:7001", 64 * MB, true, 1024 * 1024, SECOND, null); // 64 s
        Sample slow = new Sample("127.0.0.1:7002", MB, true, 1024, SECOND, null); // 1024 s
        assertThat(ResumeWindow.line(List.of(quiet, busy, slow))).isEqualTo("resume window: about 64 s "
                + "(repl-backlog-size 64.0 MB, 1.0 MB/s of writes on 127.0.0.1:7001): a restart within that continues "
                + "where it stopped; to widen it: CONFIG SET repl-backlog-size 4gb on each source master (or --backlog 4gb)");
    }

    @Test
    void noWritesMeansUnbounded() {
        Sample a = new Sample("127.0.0.1:7000", 2 * MB, true, 0, SECOND, null);
        Sample b = new Sample("127.0.0.1:7001", MB, true, 0, SECOND, null);
        assertThat(ResumeWindow.line(List.of(a))).isEqualTo("resume window: unbounded at the current write rate (no "
                + "writes in 1 s; repl-backlog-size 2.0 MB): a restart continues where it stopped while fewer than 2.0 MB "
                + "of writes happen meanwhile");
        assertThat(ResumeWindow.line(List.of(a, b))).isEqualTo("resume window: unbounded at the current write rate (no "
                + "writes in 1 s; repl-backlog-size 1.0 MB on 127.0.0.1:7001): a restart continues where it stopped while "
                + "fewer than 1.0 MB of writes happen meanwhile");
    }

    @Test
    void aMasterWithoutABacklogYetIsNotMeasured() {
        Sample s = new Sample("127.0.0.1:7001", 256 * MB, false, 0, 0, null);
        assertThat(ResumeWindow.line(List.of(s))).isEqualTo("resume window: not measured yet: 127.0.0.1:7001 keeps no "
                + "replication backlog until a replica connects, and counts no writes before that; it creates one of "
                + "256.0 MB (repl-backlog-size) when Ferry connects: a restart continues where it stopped while fewer than "
                + "256.0 MB of writes happen meanwhile");
    }

    @Test
    void anUnreadableMasterMakesTheWindowUnknown() {
        Sample ok = new Sample("127.0.0.1:7000", MB, true, 10, SECOND, null);
        Sample refused = Sample.unknown("127.0.0.1:7001", "INFO replication refused: the user needs +info");
        assertThat(ResumeWindow.line(List.of(ok, refused))).isEqualTo("resume window: unknown (127.0.0.1:7001: INFO "
                + "replication refused: the user needs +info): a restart continues where it stopped only while the "
                + "master's repl-backlog-size still holds the writes made meanwhile");
    }

    @Test
    void suggestionHoldsAnHourAndAtLeastTwiceTheCurrentInPowersOfTwoMb() {
        assertThat(ResumeWindow.suggested(MB, 0)).isEqualTo(2 * MB);
        assertThat(ResumeWindow.suggested(MB, 1228.8)).isEqualTo(8 * MB); // 4.2 MB an hour
        assertThat(ResumeWindow.suggested(64 * MB, 1024)).isEqualTo(128 * MB); // twice the current wins
        assertThat(ResumeWindow.suggested(MB, 100_000)).isEqualTo(512 * MB); // 343 MB an hour
        assertThat(ResumeWindow.suggested(100, 0)).isEqualTo(MB); // never below 1 MB
    }

    @Test
    void durationsInThePlanningScale() {
        assertThat(ResumeWindow.duration(0.2)).isEqualTo("1 s");
        assertThat(ResumeWindow.duration(40)).isEqualTo("40 s");
        assertThat(ResumeWindow.duration(853)).isEqualTo("14 min");
        assertThat(ResumeWindow.duration(2 * 3600 + 1800)).isEqualTo("2.5 h");
        assertThat(ResumeWindow.duration(30 * 3600)).isEqualTo("30 h");
        assertThat(ResumeWindow.duration(12 * 86400)).isEqualTo("12 days");
    }
}
