package dev.ferry.writer;

import dev.ferry.server.ServerInfo;

import dev.ferry.rdb.DragonflyTypes;
import dev.ferry.rdb.DumpPayload;
import dev.ferry.rdb.RdbValueDecoder;
import dev.ferry.rdb.StreamValue;
import dev.ferry.record.BigValueStart;
import dev.ferry.record.ElementBatch;
import dev.ferry.record.KeyValue;
import dev.ferry.command.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns source records into target commands: RESTORE of the RDB payload where the target loads that
 * encoding, else type commands (SET, RPUSH, SADD, ZADD, HSET, then PEXPIREAT), which is also how big
 * values are written, batch by batch.
 *
 * <p>A Dragonfly target takes RESTORE of the encodings {@link DragonflyRestore} lists, a TTL of at most 2^28 s
 * ({@link DragonflyTtl}: longer ones are cut to it, with a warning per key), and the plain XSETID only (what a stream's
 * entries-added and max-deleted-id then lose is a warning per key).
 */
final class RecordTranslator {
    interface Emitter {
        void command(int flags, byte[]... args);

        /** Synchronous existence check, for --no-replace where the commands themselves cannot tell; a key found
         *  there counts as skipped. */
        boolean exists(int db, byte[] key);

        /** The key is written, but not exactly as the source held it. */
        void warn(String message);
    }

    private static final byte[] RESTORE = ascii("RESTORE");
    private static final byte[] REPLACE = ascii("REPLACE");
    private static final byte[] ABSTTL = ascii("ABSTTL");
    private static final byte[] ZERO = ascii("0");
    private static final byte[] SET = ascii("SET");
    private static final byte[] NX = ascii("NX");
    private static final byte[] APPEND = ascii("APPEND");
    private static final byte[] DEL = ascii("DEL");
    private static final byte[] RPUSH = ascii("RPUSH");
    private static final byte[] SADD = ascii("SADD");
    private static final byte[] ZADD = ascii("ZADD");
    private static final byte[] HSET = ascii("HSET");
    private static final byte[] PEXPIREAT = ascii("PEXPIREAT");
    private static final byte[] HPEXPIREAT = ascii("HPEXPIREAT");
    private static final byte[] FIELDS = ascii("FIELDS");
    private static final byte[] ONE = ascii("1");
    private static final byte[] XADD = ascii("XADD");
    private static final byte[] MAXLEN = ascii("MAXLEN");
    private static final byte[] XSETID = ascii("XSETID");
    private static final byte[] ENTRIESADDED = ascii("ENTRIESADDED");
    private static final byte[] MAXDELETEDID = ascii("MAXDELETEDID");
    private static final byte[] XGROUP = ascii("XGROUP");
    private static final byte[] CREATE = ascii("CREATE");
    private static final byte[] SETID = ascii("SETID");
    private static final byte[] ENTRIESREAD = ascii("ENTRIESREAD");
    private static final byte[] CREATECONSUMER = ascii("CREATECONSUMER");
    private static final byte[] XCLAIM = ascii("XCLAIM");
    private static final byte[] TIME = ascii("TIME");
    private static final byte[] RETRYCOUNT = ascii("RETRYCOUNT");
    private static final byte[] FORCE = ascii("FORCE");
    private static final byte[] JUSTID = ascii("JUSTID");
    private static final byte[] JSON_SET = ascii("JSON.SET");
    private static final byte[] DOLLAR = ascii("$");

    private static final byte[] PXAT = ascii("PXAT");

    private final ServerInfo target;
    private final WriterOptions options;
    private final boolean dragonfly;
    /** Wall clock in ms: how far ahead a TTL lies, for Dragonfly's limit. */
    private final java.util.function.LongSupplier clock;
    /** SET takes PXAT (Redis 6.2+, Dragonfly): a whole string and its TTL go in one command. */
    private final boolean setTakesPxat;

    /** State of the big value being written (records of one key come back to back). */
    private boolean bigFirstStringPiece;
    private boolean bigDroppedFieldTtls;
    private boolean bigDroppedMemberTtls;

    RecordTranslator(ServerInfo target, WriterOptions options) {
        this(target, options, System::currentTimeMillis);
    }

