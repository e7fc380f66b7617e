package dev.ferry.pipeline;

import dev.ferry.util.KeyNames;
import dev.ferry.writer.WriteListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every key not written exactly: counted in the stats, and listed in the report when there is one. */
public final class Outcomes {
    private static final Logger log = LoggerFactory.getLogger(Outcomes.class);

    private Outcomes() {
    }

    public static WriteListener of(RunStats stats, KeyReport report) {
        return new WriteListener() {
            @Override public void failed(int db, byte[] key, String reason) {
                stats.failed(db, key, reason);
                if (report != null) report.record("failed", db, key, reason);
                log.debug("key {} (db {}) not written: {}", KeyNames.quote(key), db, reason);
            }

            @Override public void skipped(int db, byte[] key, String reason) {
                stats.skipped(db, key, reason);
                if (report != null) report.record("skipped", db, key, reason);
            }

            @Override public void warned(int db, byte[] key, String message) {
                stats.warned(db, key, message);
                if (report != null) report.record("warned", db, key, message);
                log.debug("key {} (db {}): {}", KeyNames.quote(key), db, message);
            }
        };
    }
}
