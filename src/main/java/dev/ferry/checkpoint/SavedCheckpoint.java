package dev.ferry.checkpoint;

import dev.ferry.record.Position;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an earlier run left on the target, read from every checkpoint hash there: its identity, each shard's
 * position up to which everything is on the target, and each shard's guards by location. A shard's position is
 * written on every master; after a target failover a master may hold an older one, so the lowest is the one that
 * is true everywhere, and a master that holds none (while others do) makes the shard's position unknown.
 */
public final class SavedCheckpoint {
    private final RunIdentity identity;
    private final Map<Integer, Position> positions;
    private final Map<Integer, Map<Long, Guard>> guards;
    private final int hashes;

    private SavedCheckpoint(RunIdentity identity, Map<Integer, Position> positions, Map<Integer, Map<Long, Guard>> guards,
                            int hashes) {
        this.identity = identity;
        this.positions = positions;
        this.guards = guards;
        this.hashes = hashes;
    }

    public static SavedCheckpoint of(List<CheckpointHash> read) {
        RunIdentity identity = null;
        Map<Integer, List<Position>> seen = new TreeMap<>();
        int holders = 0; // hashes that hold shard positions: one per master
        Map<Integer, Map<Long, Guard>> guards = new HashMap<>();
        for (CheckpointHash h : read) {
            boolean holds = false;
            for (Map.Entry<String, String> f : h.fields().entrySet()) {
                String name = f.getKey();
                if (name.equals("meta")) {
                    identity = merge(identity, RunIdentity.parse(f.getValue()));
                    continue;
                }
                int shard = CheckpointKeys.shardOf(name, "at");
                if (shard >= 0) {
                    Position p = PositionText.parse(f.getValue());
                    if (p != null) seen.computeIfAbsent(shard, k -> new ArrayList<>()).add(p);
                    holds = true;
                    continue;
                }
                shard = CheckpointKeys.shardOf(name, "g");
                Guard g = shard >= 0 ? Guard.parse(f.getValue()) : null;
                if (g != null) guards.computeIfAbsent(shard, k -> new HashMap<>()).merge(Guard.location(h.db(), h.slot()), g,
                        (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
            if (holds) holders++;
        }
        Map<Integer, Position> positions = new TreeMap<>();
        for (Map.Entry<Integer, List<Position>> e : seen.entrySet()) {
            if (e.getValue().size() < holders) continue; // a master without it: unknown
            Position lowest = null;
            for (Position p : e.getValue()) if (lowest == null || p.ordinal() < lowest.ordinal()) lowest = p;
            positions.put(e.getKey(), lowest);
        }
        return new SavedCheckpoint(identity, positions, guards, read.size());
    }

    /**
     * The identity of two hashes. Each master holds a copy, written one master after the other, so a run killed
     * between two writes leaves copies that differ in the dbs written: the earlier run may have written into any db
     * one copy names (union) and owns only what every copy says it owns (intersection). Copies of different runs
     * (never left by Ferry, but a hand-edited target may hold them): the one that wrote more is kept.
     */
    static RunIdentity merge(RunIdentity a, RunIdentity b) {
        if (a == null) return b;
        if (b == null) return a;
        if (a.mismatch(b) != null) return b.written().size() > a.written().size() ? b : a;
        java.util.SortedSet<Integer> written = new java.util.TreeSet<>(a.written());
        written.addAll(b.written());
        java.util.SortedSet<Integer> owned = new java.util.TreeSet<>(a.owned());
        owned.retainAll(b.owned());
        return a.withDbs(owned, written);
    }

    /** Whether the target holds no checkpoint hash at all. */
    public boolean isEmpty() {
        return hashes == 0;
    }

    /** The earlier run's identity, or null (no checkpoint, or one without its identity). */
    public RunIdentity identity() {
        return identity;
    }

    /** Shard {@code shard}'s position, or null when the earlier run left none (or masters disagree on having one). */
    public Position position(int shard) {
        return positions.get(shard);
    }

    /** Every shard's position, by shard. */
    public Map<Integer, Position> positions() {
        return java.util.Collections.unmodifiableMap(positions);
    }

    /** Shard {@code shard}'s guards by {@link Guard#location}; empty when none. */
    public Map<Long, Guard> guards(int shard) {
        return guards.getOrDefault(shard, Map.of());
    }
}