    RecordTranslator(ServerInfo target, WriterOptions options, java.util.function.LongSupplier clock) {
        this.target = target;
        this.options = options;
        this.clock = clock;
        this.dragonfly = target.engine() == ServerInfo.Engine.DRAGONFLY;
        this.setTakesPxat = target.engine() == ServerInfo.Engine.DRAGONFLY || target.atLeast(6, 2);
        // an MSET of a cluster's keys must stay in one slot, and Dragonfly makes a multi-key write atomic across
        // its shards, which costs it more than separate SETs: only a standalone Redis gets them grouped
        this.groupSets = target.engine() == ServerInfo.Engine.REDIS && !target.cluster() && options.replace();
    }

    private final boolean groupSets;

    /** Writes one whole key; returns null, or why the key was skipped (the target cannot hold it). */
    String keyValue(KeyValue kv, Emitter out) {
        if (kv.type() == ValueType.MODULE && !DragonflyTypes.isDragonflyOnly(kv.rdbType())) {
            // RESTORE of a type the target has no module for answers only "Bad data format": never send it
            String typeName = RdbValueDecoder.moduleTypeName(kv.payload());
            String missing = typeName == null ? null : target.missingModule(typeName);
            if (missing != null) return missing;
        }
        long expireAt = expiry(kv.expireAtMs(), out);
        if (expireAt != kv.expireAtMs()) {
            kv = new KeyValue(kv.db(), kv.key(), kv.rdbType(), expireAt, kv.payload(), kv.rdbVersion(), kv.position());
        }
        if (kv.rdbType() == 0 && setTakesPxat) {
            // a string as SET, not RESTORE: no DUMP payload to build and checksum here, a quarter fewer bytes to
            // send, and less work for the target (Redis spends ~20% more CPU on a RESTORE of a small string)
            setString(kv, out);
            return null;
        }
        if (options.mode() != WriterOptions.Mode.COMMANDS && restoreLoads(kv.rdbType())) {
            restore(kv, out);
            return null;
        }
        ValueType type = kv.type();
        if (DragonflyTypes.isDragonflyOnly(kv.rdbType())) {
            String refusal = dragonflyOnly(kv, out);
            if (refusal != null) return refusal;
            if (kv.rdbType() == DragonflyTypes.JSON) return null;
        }
        if (type == ValueType.MODULE) {
            return "module value (RDB type " + kv.rdbType() + ") can only be written by RESTORE into a target with the module";
        }
        if (type == ValueType.STREAM) {
            StreamValue stream = RdbValueDecoder.decodeStream(kv);
            if (begin(kv.db(), kv.key(), type, out)) {
                streamCommands(kv.key(), stream, out);
                expire(kv.key(), kv.expireAtMs(), out);
            }
            return null;
        }
        List<ElementBatch> batches = new ArrayList<>();
        RdbValueDecoder.decode(kv, options.batch(), batches::add);
        if (type == ValueType.HASH && !target.hasFieldExpiry() && hasFieldTtls(batches)) {
            return "hash with per-field TTLs needs Redis 7.4+ (HPEXPIREAT); " + target.describe() + " cannot hold them";
        }
        if (type == ValueType.SET && hasFieldTtls(batches)) {
            return "set members with their own TTL (Dragonfly's SADDEX) have no Redis equivalent";
        }
        byte[] plain = options.mode() == WriterOptions.Mode.AUTO ? DumpPayload.plain(type, batches, target.rdbVersion()) : null;
        if (plain != null && restoreLoads(plain[0] & 0xff)) {
            // an encoding the target does not know (SET_LISTPACK into 7.0, say): the same elements in a
            // plain encoding it loads still go in one atomic RESTORE (Dragonfly has no plain list: commands)
            restore(kv.key(), kv.expireAtMs(), DumpPayload.of(plain, target.rdbVersion()), out);
            return null;
        }
        if (!begin(kv.db(), kv.key(), type, out)) return null;
        bigFirstStringPiece = true;
        for (ElementBatch b : batches) elements(kv.key(), b, out);
        expire(kv.key(), kv.expireAtMs(), out);
        return null;
    }

