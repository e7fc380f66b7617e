package dev.ferry.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.pipeline.RunStats;
import dev.ferry.record.FileOffset;
import dev.ferry.record.FlowLsn;
import dev.ferry.record.Position;
import dev.ferry.record.ReplicationOffset;
import dev.ferry.record.ScanPosition;
import dev.ferry.writer.WriterLoad;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builds the {@code /status} and {@code /history} documents (the fields are listed in the README). */
final class StatusReport {
    static final ObjectMapper JSON = new ObjectMapper();

    private StatusReport() {
    }

    static ObjectNode status(RunBoard board) {
        RunView v = board.view();
        Sampler.Rates rates = board.rates();
        long now = System.currentTimeMillis();
        ObjectNode o = JSON.createObjectNode();
        o.put("ferry", board.version());
        o.put("runId", board.runId());
        o.put("command", v.command());
        o.put("source", v.source());
        o.put("target", v.target());
        o.put("phase", board.phase());
        o.put("startedAt", Instant.ofEpochMilli(board.startedAt()).toString());
        o.put("now", Instant.ofEpochMilli(now).toString());
        o.put("uptimeSeconds", round((now - board.startedAt()) / 1000.0));
        ArrayNode shards = o.putArray("shards");
        for (ShardState s : v.shards()) shards.add(shard(s, rates.of(s.name())));
        RunStats stats = v.stats();
        WriterLoad w = v.writer();
        ObjectNode keys = o.putObject("keys");
        keys.put("read", stats.keysRead.sum());
        keys.put("written", w == null ? 0 : w.keysWritten());
        keys.put("filtered", stats.filtered.sum());
        // the snapshot's progress in keys, where its RDB said how many it holds (a Redis full sync, an RDB file)
        long announced = stats.keysAnnounced.sum();
        long read = stats.keysRead.sum();
        boolean copying = board.phase().equals("snapshot");
        if (announced > 0) {
            keys.put("expected", announced);
            keys.put("percent", round(Math.min(100.0, 100.0 * read / announced)));
        } else {
            keys.putNull("expected");
            keys.putNull("percent");
        }
        if (announced > 0 && copying && rates.keysReadRate() > 0) keys.put("etaSeconds", round(Math.max(0, announced - read) / rates.keysReadRate()));
        else keys.putNull("etaSeconds");
        ObjectNode writer = o.putObject("writer");
        writer.put("keysWritten", w == null ? 0 : w.keysWritten());
        writer.put("commandsApplied", w == null ? 0 : w.commandsApplied());
        writer.put("bytesSent", w == null ? 0 : w.bytesSent());
        writer.put("writeRate", round(rates.writeRate()));
        writer.put("reconnects", w == null ? 0 : w.reconnects());
        ArrayNode nodes = writer.putArray("nodes");
        if (w != null) {
            for (WriterLoad.NodeLoad n : w.nodes()) {
                nodes.addObject().put("address", n.address()).put("connections", n.connections()).put("inFlight", n.inFlight());
            }
        }
        ObjectNode errors = writer.putObject("errors");
        if (w != null) w.errors().forEach(errors::put);
        reasons(o.putObject("skipped"), stats.skippedByReason());
        reasons(o.putObject("failed"), stats.failedByReason());
        reasons(o.putObject("warned"), stats.warnedByReason());
        ObjectNode cp = o.putObject("checkpoint");
        String prefix = v.checkpointPrefix();
        cp.put("enabled", prefix != null);
        cp.put("prefix", prefix);
        long written = v.checkpointWrittenAt();
        long current = v.checkpointCurrentAt();
        cp.put("lastWrittenAt", written < 0 ? null : Instant.ofEpochMilli(written).toString());
        if (current < 0) cp.putNull("ageSeconds");
        else cp.put("ageSeconds", round(Math.max(0, now - current) / 1000.0));
        RunView.VerifyState vs = v.verify();
        if (vs == null) {
            o.putNull("verify");
        } else {
            o.putObject("verify").put("round", vs.round()).put("rounds", vs.rounds())
                    .put("sourceKeysChecked", vs.sourceKeysChecked()).put("targetKeysChecked", vs.targetKeysChecked())
                    .put("candidates", vs.candidates());
        }
        return o;
    }

