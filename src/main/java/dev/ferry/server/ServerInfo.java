package dev.ferry.server;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the target server is, as far as writing goes: which engine, which RDB version its RESTORE
 * accepts, which modules it has loaded (lower case, as {@code MODULE LIST} names them; {@code modulesListed} is
 * false when the server refused {@code MODULE LIST}, so they are unknown), and whether it runs in cluster mode.
 * {@code emulatedCluster}: a Dragonfly in {@code --cluster_mode=emulated}, which says it is a cluster but is one node
 * owning every slot, with several dbs and no slot checks; {@code cluster} is then false, as writing goes.
 */
public record ServerInfo(Engine engine, String version, int rdbVersion, Set<String> modules, boolean cluster,
                         boolean modulesListed, boolean emulatedCluster) {

    public enum Engine { REDIS, DRAGONFLY }

    public ServerInfo(Engine engine, String version, int rdbVersion, Set<String> modules, boolean cluster,
                      boolean modulesListed) {
        this(engine, version, rdbVersion, modules, cluster, modulesListed, false);
    }

    /** The same server taken as the one node it is: a Dragonfly whose cluster mode is only emulated. */
    public ServerInfo asEmulatedCluster() {
        return new ServerInfo(engine, version, rdbVersion, modules, false, modulesListed, true);
    }

    /**
     * The module that registers a module data type, by the type's 9-character name in the RDB, where it differs
     * from the module's name in {@code MODULE LIST} (lower case); types of one module share a prefix here.
     */
    private static final Map<String, String> MODULE_OF_TYPE = Map.of(
            "rejson-rl", "rejson",
            "mbbloom--", "bf", "mbbloomcf", "bf", "cmsk-type", "bf", "topk-type", "bf", "tdis-type", "bf",
            "tsdb-type", "timeseries",
            "graphdata", "graph");

    /**
     * Why a module value of type {@code typeName} cannot be written here, or null when it can (or when that cannot
     * be known: RESTORE then decides, and a refusal is reported as a failed key).
     */
    public String missingModule(String typeName) {
        String type = typeName.toLowerCase(Locale.ROOT);
        if (engine == Engine.DRAGONFLY) {
            return "module value of type \"" + typeName + "\": " + describe() + " loads no Redis module values";
        }
        if (!modulesListed) return null;
        String module = MODULE_OF_TYPE.getOrDefault(type, type.startsWith("ft_") ? "search" : type);
        if (modules.contains(module)) return null;
        boolean knownType = MODULE_OF_TYPE.containsKey(type) || type.startsWith("ft_");
        if (!knownType && !modules.isEmpty()) return null; // a loaded module may register a type of another name
        return "module value of type \"" + typeName + "\": " + describe() + " has no module \"" + module
                + "\" loaded (MODULE LIST: " + (modules.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(modules))) + ")";
    }

    /** Redis's RDB version by server version: the newest payload its RESTORE takes. */
    static int rdbVersionOfRedis(String version) {
        int[] v = parseVersion(version);
        int major = v[0];
        int minor = v[1];
        if (major >= 8 || (major == 7 && minor >= 4)) return 12;
        if (major == 7 && minor >= 2) return 11;
        if (major == 7) return 10;
        if (major >= 5) return 9;
        if (major == 4) return 8;
        if (major == 3 && minor >= 2) return 7;
        return 6;
    }

    /**
     * Dragonfly's RDB version by its version (1.x): the newest payload footer its RESTORE takes (its RDB_VERSION: 9
     * before 1.7, 11 before 1.24, then 12).
     */
    static int rdbVersionOfDragonfly(String version) {
        int[] v = parseVersion(version.startsWith("v") ? version.substring(1) : version);
        if (v[0] >= 2 || v[1] >= 24) return 12;
        return v[1] >= 7 ? 11 : 9;
    }

    static int[] parseVersion(String version) {
        String[] parts = version.split("\\.");
        int[] out = new int[3];
        for (int i = 0; i < 3 && i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].replaceAll("[^0-9].*$", ""));
            } catch (NumberFormatException e) {
                out[i] = 0;
            }
        }
        return out;
    }

    public boolean atLeast(int major, int minor) {
        int[] v = parseVersion(version);
        return v[0] > major || (v[0] == major && v[1] >= minor);
    }

    /** Hash field expiry commands (HPEXPIREAT) exist from Redis 7.4. */
    public boolean hasFieldExpiry() {
        return engine == Engine.REDIS && atLeast(7, 4);
    }

    public String describe() {
        return (engine == Engine.DRAGONFLY ? "Dragonfly " : "Redis ") + version + (cluster ? " cluster" : "")
                + (emulatedCluster ? " (cluster mode emulated: one node)" : "");
    }
}