    /**
     * Dragonfly's own types: JSON goes to RedisJSON where the target has it; hashes and sets with member TTLs
     * go on as hashes and sets; the probabilistic types have no form a Redis target loads. Returns why the key
     * cannot be written, or null.
     */
    private String dragonflyOnly(KeyValue kv, Emitter out) {
        switch (kv.rdbType()) {
            case DragonflyTypes.JSON: {
                if (!target.modules().contains("rejson")) {
                    return "Dragonfly JSON value: " + target.describe() + " has no RedisJSON module";
                }
                byte[] text = RdbValueDecoder.decodeString(kv);
                if (!begin(kv.db(), kv.key(), ValueType.STRING, out)) return null;
                if (options.replace()) out.command(0, JSON_SET, kv.key(), DOLLAR, text);
                else out.command(Pending.NIL_MEANS_EXISTS, JSON_SET, kv.key(), DOLLAR, text, NX);
                expire(kv.key(), kv.expireAtMs(), out);
                return null;
            }
            case DragonflyTypes.HASH_WITH_EXPIRY: case DragonflyTypes.SET_WITH_EXPIRY:
                return null;
            default:
                return "Dragonfly " + DragonflyTypes.name(kv.rdbType()) + ": Ferry has no conversion to a value "
                        + target.describe() + " loads";
        }
    }

    /** Opens a big value; returns false when it must not be written (it exists and --no-replace). */
    boolean bigStart(BigValueStart start, Emitter out) {
        bigFirstStringPiece = true;
        bigDroppedFieldTtls = false;
        bigDroppedMemberTtls = false;
        return begin(start.db(), start.key(), start.type(), out);
    }

    void bigElements(byte[] key, ElementBatch batch, Emitter out) {
        elements(key, batch, out);
    }

    /** Closes a big value. */
    void bigEnd(BigValueStart start, Emitter out) {
        expire(start.key(), expiry(start.expireAtMs(), out), out);
        if (bigDroppedFieldTtls) out.warn("per-field TTLs dropped: " + target.describe() + " has no HPEXPIREAT");
        if (bigDroppedMemberTtls) out.warn("set member TTLs dropped: Redis has no expiry for set members");
    }

    /**
     * {@code SET key value [NX] [PXAT ms]}: one command, so the key and its TTL arrive together, and under
     * --no-replace a key that exists keeps its own TTL too (a PEXPIREAT after a refused SET NX would change it).
     */
    private void setString(KeyValue kv, Emitter out) {
        byte[] value = RdbValueDecoder.rawString(kv.payload());
        if (value == null) value = RdbValueDecoder.decodeString(kv);
        boolean ttl = kv.expireAtMs() > 0;
        byte[][] args = new byte[3 + (options.replace() ? 0 : 1) + (ttl ? 2 : 0)][];
        args[0] = SET;
        args[1] = kv.key();
        args[2] = value;
        int i = 3;
        if (!options.replace()) args[i++] = NX;
        if (ttl) {
            args[i++] = PXAT;
            args[i] = ascii(Long.toString(kv.expireAtMs()));
        }
        out.command(!options.replace() ? Pending.NIL_MEANS_EXISTS : groupSets && !ttl ? Pending.GROUPABLE : 0, args);
    }

    /** Whether the target's RESTORE loads a payload of object type {@code rdbType}. */
    private boolean restoreLoads(int rdbType) {
        return dragonfly ? DragonflyRestore.loads(target, rdbType) : DumpPayload.targetLoads(rdbType, target.rdbVersion());
    }

    /**
     * The absolute expiry to write for a key expiring at {@code expireAtMs} (0: none): on Dragonfly one beyond its
     * limit is cut to it and reported, as Dragonfly would cut it silently (RESTORE, SET) or refuse it (PEXPIREAT).
     */
    private long expiry(long expireAtMs, Emitter out) {
        if (!dragonfly || expireAtMs <= 0) return expireAtMs;
        long now = clock.getAsLong();
        if (!DragonflyTtl.beyond(expireAtMs, now)) return expireAtMs;
        out.warn(DragonflyTtl.warning(expireAtMs - now, expireAtMs));
        return DragonflyTtl.clampAt(expireAtMs, now);
    }

