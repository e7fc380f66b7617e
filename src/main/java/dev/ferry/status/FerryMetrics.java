package dev.ferry.status;

import dev.ferry.pipeline.RunStats;
import dev.ferry.writer.WriterLoad;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import java.util.function.ToDoubleFunction;

/**
 * {@code /metrics}: the run's counters in the Prometheus text format, written by the Prometheus project's own
 * client library. Every metric is a callback that reads the run's counters at scrape time, so nothing is counted
 * twice and a run nobody scrapes pays nothing. Names follow Prometheus' conventions: {@code ferry_} prefix, the
 * unit in the name, {@code _total} on counters (the library adds it), a {@code shard} label per source shard.
 */
final class FerryMetrics {
    /** Reasons beyond this many are summed under "other": a label must keep to a few values. */
    static final int MAX_REASONS = 20;
    static final List<String> PHASES = List.of("starting", "snapshot", "live", "stopping", "cut over", "verifying", "done",
            "failed", "stopped");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final RunBoard board;

    FerryMetrics(RunBoard board) {
        this.board = board;
        RunView v = board.view();
        gauge("ferry_run_info", "The run: its command and id, and Ferry's version (always 1).", cb ->
                cb.call(1, v.command(), board.runId(), board.version()), "command", "run_id", "version");
        gauge("ferry_phase", "1 for the phase the run is in, 0 for the others.", cb -> {
            String now = board.phase();
            for (String p : PHASES) cb.call(p.equals(now) ? 1 : 0, p);
        }, "phase");
        gauge("ferry_start_time_seconds", "When the run started, in seconds since the epoch.",
                cb -> cb.call(board.startedAt() / 1000.0));

        shardGauge("ferry_shard_lag_seconds", "Age of the oldest write read from the shard and not yet confirmed by the target.",
                ShardState::lagSeconds);
        shardGauge("ferry_shard_lag_bytes", "Replication stream bytes read from the shard and not yet confirmed (Redis sources).",
                s -> s.lagBytes() == null ? Double.NaN : s.lagBytes());
        shardGauge("ferry_shard_lag_records", "Journal records (Dragonfly) or changed keys (scan) read and not yet confirmed.",
                s -> s.lagRecords() == null ? Double.NaN : s.lagRecords());
        shardCounter("ferry_shard_read_commands", "Commands read from the shard's stream after its snapshot.", ShardState::commandsRead);
        shardCounter("ferry_shard_read_bytes", "Bytes read from the shard: snapshot and stream.", ShardState::bytesRead);
        shardCounter("ferry_shard_reconnects", "Links to the shard lost and made again.", ShardState::reconnects);
        shardCounter("ferry_shard_resyncs", "Full syncs of the shard after its first.", ShardState::resyncs);
        shardGauge("ferry_shard_snapshot_read_bytes", "Bytes of the shard's current snapshot read so far.", ShardState::snapshotBytesRead);
        shardGauge("ferry_shard_snapshot_size_bytes", "Size of the shard's current snapshot, where the source says it (NaN: unknown).",
                s -> s.snapshotBytesTotal() > 0 ? s.snapshotBytesTotal() : Double.NaN);
        shardGauge("ferry_shard_snapshot_done", "1 once the shard's snapshot is confirmed on the target.", s -> s.snapshotDone() ? 1 : 0);
        shardGauge("ferry_shard_confirmed_position", "The shard's confirmed position as a number: replication offset, LSN, "
                + "file offset or record count (see /status for its kind).", s -> s.confirmed() == null ? Double.NaN : s.confirmed().ordinal());

        counter("ferry_keys_read", "Keys read from the sources' snapshots.", () -> v.stats().keysRead.sum());
        counter("ferry_keys_filtered", "Keys and commands left out by the filters.", () -> v.stats().filtered.sum());
        counter("ferry_keys_written", "Keys the target confirmed written.", () -> writer(v, WriterLoad::keysWritten));
        counter("ferry_commands_applied", "Live commands (and MULTI/EXEC blocks) the target confirmed.",
                () -> writer(v, WriterLoad::commandsApplied));
        counter("ferry_target_written_bytes", "Bytes sent to the target.", () -> writer(v, WriterLoad::bytesSent));
        counter("ferry_target_reconnects", "Lost target connections restored.", () -> writer(v, WriterLoad::reconnects));
        counter("ferry_resume_skipped_writes", "Live writes of a resumed run not sent again: the target's checkpoint "
                + "showed an earlier run applied them.", () -> writer(v, WriterLoad::resumeSkipped));
        counter("ferry_guards_resolved_writes", "Writes whose answer was lost with their connection, found applied on "
                + "the target by their guard.", () -> writer(v, WriterLoad::guardsResolved));
        reasons("ferry_keys_skipped", "Keys left out, by reason.", () -> v.stats().skippedByReason());
        reasons("ferry_keys_failed", "Keys or commands the target refused, by reason.", () -> v.stats().failedByReason());
        reasons("ferry_keys_warned", "Keys applied with a warning, by reason.", () -> v.stats().warnedByReason());
        CounterWithCallback.builder().name("ferry_target_errors").help("The target's refusals and lost connections, by kind "
                + "(MOVED and ASK are redirects Ferry follows; TRYAGAIN, LOADING, OOM are retried).").labelNames("kind")
                .callback(cb -> {
                    WriterLoad w = v.writer();
                    if (w != null) w.errors().forEach((kind, n) -> cb.call(n, kind));
                }).register(registry);
        gauge("ferry_target_in_flight_commands", "Commands sent to a target node and not answered yet.", cb -> {
            WriterLoad w = v.writer();
            if (w != null) for (WriterLoad.NodeLoad n : w.nodes()) cb.call(n.inFlight(), n.address());
        }, "node");
        gauge("ferry_checkpoint_last_write_timestamp_seconds", "When the target last took the run's checkpoint.", cb -> {
            long at = v.checkpointWrittenAt();
            if (at >= 0) cb.call(at / 1000.0);
        });
        gauge("ferry_checkpoint_age_seconds", "How long since the checkpoint on the target was last known current.", cb -> {
            long at = v.checkpointCurrentAt();
            if (at >= 0) cb.call(Math.max(0, System.currentTimeMillis() - at) / 1000.0);
        });
        gauge("ferry_verify_round", "The verify's round (1 = the full pass).", cb -> {
            RunView.VerifyState s = v.verify();
            if (s != null) cb.call(s.round());
        });
        counter("ferry_verify_checked_keys", "Keys a verify read on each side.", List.of("side"), cb -> {
            RunView.VerifyState s = v.verify();
            if (s == null) return;
            cb.call(s.sourceKeysChecked(), "source");
            cb.call(s.targetKeysChecked(), "target");
        });
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    private static long writer(RunView v, java.util.function.ToLongFunction<WriterLoad> f) {
        WriterLoad w = v.writer();
        return w == null ? 0 : f.applyAsLong(w);
    }

    private void gauge(String name, String help, Consumer<GaugeWithCallback.Callback> cb, String... labels) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(labels).callback(cb).register(registry);
    }

