package dev.ferry.source.dragonfly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JournalWindowTest {
    @Test
    void defaultRingLengthByVersion() {
        assertThat(JournalWindow.defaultBacklog("df-v1.40.0")).isEqualTo(8192);
        assertThat(JournalWindow.defaultBacklog("v1.36.2")).isEqualTo(8192);
        assertThat(JournalWindow.defaultBacklog("1.35.1")).isEqualTo(1024);
        assertThat(JournalWindow.defaultBacklog("df-v1.11.0")).isEqualTo(1024);
        assertThat(JournalWindow.defaultBacklog("df-v1.10.0")).isEqualTo(-1); // no partial sync yet
        assertThat(JournalWindow.defaultBacklog("df-v1.41.0")).isEqualTo(-1); // bounded by bytes and age instead
        assertThat(JournalWindow.defaultBacklog("?")).isEqualTo(-1);
    }

    @Test
    void theBusiestShardSetsTheWindow() {
        // shard 1 writes 64 records/s: 8192 records last 128 s (about 2 min); an hour is 230,400 records, so 262,144
        String line = JournalWindow.line("127.0.0.1:6380", "df-v1.40.0", 8192, new long[] {100, 200}, new long[] {110, 264}, 1.0);
        assertThat(line).isEqualTo("resume window: about 2 min (journal backlog 8,192 records per shard, the default "
                + "--shard_repl_backlog_len of df-v1.40.0 (Dragonfly does not report it); 64 records/s on shard 1 of "
                + "127.0.0.1:6380): a restart within that continues where it stopped; to widen it, restart the master "
                + "with --shard_repl_backlog_len 262144 (Dragonfly cannot change it at runtime)");
    }

    @Test
    void quietAndNotYetJournaling() {
        assertThat(JournalWindow.line("h:1", "df-v1.40.0", 8192, new long[] {5, 7}, new long[] {5, 7}, 1.0))
                .startsWith("resume window: unbounded at the current write rate (no writes in 1 s; journal backlog 8,192");
        assertThat(JournalWindow.line("h:1", "df-v1.40.0", 8192, new long[] {0, 0}, new long[] {0, 0}, 1.0))
                .startsWith("resume window: not measured yet: h:1 keeps no journal until a replica connects");
        assertThat(JournalWindow.line("h:1", "df-v1.41.0", -1, new long[] {0}, new long[] {9}, 1.0))
                .startsWith("resume window: unknown (h:1 runs Dragonfly df-v1.41.0");
    }
}
