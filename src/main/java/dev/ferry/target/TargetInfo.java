package dev.ferry.target;

import java.util.Set;

/**
 * What the target server is, as far as writing goes: which engine, which RDB version its RESTORE
 * accepts, which modules it has loaded, and whether it runs in cluster mode.
 */
public record TargetInfo(Engine engine, String version, int rdbVersion, Set<String> modules, boolean cluster) {

    public enum Engine { REDIS, DRAGONFLY }

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
        return (engine == Engine.DRAGONFLY ? "Dragonfly " : "Redis ") + version + (cluster ? " cluster" : "");
    }
}
