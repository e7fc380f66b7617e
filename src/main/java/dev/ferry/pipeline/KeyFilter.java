package dev.ferry.pipeline;

import dev.ferry.command.ValueType;
import dev.ferry.util.Glob;
import dev.ferry.util.UsageException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which keys a run copies and into which db: --db, --db-map, --match, --exclude, --type. Decided from the
 * key's header alone, before its value is read, so skipped values cost no decoding.
 */
public final class KeyFilter {
    private final Set<Integer> dbs;
    private final Map<Integer, Integer> dbMap;
    private final List<Glob> match;
    private final List<Glob> exclude;
    private final EnumSet<ValueType> types;
    private final int targetDb;

    public KeyFilter(Set<Integer> dbs, Map<Integer, Integer> dbMap, List<String> match, List<String> exclude,
                     Set<ValueType> types) {
        this(dbs == null || dbs.isEmpty() ? null : Set.copyOf(dbs), dbMap == null ? Map.of() : Map.copyOf(dbMap),
                globs(match), globs(exclude),
                types == null || types.isEmpty() ? EnumSet.allOf(ValueType.class) : EnumSet.copyOf(types), -1);
    }

    private KeyFilter(Set<Integer> dbs, Map<Integer, Integer> dbMap, List<Glob> match, List<Glob> exclude,
                      EnumSet<ValueType> types, int targetDb) {
        this.dbs = dbs;
        this.dbMap = dbMap;
        this.match = match;
        this.exclude = exclude;
        this.types = types;
        this.targetDb = targetDb;
    }

    /**
     * The same filter writing every source db not named in --db-map into {@code db}: what a target URI with a
     * db in its path (redis://host:port/3) asks for. Db 0 keeps each key in its own db.
     */
    public KeyFilter intoTargetDb(int db) {
        return db <= 0 ? this : new KeyFilter(dbs, dbMap, match, exclude, types, db);
    }

    /** The one --match glob when that is the whole name filter, so a server can apply it (SCAN MATCH); else null. */
    public String singleMatch() {
        return match != null && match.size() == 1 && (exclude == null || exclude.isEmpty()) ? match.get(0).pattern() : null;
    }

    public boolean accept(int db, byte[] key, ValueType type) {
        if (dbs != null && !dbs.contains(db)) return false;
        if (type != null && !types.contains(type)) return false;
        return acceptsName(key);
    }

    /** The key passes --match/--exclude (whatever its db and type). */
    public boolean acceptsName(byte[] key) {
        if (!match.isEmpty()) {
            boolean any = false;
            for (Glob g : match) if (g.matches(key)) { any = true; break; }
            if (!any) return false;
        }
        for (Glob g : exclude) if (g.matches(key)) return false;
        return true;
    }

    /** False when a db filter (--db) leaves db out. */
    public boolean acceptsDb(int db) {
        return dbs == null || dbs.contains(db);
    }

    /** True when --match, --exclude or --type narrow the keys, so "all keys of a db" is not "all it copied". */
    public boolean narrowsKeys() {
        return !match.isEmpty() || !exclude.isEmpty() || types.size() < ValueType.values().length;
    }

    public boolean acceptsType(ValueType type) {
        return type == null || types.contains(type);
    }

    /** The target db for a source db. */
    public int mapDb(int db) {
        if (dbMap.isEmpty()) return targetDb >= 0 ? targetDb : db; // the usual case, asked for every key
        Integer to = dbMap.get(db);
        if (to != null) return to;
        return targetDb >= 0 ? targetDb : db;
    }

    /** Parses "0=1,2=0" (also accepts repeated options joined by commas). */
    public static Map<Integer, Integer> parseDbMap(List<String> specs) {
        Map<Integer, Integer> m = new HashMap<>();
        if (specs == null) return m;
        for (String spec : specs) {
            for (String pair : spec.split(",")) {
                if (pair.isBlank()) continue;
                String[] kv = pair.trim().split("=");
                try {
                    if (kv.length != 2) throw new NumberFormatException();
                    int from = Integer.parseInt(kv[0].trim());
                    int to = Integer.parseInt(kv[1].trim());
                    if (from < 0 || to < 0) throw new NumberFormatException();
                    m.put(from, to);
                } catch (NumberFormatException e) {
                    throw new UsageException("bad --db-map entry '" + pair.trim() + "': expected SOURCE_DB=TARGET_DB, e.g. 0=1");
                }
            }
        }
        return m;
    }

    /** Parses type names as TYPE answers them: string, list, set, zset, hash, stream, module. */
    public static Set<ValueType> parseTypes(List<String> names) {
        Set<ValueType> out = EnumSet.noneOf(ValueType.class);
        if (names == null) return out;
        for (String spec : names) {
            for (String n : spec.split(",")) {
                if (n.isBlank()) continue;
                try {
                    out.add(ValueType.valueOf(n.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("unknown --type '" + n.trim() + "': use string, list, set, zset, hash, stream or module");
                }
            }
        }
        return out;
    }

    /** The same filter leaving out keys matching {@code glob} too (Ferry's own checkpoint keys). */
    public KeyFilter excluding(String glob) {
        List<Glob> more = new ArrayList<>(exclude);
        more.add(new Glob(glob));
        return new KeyFilter(dbs, dbMap, match, more, types, targetDb);
    }

    /**
     * Everything that decides which keys go where, in a fixed order: a checkpoint records it, and a run with other
     * filters may not continue that checkpoint (its positions would skip keys these filters now keep).
     */
    public String identity() {
        StringBuilder b = new StringBuilder();
        b.append("dbs=").append(dbs == null ? "all" : new java.util.TreeSet<>(dbs));
        b.append(" db-map=").append(new java.util.TreeMap<>(dbMap));
        if (targetDb > 0) b.append(" into=").append(targetDb);
        b.append(" match=").append(match.stream().map(Glob::pattern).toList());
        b.append(" exclude=").append(exclude.stream().map(Glob::pattern).toList());
        b.append(" types=").append(types.size() == ValueType.values().length ? "all" : types.toString());
        return b.toString();
    }

    private static List<Glob> globs(List<String> patterns) {
        List<Glob> out = new ArrayList<>();
        if (patterns != null) for (String p : patterns) out.add(new Glob(p));
        return out;
    }
}
