package dev.ferry.testkit;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Last-resort cleanup: every server process the harness starts is registered here and killed by a JVM
 * shutdown hook if nobody stopped it (e.g. a test crashed before its {@code @AfterAll}). Only our own child
 * {@link Process} objects are touched, never anything found by name.
 */
final class ProcessRegistry {

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Set<java.nio.file.Path> DIRS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessRegistry::killAll, "ferry-testkit-reaper"));
    }

    private ProcessRegistry() {
    }

    static void register(Process p) {
        LIVE.add(p);
    }

    /**
     * Temp dirs are kept after a server stops (so a test can still read its dump.rdb or log) and deleted when
     * the JVM exits, unless the system property {@code ferry.testkit.keep} is {@code true}.
     */
    static void deleteAtExit(java.nio.file.Path dir) {
        DIRS.add(dir);
    }

    static void unregister(Process p) {
        LIVE.remove(p);
    }

    static int liveCount() {
        LIVE.removeIf(p -> !p.isAlive());
        return LIVE.size();
    }

    private static void killAll() {
        for (Process p : LIVE) {
            p.destroy();
        }
        for (Process p : LIVE) {
            try {
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        if (!Boolean.getBoolean("ferry.testkit.keep")) {
            DIRS.forEach(RedisTools::deleteTree);
        }
    }
}