    private void restore(KeyValue kv, Emitter out) {
        // any footer version up to the target's own is accepted, and the target loads this type code
        restore(kv.key(), kv.expireAtMs(), DumpPayload.of(kv.payload(), target.rdbVersion()), out);
    }

    private void restore(byte[] key, long expireAtMs, byte[] dump, Emitter out) {
        byte[] ttl = expireAtMs > 0 ? ascii(Long.toString(expireAtMs)) : ZERO;
        if (options.replace()) {
            out.command(0, RESTORE, key, ttl, dump, REPLACE, ABSTTL);
        } else {
            out.command(0, RESTORE, key, ttl, dump, ABSTTL);
        }
    }

    private boolean begin(int db, byte[] key, ValueType type, Emitter out) {
        if (!options.replace()) {
            // SET NX answers for strings itself; collections need asking first
            return type == ValueType.STRING || !out.exists(db, key);
        }
        if (type != ValueType.STRING) out.command(0, DEL, key);
        return true;
    }

    private void elements(byte[] key, ElementBatch b, Emitter out) {
        int n = b.size();
        if (n == 0) return;
        switch (b.type()) {
            case STRING: {
                for (int i = 0; i < n; i++) {
                    if (bigFirstStringPiece) {
                        bigFirstStringPiece = false;
                        if (options.replace()) out.command(0, SET, key, b.item(i));
                        else out.command(Pending.NIL_MEANS_EXISTS, SET, key, b.item(i), NX);
                    } else {
                        out.command(0, APPEND, key, b.item(i));
                    }
                }
                break;
            }
            case LIST: out.command(0, withItems(RPUSH, key, b)); break;
            case SET: {
                out.command(0, withItems(SADD, key, b));
                if (b.hasTtls()) bigDroppedMemberTtls = true;
                break;
            }
            case ZSET: {
                byte[][] args = new byte[2 + 2 * n][];
                args[0] = ZADD;
                args[1] = key;
                for (int i = 0; i < n; i++) {
                    args[2 + 2 * i] = score(b.score(i));
                    args[3 + 2 * i] = b.item(i);
                }
                out.command(0, args);
                break;
            }
            case HASH: {
                byte[][] args = new byte[2 + 2 * n][];
                args[0] = HSET;
                args[1] = key;
                for (int i = 0; i < n; i++) {
                    args[2 + 2 * i] = b.item(i);
                    args[3 + 2 * i] = b.value(i);
                }
                out.command(0, args);
                if (b.hasTtls()) {
                    for (int i = 0; i < n; i++) {
                        long ttl = b.ttl(i);
                        if (ttl <= 0) continue;
                        if (target.hasFieldExpiry()) {
                            out.command(0, HPEXPIREAT, key, ascii(Long.toString(ttl)), FIELDS, ONE, b.item(i));
                        } else {
                            bigDroppedFieldTtls = true;
                        }
                    }
                }
                break;
            }
            default:
                throw new IllegalStateException("no element commands for " + b.type());
        }
    }