    private static ObjectNode shard(ShardState s, double[] rate) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", s.name());
        o.put("phase", s.phase());
        Position p = s.confirmed();
        if (p == null) o.putNull("position");
        else o.set("position", position(p));
        o.put("positionText", p == null ? null : p.describe());
        o.put("positionUnit", s.positionUnit());
        ObjectNode snap = o.putObject("snapshot");
        snap.put("done", s.snapshotDone());
        snap.put("bytesRead", s.snapshotBytesRead());
        boolean sized = s.snapshotBytesTotal() > 0;
        if (sized) snap.put("bytesTotal", s.snapshotBytesTotal());
        else snap.putNull("bytesTotal");
        if (sized) snap.put("percent", round(s.snapshotDone() ? 100.0 : Math.min(100.0, 100.0 * s.snapshotBytesRead() / s.snapshotBytesTotal())));
        else snap.putNull("percent");
        // time left at the rate of the last second: only while the snapshot is still read and the size is known
        if (sized && !s.snapshotDone() && rate[2] > 0) snap.put("etaSeconds", round(Math.max(0, s.snapshotBytesTotal() - s.snapshotBytesRead()) / rate[2]));
        else snap.putNull("etaSeconds");
        o.put("commandsRead", s.commandsRead());
        o.put("bytesRead", s.bytesRead());
        o.put("readRate", round(rate[0]));
        o.put("readBytesRate", round(rate[1]));
        ObjectNode lag = o.putObject("lag");
        lag.put("bytes", s.lagBytes());
        lag.put("records", s.lagRecords());
        lag.put("seconds", round(s.lagSeconds()));
        o.put("reconnects", s.reconnects());
        o.put("resyncs", s.resyncs());
        o.put("note", s.note());
        return o;
    }

    /** A position with its kind and fields, as the checkpoint keeps it. */
    static ObjectNode position(Position p) {
        ObjectNode o = JSON.createObjectNode();
        if (p instanceof ReplicationOffset r) {
            o.put("kind", "repl").put("replid", r.replid()).put("offset", r.offset()).put("db", r.db());
        } else if (p instanceof FlowLsn f) {
            o.put("kind", "flow").put("master", f.master()).put("flow", f.flow()).put("lsn", f.lsn());
        } else if (p instanceof FileOffset f) {
            o.put("kind", "file").put("offset", f.offset());
        } else if (p instanceof ScanPosition s) {
            o.put("kind", "scan").put("db", s.db()).put("cursor", s.cursor()).put("sequence", s.sequence());
        }
        return o;
    }

    private static void reasons(ObjectNode o, Map<String, RunStats.Reason> byReason) {
        long total = 0;
        ArrayNode list = o.putArray("reasons");
        for (Map.Entry<String, RunStats.Reason> e : byReason.entrySet()) {
            RunStats.Reason r = e.getValue();
            total += r.count;
            ObjectNode item = list.addObject().put("reason", e.getKey()).put("count", r.count);
            ArrayNode ex = item.putArray("examples");
            r.examples.stream().limit(3).forEach(ex::add);
        }
        o.put("total", total);
    }

    static ObjectNode history(History history, long since) {
        ObjectNode o = JSON.createObjectNode();
        o.put("intervalSeconds", History.INTERVAL_SECONDS);
        o.put("keepSeconds", History.KEEP_SECONDS);
        ArrayNode samples = o.putArray("samples");
        for (History.Sample s : history.since(since)) {
            ObjectNode so = samples.addObject();
            so.put("t", s.t()).put("keysWritten", s.keysWritten()).put("commandsApplied", s.commandsApplied())
                    .put("writeRate", round(s.writeRate()));
            ArrayNode shards = so.putArray("shards");
            for (History.ShardSample sh : s.shards()) {
                shards.addObject().put("name", sh.name()).put("lagSeconds", round(sh.lagSeconds()))
                        .put("lagBytes", sh.lagBytes()).put("lagRecords", sh.lagRecords())
                        .put("readRate", round(sh.readRate())).put("readBytesRate", round(sh.readBytesRate()));
            }
        }
        return o;
    }

    private static double round(double d) {
        return Math.round(d * 1000.0) / 1000.0;
    }
}
