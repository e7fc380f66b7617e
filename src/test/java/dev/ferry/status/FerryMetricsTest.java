package dev.ferry.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.pipeline.RunStats;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.writer.WriterLoad;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What /metrics says of a run: values as the run holds them, absent sizes left out, reason labels kept few. */
class FerryMetricsTest {
    private final RunStats stats = new RunStats();
    private final RunView view = new RunView() {
        @Override public String command() { return "replicate"; }
        @Override public String source() { return "redis://127.0.0.1:1"; }
        @Override public String target() { return "redis://127.0.0.1:2"; }
        @Override public String phase() { return "live"; }

        @Override public List<ShardState> shards() {
            return List.of(new ShardState("master 127.0.0.1:1", "live", new ReplicationOffset("ab", 1234, 0), "offset", true,
                    500, -1, 77, 900, 12L, null, 0.25, 2, 1, null));
        }

        @Override public RunStats stats() { return stats; }

        @Override public WriterLoad writer() {
            return new WriterLoad(40, 77, 4096, 3, List.of(new WriterLoad.NodeLoad("127.0.0.1:2", 4, 9)),
                    Map.of("MOVED", 5L, "connection lost", 3L), 6, 2);
        }
    };

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FerryMetrics(new RunBoard(view)).write(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void valuesAreTheRunsOwn() throws Exception {
        String m = scrape();
        assertThat(m).contains("ferry_shard_lag_seconds{shard=\"master 127.0.0.1:1\"} 0.25\n")
                .contains("ferry_shard_lag_bytes{shard=\"master 127.0.0.1:1\"} 12.0\n")
                .contains("ferry_shard_confirmed_position{shard=\"master 127.0.0.1:1\"} 1234.0\n")
                .contains("ferry_shard_reconnects_total{shard=\"master 127.0.0.1:1\"} 2.0\n")
                .contains("ferry_shard_resyncs_total{shard=\"master 127.0.0.1:1\"} 1.0\n")
                .contains("ferry_keys_written_total 40.0\n")
                .contains("ferry_commands_applied_total 77.0\n")
                .contains("ferry_target_written_bytes_total 4096.0\n")
                .contains("ferry_resume_skipped_writes_total 6.0\n")
                .contains("ferry_guards_resolved_writes_total 2.0\n")
                .contains("ferry_target_errors_total{kind=\"MOVED\"} 5.0\n")
                .contains("ferry_target_errors_total{kind=\"connection lost\"} 3.0\n")
                .contains("ferry_target_in_flight_commands{node=\"127.0.0.1:2\"} 9.0\n")
                .contains("ferry_phase{phase=\"live\"} 1.0\n")
                .contains("ferry_phase{phase=\"snapshot\"} 0.0\n");
        // a lag the shard does not count (records, for a Redis shard) and a size it does not know are left out
        assertThat(m).doesNotContain("ferry_shard_lag_records{").doesNotContain("ferry_shard_snapshot_size_bytes{")
                .doesNotContain("ferry_checkpoint_age_seconds ").doesNotContain("ferry_verify_round ");
    }

    @Test
    void reasonsBeyondTwentyAreSummedAsOther() throws Exception {
        for (int i = 0; i < 25; i++) stats.failed(0, ("k" + i).getBytes(StandardCharsets.UTF_8), "reason " + i);
        stats.failed(0, "again".getBytes(StandardCharsets.UTF_8), "reason 24");
        String m = scrape();
        long series = m.lines().filter(l -> l.startsWith("ferry_keys_failed_total{")).count();
        assertThat(series).isEqualTo(FerryMetrics.MAX_REASONS + 1);
        assertThat(m).contains("ferry_keys_failed_total{reason=\"reason 0\"} 1.0\n")
                .contains("ferry_keys_failed_total{reason=\"reason 19\"} 1.0\n")
                .contains("ferry_keys_failed_total{reason=\"other\"} 6.0\n")
                .doesNotContain("reason=\"reason 20\"");
    }
}
