package dev.ferry.source.scan;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
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
     * warning when the setting cannot be read (managed services refuse CONFIG), else null.
     */
    static String ensure(RespConnection c, boolean set) {
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
        log.info("source {}: {} was '{}', set to '{}' (--set-notify-config)", c.address(), PARAMETER, flags, wanted);
        return null;
    }
}