    /**
     * A stream as commands: its entries with their ids, then its id counters, then each consumer group with
     * its consumers and pending entries (delivery time and count kept). PEL entries whose message was
     * deleted cannot be recreated by XCLAIM; RESTORE keeps them.
     */
    private void streamCommands(byte[] key, StreamValue s, Emitter out) {
        if (s.length() != s.entries().size()) {
            out.warn("stream length field says " + s.length() + " but the stream holds " + s.entries().size()
                    + " entries; written with its entries (RESTORE would keep the field)");
        }
        if (s.entries().isEmpty()) {
            // an empty stream still exists (it may carry groups): create it with one entry trimmed away at once
            out.command(0, XADD, key, MAXLEN, ZERO, ascii("0-1"), ascii("f"), ascii("v"));
        }
        for (StreamValue.Entry e : s.entries()) {
            byte[][] args = new byte[3 + 2 * e.fields().length][];
            args[0] = XADD;
            args[1] = key;
            args[2] = id(e.id());
            for (int i = 0; i < e.fields().length; i++) {
                args[3 + 2 * i] = e.fields()[i];
                args[4 + 2 * i] = e.values()[i];
            }
            out.command(0, args);
        }
        boolean v7 = target.engine() == ServerInfo.Engine.REDIS && target.atLeast(7, 0);
        if (v7) {
            out.command(0, XSETID, key, id(s.lastId()), ENTRIESADDED, ascii(Long.toString(s.entriesAdded())),
                    MAXDELETEDID, id(s.maxDeletedId()));
        } else {
            out.command(0, XSETID, key, id(s.lastId()));
            if (dragonfly) {
                // the XADDs above count one entry added each (the empty stream's trimmed one too), and nothing deleted
                long added = Math.max(1, s.entries().size());
                boolean deleted = s.maxDeletedId().ms() != 0 || s.maxDeletedId().seq() != 0;
                if (s.entriesAdded() != added || deleted) {
                    out.warn("stream entries-added " + s.entriesAdded() + " and max-deleted-id " + s.maxDeletedId()
                            + " not kept (Dragonfly's XSETID takes no ENTRIESADDED/MAXDELETEDID): the copy says " + added
                            + " and 0-0");
                }
            }
        }
        // Dragonfly's XGROUP CREATE ignores ENTRIESREAD; its XGROUP SETID takes it from 1.37
        boolean setIdEntriesRead = dragonfly && target.atLeast(1, 37);
        for (StreamValue.Group g : s.groups()) {
            if (v7 && g.entriesRead() >= 0) {
                out.command(0, XGROUP, CREATE, key, g.name(), id(g.lastId()), ENTRIESREAD, ascii(Long.toString(g.entriesRead())));
            } else {
                out.command(0, XGROUP, CREATE, key, g.name(), id(g.lastId()));
                if (setIdEntriesRead && g.entriesRead() >= 0) {
                    out.command(0, XGROUP, SETID, key, g.name(), id(g.lastId()), ENTRIESREAD, ascii(Long.toString(g.entriesRead())));
                } else if (dragonfly && g.entriesRead() >= 0) {
                    out.warn("consumer group " + new String(g.name(), StandardCharsets.UTF_8) + ": entries-read "
                            + g.entriesRead() + " not kept (" + target.describe() + " sets it from 1.37 only); its lag is estimated");
                }
            }
            for (StreamValue.Consumer c : g.consumers()) out.command(0, XGROUP, CREATECONSUMER, key, g.name(), c.name());
            for (StreamValue.Pending p : g.pending()) {
                out.command(0, XCLAIM, key, g.name(), p.consumer(), ZERO, id(p.id()), TIME,
                        ascii(Long.toString(p.deliveryTimeMs())), RETRYCOUNT, ascii(Long.toString(p.deliveryCount())), FORCE, JUSTID);
            }
        }
    }

    private static byte[] id(StreamValue.Id id) {
        return ascii(id.toString());
    }

    private static byte[][] withItems(byte[] cmd, byte[] key, ElementBatch b) {
        byte[][] args = new byte[2 + b.size()][];
        args[0] = cmd;
        args[1] = key;
        for (int i = 0; i < b.size(); i++) args[2 + i] = b.item(i);
        return args;
    }

    private static void expire(byte[] key, long expireAtMs, Emitter out) {
        if (expireAtMs > 0) out.command(0, PEXPIREAT, key, ascii(Long.toString(expireAtMs)));
    }

    private static boolean hasFieldTtls(List<ElementBatch> batches) {
        for (ElementBatch b : batches) {
            if (!b.hasTtls()) continue;
            for (int i = 0; i < b.size(); i++) if (b.ttl(i) > 0) return true;
        }
        return false;
    }

    /** Scores keep full double precision: Java's shortest repr round-trips, and Redis parses it with strtod. */
    static byte[] score(double d) {
        if (d == Double.POSITIVE_INFINITY) return ascii("inf");
        if (d == Double.NEGATIVE_INFINITY) return ascii("-inf");
        if (d == 0 && 1 / d < 0) return ascii("-0");
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return ascii(Long.toString((long) d));
        return ascii(Double.toString(d));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
