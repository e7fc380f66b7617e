package dev.ferry.checkpoint;

import dev.ferry.server.Slots;
import java.nio.charset.StandardCharsets;

/**
 * Where Ferry keeps its checkpoints on the target: hashes named {@code <prefix>{<tag>}}, one per cluster slot that
 * needs one, each tag chosen to hash to its slot, because a MULTI block in a cluster may only touch one slot and a
 * guarded write must commit its checkpoint in the same block. A standalone target uses the slot-0 name (in every db
 * a guarded write goes to). Every key under the prefix is Ferry's: skipped by verify, by removals and by counts.
 *
 * <p>Fields: {@link #META} (the run's identity), {@code at:<shard>} (the shard's position up to which everything is
 * on the target, written on every master once a second) and {@code g:<shard>} (the position of the last guarded,
 * non-repeatable write of that shard into this key's slot).
 */
public final class CheckpointKeys {
    public static final String DEFAULT_PREFIX = "ferry:ckpt:";
    public static final byte[] META = bytes("meta");


    private final String prefix;
    private final byte[] prefixBytes;
    private final byte[][] keys = new byte[Slots.COUNT][];

    public CheckpointKeys(String prefix) {
        if (prefix == null || prefix.isEmpty() || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("a checkpoint prefix must be non-empty and hold no { or }");
        }
        this.prefix = prefix;
        this.prefixBytes = bytes(prefix);
    }

    public String prefix() {
        return prefix;
    }

    /** The checkpoint key of cluster slot {@code slot} (slot 0 on a standalone target). */
    public byte[] key(int slot) {
        byte[] k = keys[slot];
        if (k == null) {
            k = bytes(prefix + "{" + tag(slot) + "}");
            keys[slot] = k;
        }
        return k;
    }

    /** Whether {@code key} is one of Ferry's checkpoint keys (under the prefix). */
    public boolean owns(byte[] key) {
        if (key.length < prefixBytes.length) return false;
        for (int i = 0; i < prefixBytes.length; i++) if (key[i] != prefixBytes[i]) return false;
        return true;
    }

    /** The field holding shard {@code shard}'s confirmed position. */
    public static byte[] at(int shard) {
        return bytes("at:" + shard);
    }

    /** The field holding shard {@code shard}'s last guarded write into a key's slot. */
    public static byte[] guard(int shard) {
        return bytes("g:" + shard);
    }

    /** The shard a field names ({@code at:3}, {@code g:3}), or -1 for another field. */
    public static int shardOf(String field, String kind) {
        if (!field.startsWith(kind + ":")) return -1;
        try {
            return Integer.parseInt(field.substring(kind.length() + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Each slot's tag, found so far (guarded by the class). */
    private static final String[] FOUND = new String[Slots.COUNT];
    /** The next number the search tries. */
    private static long next;

    /**
     * A short tag that hashes to {@code slot}: the first number, counted up in base 36, whose text does. The search
     * goes only as far as the slot asked for: a standalone target needs slot 0's alone, found in a few thousand
     * tries, where all 16,384 take ~160,000 (tens of milliseconds of every start).
     */
    private static synchronized String tag(int slot) {
        while (FOUND[slot] == null) {
            String tag = Long.toString(next++, 36);
            int s = Slots.of(bytes(tag));
            if (FOUND[s] == null) FOUND[s] = tag;
        }
        return FOUND[slot];
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
