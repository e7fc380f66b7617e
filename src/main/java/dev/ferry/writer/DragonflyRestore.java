package dev.ferry.writer;

import dev.ferry.server.ServerInfo;

/**
 * Which DUMP payloads a Dragonfly target's RESTORE loads, by object type code and Dragonfly version. Dragonfly reads
 * a RESTORE payload with its RDB loader, which knows a fixed list of type codes (its {@code ReadObj}); the rest it
 * answers with "Bad data format". Learned from Dragonfly's rdb_load.cc and generic_family.cc, release by release:
 *
 * <ul>
 *   <li>every 1.x: string (0), set (2), zset (3), hash (4), zset with binary scores (5), intset (11), ziplist zset
 *       (12) and hash (13), quicklist (14) and quicklist 2 (18), stream (15);</li>
 *   <li>1.7: hash and set listpacks (16, 20); 1.8: zset listpack (17); 1.26: streams 2 and 3 (19, 21);</li>
 *   <li>never: the plain list (1), zipmap hash (9) and ziplist list (10) only Redis before 3.2 writes, module values
 *       (6, 7: only RedisJSON's, which Ferry does not send there), and the hashes with field TTLs of Redis 7.4
 *       (22 to 25).</li>
 * </ul>
 *
 * Its own types (30 to 37) it loads from the release that introduced each: JSON as 30 from 1.7, hash and set with
 * member TTLs from 1.13, bloom filter from 1.17 (its second form from 1.35), count-min sketch and top-k from 1.38,
 * cuckoo filter from 1.40.
 *
 * <p>The payload's footer names an RDB version, which Dragonfly refuses above its own (9 before 1.7, 11 before 1.24,
 * then 12); below 10 it reads type 20 as its old JSON code, so a set listpack needs a footer of 10 or more:
 * {@link ServerInfo#rdbVersion()} of a Dragonfly target is its own version, which is.
 */
final class DragonflyRestore {
    private DragonflyRestore() {
    }

    /** Whether Dragonfly target {@code target} loads a RESTORE payload of object type {@code rdbType}. */
    static boolean loads(ServerInfo target, int rdbType) {
        return switch (rdbType) {
            case 0, 2, 3, 4, 5, 11, 12, 13, 14, 15, 18 -> true;
            case 16, 20, 30 -> target.atLeast(1, 7);
            case 17 -> target.atLeast(1, 8);
            case 31, 32 -> target.atLeast(1, 13);
            case 33 -> target.atLeast(1, 17);
            case 19, 21 -> target.atLeast(1, 26);
            case 34 -> target.atLeast(1, 35);
            case 35, 36 -> target.atLeast(1, 38);
            case 37 -> target.atLeast(1, 40);
            default -> false;
        };
    }
}
