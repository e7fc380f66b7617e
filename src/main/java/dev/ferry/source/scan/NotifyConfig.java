package dev.ferry.source.scan;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live scan mode learns of changes only through keyspace notifications: the source must publish them on the
 * keyspace channel ({@code K}) for every event class ({@code A}, or each of g$lshzxet: expired and evicted
 * keys too, or they would linger on the target).
 */
final class NotifyConfig {
    private static final Logger log = LoggerFactory.getLogger(NotifyConfig.class);
    static final String PARAMETER = "notify-keyspace-events";
    private static final String CLASSES = "g$lshzxet";

    private NotifyConfig() {
    }

    /** The flags to add to {@code flags} so every change is published; empty when nothing is missing. */
    static String missing(String flags) {
        StringBuilder add = new StringBuilder();
        if (flags.indexOf('K') < 0) add.append('K');
        if (flags.indexOf('A') < 0) {
            for (char c : CLASSES.toCharArray()) {
                if (flags.indexOf(c) < 0) {
                    add.append('A');
                    break;
                }
            }
        }
        return add.toString();
    }

    /**
     * Checks the source's setting, turning on what is missing when {@code set}; throws a one-line
     * {@link IllegalStateException} naming the fix when it cannot deliver what live mode needs. Returns a
     * warning when the setting cannot be read (managed services refuse CONFIG), else null. A change it makes is
     * said on stderr at once, with the command that undoes it (for a run that is killed), and recorded in
     * {@code changes}, which puts every old value back at the end of the run.
     */
    static String ensure(RespConnection c, HostPort address, boolean set, Changes changes) {
        Reply r = c.call("CONFIG", "GET", PARAMETER);
        if (r.isError()) {
            String warning = "cannot read " + PARAMETER + " on source " + c.address() + " (CONFIG GET refused: " + r
                    + "): a managed service sets it in its parameter group; it must hold 'KA' (or K plus every class "
                    + CLASSES + "), otherwise live changes are NOT followed";
            if (set) {
                throw new IllegalStateException("cannot set " + PARAMETER + " on source " + c.address()
                        + ": CONFIG is refused (" + r + "); set it to 'KA' in the provider's parameter group instead");
            }
            return warning;
        }
        List<Reply> kv = r.asList();
        String flags = kv.size() >= 2 ? kv.get(1).asText() : "";
        String add = missing(flags);
        if (add.isEmpty()) return null;
        String wanted = flags + add;
        if (!set) {
            throw new IllegalStateException("source " + c.address() + " has " + PARAMETER + " '" + flags
                    + "', but --scan live mode needs keyspace events of every class: run 'CONFIG SET " + PARAMETER
                    + " " + wanted + "' on it (or in the provider's parameter group), or pass --set-notify-config");
        }
        Reply s = c.call("CONFIG", "SET", PARAMETER, wanted);
        if (s.isError()) {
            throw new IllegalStateException("cannot set " + PARAMETER + " on source " + c.address() + " (" + s
                    + "): set it to '" + wanted + "' in the provider's parameter group instead");
        }
        // read back: Redis answers the flags in its own order, and that is what to compare with at the end
        Reply now = c.call("CONFIG", "GET", PARAMETER);
        String set2 = !now.isError() && now.asList().size() >= 2 ? now.asList().get(1).asText() : wanted;
        changes.add(new Change(address, flags, set2));
        log.warn("source {}: changed {} from '{}' to '{}' for --scan live mode (--set-notify-config); Ferry puts '{}' back"
                + " when it stops; if it is killed, run on that server: {}", address, PARAMETER, flags, set2, flags,
                undoCommand(flags));
        return null;
    }

    /** The redis-cli command that puts {@code flags} back. */
    static String undoCommand(String flags) {
        return "CONFIG SET " + PARAMETER + " \"" + flags + "\"";
    }

    /** One source server whose setting Ferry changed: what it was and what Ferry set. */
    record Change(HostPort address, String before, String after) {
    }

    /**
     * The settings Ferry changed in a run, on every source master; {@link #restore} puts each old value back once
     * (at a normal stop, and again harmlessly from close() after a failure).
     */
    static final class Changes {
        private final List<Change> pending = new ArrayList<>();
        private final List<String> done = new ArrayList<>();

        synchronized void add(Change c) {
            pending.add(c);
        }

        /** Lines for the summary: what was changed and whether it was put back. */
        synchronized List<String> lines() {
            return List.copyOf(done);
        }

        /**
         * Puts the old values back, each over a connection of its own (the reading one may be gone). A value that
         * someone else changed during the run is left as it is, and said.
         */
        synchronized void restore(ConnectOptions options) {
            for (Change c : pending) done.add(restoreOne(c, options));
            pending.clear();
        }

        private static String restoreOne(Change ch, ConnectOptions options) {
            String what = PARAMETER + " on " + ch.address() + ": was '" + ch.before() + "', set to '" + ch.after() + "'";
            try (RespConnection c = RespConnection.open(ch.address(), options)) {
                Reply r = c.call("CONFIG", "GET", PARAMETER);
                if (r.isError()) throw new IllegalStateException("CONFIG GET: " + r);
                List<Reply> kv = r.asList();
                String current = kv.size() >= 2 ? kv.get(1).asText() : "";
                if (!current.equals(ch.after())) {
                    String line = what + ", now '" + current + "': changed by someone else during the run, left as it"
                            + " is (to restore the value from before Ferry: " + undoCommand(ch.before()) + ")";
                    log.warn("source {}", line);
                    return line;
                }
                Reply s = c.call("CONFIG", "SET", PARAMETER, ch.before());
                if (s.isError()) throw new IllegalStateException("CONFIG SET: " + s);
                log.warn("source {}: {} restored to '{}'", ch.address(), PARAMETER, ch.before());
                return what + ", restored to '" + ch.before() + "'";
            } catch (RuntimeException e) {
                String line = what + ": NOT restored (" + e.getMessage() + "); run on that server: " + undoCommand(ch.before());
                log.warn("source {}", line);
                return line;
            }
        }
    }
}
