package dev.ferry.source.scan;

import dev.ferry.resp.RespPipeline;
import dev.ferry.command.ValueType;
import dev.ferry.resp.Reply;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads whole keys with DUMP plus their absolute expiry, a batch per round trip. A key DUMP cannot give
 * (refused by the server, or a payload type this build does not know) is marked for reading by type.
 */
final class DumpReader {
    private static final byte[] DUMP = RespPipeline.ascii("DUMP");
    private static final byte[] PEXPIRETIME = RespPipeline.ascii("PEXPIRETIME");
    private static final byte[] PTTL = RespPipeline.ascii("PTTL");
    private static final int FOOTER = 10;

    enum Kind { DUMPED, GONE, BY_TYPE }

    /** One key as read; {@code payload} is the DUMP without its footer; {@code why} says why BY_TYPE. */
    record Read(byte[] key, Kind kind, byte[] payload, int rdbVersion, long expireAtMs, String why) {
        int rdbType() {
            return payload[0] & 0xff;
        }
    }

    private final SourceSession session;
    private final boolean forceTypeReads;

    DumpReader(SourceSession session, boolean forceTypeReads) {
        this.session = session;
        this.forceTypeReads = forceTypeReads;
    }

    List<Read> read(int db, List<byte[]> keys) {
        List<Read> out = new ArrayList<>(keys.size());
        if (forceTypeReads) {
            for (byte[] k : keys) out.add(new Read(k, Kind.BY_TYPE, null, 0, -1, "type reads forced"));
            return out;
        }
        RespPipeline p = session.pipeline(db);
        for (byte[] k : keys) {
            p.add(session.hasExpireTime() ? PEXPIRETIME : PTTL, k);
            p.add(DUMP, k);
        }
        List<Reply> replies = p.sync();
        long now = System.currentTimeMillis();
        for (int i = 0; i < keys.size(); i++) {
            out.add(interpret(keys.get(i), replies.get(2 * i), replies.get(2 * i + 1), now));
        }
        return out;
    }

    private Read interpret(byte[] key, Reply expiry, Reply dump, long now) {
        if (dump instanceof Reply.Error e) return new Read(key, Kind.BY_TYPE, null, 0, -1, "DUMP refused: " + e.message());
        long ttl = expiry.isError() ? -1 : expiry.asLong();
        byte[] bytes = dump instanceof Reply.Bulk b ? b.bytes() : null;
        // gone before either reply: nothing to copy; a live run gets the deletion's event
        if (bytes == null || ttl == -2) return new Read(key, Kind.GONE, null, 0, -1, null);
        if (bytes.length <= FOOTER) return new Read(key, Kind.BY_TYPE, null, 0, -1, "DUMP payload too short");
        long expireAt = ttl < 0 ? -1 : session.hasExpireTime() ? ttl : now + ttl;
        int version = (bytes[bytes.length - FOOTER] & 0xff) | (bytes[bytes.length - FOOTER + 1] & 0xff) << 8;
        byte[] payload = java.util.Arrays.copyOf(bytes, bytes.length - FOOTER);
        if (ValueType.ofRdbType(payload[0] & 0xff) == null) {
            return new Read(key, Kind.BY_TYPE, null, 0, -1, "DUMP payload of unknown RDB type " + (payload[0] & 0xff)
                    + " (RDB version " + version + ")");
        }
        return new Read(key, Kind.DUMPED, payload, version, expireAt, null);
    }
}
