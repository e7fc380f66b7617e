package dev.ferry.writer;

import dev.ferry.checkpoint.CheckpointHash;
import dev.ferry.checkpoint.CheckpointKeys;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespPipeline;
import dev.ferry.server.Slots;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the checkpoint hashes ({@link CheckpointKeys}) on the target's control connections, outside the
 * pipelines: what ordering needs is given by the callers (a shard's position is written only once every write up
 * to it was answered; a guard goes inside its write's own MULTI block, not through here).
 */
final class CheckpointIo {
    private final Routing routing;

    CheckpointIo(Routing routing) {
        this.routing = routing;
    }

    /** The slots each master owns (a standalone target: slot 0 only, since it keeps one key per db). */
    private Map<HostPort, BitSet> slotsByMaster() {
        Map<HostPort, BitSet> out = new LinkedHashMap<>();
        if (!routing.isCluster()) {
            BitSet only = new BitSet();
            only.set(0);
            out.put(routing.topology().masters().get(0), only);
            return out;
        }
        for (int s = 0; s < Slots.COUNT; s++) out.computeIfAbsent(routing.topology().ownerOf(s), k -> new BitSet()).set(s);
        return out;
    }

    /** What to do in one db of one master, its connection selected there and held. */
    private interface InEachDb {
        void run(HostPort master, BitSet slots, RespConnection c, int db);
    }

    /** Runs {@code action} for every master and every db of {@code dbs} (a cluster has db 0 only). */
    private void inEachDb(Collection<Integer> dbs, InEachDb action) {
        for (Map.Entry<HostPort, BitSet> m : slotsByMaster().entrySet()) {
            RespConnection c = routing.node(m.getKey()).control();
            synchronized (c) {
                for (int db : routing.isCluster() ? List.of(0) : dbs) {
                    if (!routing.isCluster()) c.callOk("SELECT", Integer.toString(db));
                    action.run(m.getKey(), m.getValue(), c, db);
                }
            }
        }
    }

    /** Every checkpoint hash under {@code keys} in {@code dbs} (a cluster has db 0 only), from every master. */
    List<CheckpointHash> read(CheckpointKeys keys, Collection<Integer> dbs) {
        List<CheckpointHash> out = new ArrayList<>();
        inEachDb(dbs, (master, owned, c, db) -> {
            RespPipeline p = new RespPipeline(c);
            List<Integer> slots = new ArrayList<>();
            for (int s = owned.nextSetBit(0); s >= 0; s = owned.nextSetBit(s + 1)) {
                p.add("HGETALL", keys.key(s));
                slots.add(s);
            }
            List<Reply> replies = p.sync();
            for (int i = 0; i < replies.size(); i++) {
                Reply r = replies.get(i);
                if (r.isError()) throw new RedisConnectionException("reading Ferry's checkpoint on " + master + " failed: " + r);
                List<Reply> kv = r.asList();
                if (kv.isEmpty()) continue;
                Map<String, String> fields = new LinkedHashMap<>();
                for (int j = 0; j + 1 < kv.size(); j += 2) fields.put(kv.get(j).asText(), kv.get(j + 1).asText());
                out.add(new CheckpointHash(db, slots.get(i), fields));
            }
        });
        return out;
    }

    /**
     * Writes {@code fieldsAndValues} into the checkpoint hash of every master (its lowest slot's key; db 0 on a
     * standalone target). Returns the first error, or null.
     */
    String writeEveryMaster(CheckpointKeys keys, byte[]... fieldsAndValues) {
        if (!routing.mastersUnchanged()) return "the target's masters changed (a failover): nothing written";
        for (Map.Entry<HostPort, BitSet> m : slotsByMaster().entrySet()) {
            RespConnection c = routing.node(m.getKey()).control();
            synchronized (c) {
                if (!routing.isCluster()) c.callOk("SELECT", "0");
                byte[][] args = new byte[fieldsAndValues.length + 2][];
                args[0] = RespPipeline.ascii("HSET");
                args[1] = keys.key(m.getValue().nextSetBit(0));
                System.arraycopy(fieldsAndValues, 0, args, 2, fieldsAndValues.length);
                Reply r = c.call(args);
                if (r.isError()) return m.getKey() + ": " + r;
            }
        }
        return null;
    }

    /**
     * The hashes {@link #writeEveryMaster} writes (each master's lowest slot's key, db 0): where every shard's
     * position and the run-wide fields are, in one read per master rather than one per slot.
     */
    List<CheckpointHash> readEveryMaster(CheckpointKeys keys) {
        List<CheckpointHash> out = new ArrayList<>();
        for (Map.Entry<HostPort, BitSet> m : slotsByMaster().entrySet()) {
            RespConnection c = routing.node(m.getKey()).control();
            int slot = m.getValue().nextSetBit(0);
            Reply r;
            synchronized (c) {
                if (!routing.isCluster()) c.callOk("SELECT", "0");
                r = c.call(RespPipeline.ascii("HGETALL"), keys.key(slot));
            }
            if (r.isError()) throw new RedisConnectionException("reading Ferry's checkpoint on " + m.getKey() + " failed: " + r);
            List<Reply> kv = r.asList();
            if (kv.isEmpty()) continue;
            Map<String, String> fields = new LinkedHashMap<>();
            for (int j = 0; j + 1 < kv.size(); j += 2) fields.put(kv.get(j).asText(), kv.get(j + 1).asText());
            out.add(new CheckpointHash(0, slot, fields));
        }
        return out;
    }

    /** Removes {@code fields} from every checkpoint hash in {@code dbs}; with no field, removes the hashes. */
    void delete(CheckpointKeys keys, Collection<Integer> dbs, byte[]... fields) {
        inEachDb(dbs, (master, owned, c, db) -> {
            RespPipeline p = new RespPipeline(c);
            for (int s = owned.nextSetBit(0); s >= 0; s = owned.nextSetBit(s + 1)) {
                if (fields.length == 0) {
                    p.add("UNLINK", keys.key(s));
                } else {
                    Object[] args = new Object[fields.length + 2];
                    args[0] = "HDEL";
                    args[1] = keys.key(s);
                    System.arraycopy(fields, 0, args, 2, fields.length);
                    p.add(args);
                }
            }
            for (Reply r : p.sync()) {
                if (r.isError()) throw new RedisConnectionException("clearing Ferry's checkpoint on " + master + " failed: " + r);
            }
        });
    }

    /** Field {@code field} of {@code key} (db {@code db}), read on the node that owns it now, or null. */
    String readField(AdminOps admin, int db, byte[] key, byte[] field) {
        return admin.controlCall(key, c -> {
            if (!routing.isCluster()) c.callOk("SELECT", Integer.toString(db));
            return c.call(RespPipeline.ascii("HGET"), key, field).asText(); // an error reply throws: the outcome stays unknown
        });
    }

    /** Writes back hashes {@link #read} returned (after a FLUSHDB took them). */
    void restore(CheckpointKeys keys, List<CheckpointHash> hashes) {
        for (CheckpointHash h : hashes) {
            byte[] key = keys.key(h.slot());
            HostPort owner = routing.isCluster() ? routing.topology().ownerOf(h.slot()) : routing.topology().masters().get(0);
            RespConnection c = routing.node(owner).control();
            synchronized (c) {
                if (!routing.isCluster()) c.callOk("SELECT", Integer.toString(h.db()));
                Object[] args = new Object[2 + 2 * h.fields().size()];
                args[0] = "HSET";
                args[1] = key;
                int i = 2;
                for (Map.Entry<String, String> f : h.fields().entrySet()) {
                    args[i++] = f.getKey();
                    args[i++] = f.getValue();
                }
                List<Reply> r = new RespPipeline(c).add(args).sync();
                if (r.get(0).isError()) throw new RedisConnectionException("restoring Ferry's checkpoint on "
                        + owner + " failed: " + r.get(0));
            }
        }
    }
}