    private void counter(String name, String help, java.util.function.LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    private void counter(String name, String help, List<String> labels, Consumer<CounterWithCallback.Callback> cb) {
        CounterWithCallback.builder().name(name).help(help).labelNames(labels.toArray(String[]::new)).callback(cb).register(registry);
    }

    private void shardGauge(String name, String help, ToDoubleFunction<ShardState> f) {
        gauge(name, help, cb -> {
            for (ShardState s : board.view().shards()) {
                double d = f.applyAsDouble(s);
                if (!Double.isNaN(d)) cb.call(d, s.name());
            }
        }, "shard");
    }

    private void shardCounter(String name, String help, ToDoubleFunction<ShardState> f) {
        counter(name, help, List.of("shard"), cb -> {
            for (ShardState s : board.view().shards()) cb.call(f.applyAsDouble(s), s.name());
        });
    }

    private void reasons(String name, String help, java.util.function.Supplier<Map<String, RunStats.Reason>> byReason) {
        counter(name, help, List.of("reason"), cb -> {
            long other = 0;
            int i = 0;
            for (Map.Entry<String, RunStats.Reason> e : byReason.get().entrySet()) {
                if (i++ < MAX_REASONS) cb.call(e.getValue().count, e.getKey());
                else other += e.getValue().count;
            }
            if (other > 0) cb.call(other, "other");
        });
    }
}
