package dev.ferry.source.scan;

import dev.ferry.resp.RespPipeline;
import dev.ferry.record.ElementBatch;
import dev.ferry.command.ValueType;
import dev.ferry.resp.Reply;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one value with type commands, for sources that refuse DUMP: GET, LRANGE and ZRANGE by index chunks,
 * HSCAN and SSCAN. Chunks are not one atomic read; in live mode the change that made them disagree also
 * queues the key for another read. Streams (and module values) cannot be read this way and are reported.
 */
final class TypeReader {
    private static final byte[] TYPE = RespPipeline.ascii("TYPE");
    private static final byte[] PEXPIRETIME = RespPipeline.ascii("PEXPIRETIME");
    private static final byte[] PTTL = RespPipeline.ascii("PTTL");
    private static final byte[] GET = RespPipeline.ascii("GET");
    private static final byte[] LRANGE = RespPipeline.ascii("LRANGE");
    private static final byte[] ZRANGE = RespPipeline.ascii("ZRANGE");
    private static final byte[] WITHSCORES = RespPipeline.ascii("WITHSCORES");
    private static final byte[] HSCAN = RespPipeline.ascii("HSCAN");
    private static final byte[] SSCAN = RespPipeline.ascii("SSCAN");
    private static final byte[] COUNT = RespPipeline.ascii("COUNT");

    /** A value read by type: null batches with a reason when it cannot be read so; gone when it vanished. */
    record Value(ValueType type, long expireAtMs, List<ElementBatch> batches, boolean gone, String unsupported) {
    }

    private final SourceSession session;
    private final int chunk;

    TypeReader(SourceSession session, int chunk) {
        this.session = session;
        this.chunk = chunk;
    }

    Value read(int db, byte[] key) {
        List<Reply> head = session.pipeline(db).add(TYPE, key).add(session.hasExpireTime() ? PEXPIRETIME : PTTL, key).sync();
        long now = System.currentTimeMillis();
        String type = head.get(0).asText();
        long ttl = head.get(1).isError() ? -1 : head.get(1).asLong();
        long expireAt = ttl < 0 ? -1 : session.hasExpireTime() ? ttl : now + ttl;
        switch (type) {
            case "none": return new Value(null, -1, List.of(), true, null);
            case "string": return value(ValueType.STRING, expireAt, string(db, key));
            case "list": return value(ValueType.LIST, expireAt, ranged(db, key, LRANGE, false));
            case "zset": return value(ValueType.ZSET, expireAt, ranged(db, key, ZRANGE, true));
            case "hash": return value(ValueType.HASH, expireAt, scanned(db, key, HSCAN, true));
            case "set": return value(ValueType.SET, expireAt, scanned(db, key, SSCAN, false));
            default:
                return new Value(null, expireAt, null, false, type + " values cannot be read with type commands and the source refuses DUMP");
        }
    }

    private static Value value(ValueType type, long expireAt, List<ElementBatch> batches) {
        // a read that found nothing means the key went away under it
        return new Value(type, expireAt, batches, batches == null, null);
    }

    private List<ElementBatch> string(int db, byte[] key) {
        Reply r = session.pipeline(db).add(GET, key).sync().get(0);
        byte[] v = r instanceof Reply.Bulk b ? b.bytes() : null;
        if (v == null) return null;
        return List.of(new ElementBatch(ValueType.STRING, new byte[][] {v}, null, null, null, 1));
    }

    /** LRANGE / ZRANGE WITHSCORES by index, chunk by chunk, until a short chunk. */
    private List<ElementBatch> ranged(int db, byte[] key, byte[] cmd, boolean scores) {
        List<ElementBatch> out = new ArrayList<>();
        for (long from = 0; ; from += chunk) {
            byte[] start = RespPipeline.ascii(Long.toString(from));
            byte[] stop = RespPipeline.ascii(Long.toString(from + chunk - 1));
            RespPipeline p = session.pipeline(db);
            if (scores) p.add(cmd, key, start, stop, WITHSCORES);
            else p.add(cmd, key, start, stop);
            List<Reply> items = p.sync().get(0).asList();
            int n = scores ? items.size() / 2 : items.size();
            if (n > 0) out.add(batch(scores ? ValueType.ZSET : ValueType.LIST, items, scores, n));
            if (n < chunk) break;
        }
        return out.isEmpty() ? null : out;
    }

    /** HSCAN / SSCAN to the end; an element seen twice (the table grew meanwhile) is written twice, harmlessly. */
    private List<ElementBatch> scanned(int db, byte[] key, byte[] cmd, boolean pairs) {
        List<ElementBatch> out = new ArrayList<>();
        String cursor = "0";
        do {
            List<Reply> r = session.pipeline(db).add(cmd, key, RespPipeline.ascii(cursor), COUNT,
                    RespPipeline.ascii(Integer.toString(chunk))).sync().get(0).asList();
            cursor = r.get(0).asText();
            List<Reply> items = r.get(1).asList();
            int n = pairs ? items.size() / 2 : items.size();
            if (n > 0) out.add(batch(pairs ? ValueType.HASH : ValueType.SET, items, pairs, n));
        } while (!cursor.equals("0"));
        return out.isEmpty() ? null : out;
    }

    private ElementBatch batch(ValueType type, List<Reply> items, boolean pairs, int n) {
        byte[][] first = new byte[n][];
        byte[][] values = type == ValueType.HASH ? new byte[n][] : null;
        double[] scores = type == ValueType.ZSET ? new double[n] : null;
        for (int i = 0; i < n; i++) {
            Reply a = items.get(pairs ? 2 * i : i);
            first[i] = ((Reply.Bulk) a).bytes();
            if (values != null) values[i] = ((Reply.Bulk) items.get(2 * i + 1)).bytes();
            if (scores != null) scores[i] = score(items.get(2 * i + 1).asText());
        }
        return new ElementBatch(type, first, values, scores, null, n);
    }

    /** Redis writes infinities as "inf"/"-inf", which Java does not parse. */
    static double score(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "inf": case "+inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            case "nan": return Double.NaN;
            default: return Double.parseDouble(s);
        }
    }
}
