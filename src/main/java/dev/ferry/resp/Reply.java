package dev.ferry.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A RESP2 reply. Error replies are values like any other: one failed command must not take the
 * connection down with it.
 */
public sealed interface Reply {
    Reply OK = new Simple("OK");
    Reply NULL_BULK = new Bulk(null);

    record Simple(String text) implements Reply {
        @Override public String toString() { return text; }
    }

    record Error(String message) implements Reply {
        /** The error code, the first word of the message (MOVED, ASK, BUSYKEY, ERR...). */
        public String code() {
            int sp = message.indexOf(' ');
            return sp < 0 ? message : message.substring(0, sp);
        }
        /** NOPERM: the user's ACL does not allow the command (or key, or channel). */
        public boolean isPermissionDenied() {
            return code().equals("NOPERM");
        }

        /** NOAUTH, WRONGPASS or NOPERM: the credentials or the user's ACL refuse it; retrying cannot help. */
        public boolean refusesAccess() {
            return switch (code()) {
                case "NOAUTH", "WRONGPASS", "NOPERM" -> true;
                default -> false;
            };
        }
        @Override public String toString() { return message; }
    }

    record Int(long value) implements Reply {
        @Override public String toString() { return Long.toString(value); }
    }

    /** A bulk string; {@code bytes} is null for the null bulk. */
    record Bulk(byte[] bytes) implements Reply {
        public String text() { return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8); }
        @Override public String toString() { return bytes == null ? "(nil)" : text(); }
    }

    /** An array; {@code items} is null for the null array. */
    record Array(List<Reply> items) implements Reply {
        @Override public String toString() { return String.valueOf(items); }
    }

    default boolean isError() { return this instanceof Error; }

    /** The reply as text, for status and bulk replies; throws on an error reply. */
    default String asText() {
        if (this instanceof Error e) throw new RedisErrorException(e.message());
        if (this instanceof Bulk b) return b.text();
        if (this instanceof Simple s) return s.text();
        if (this instanceof Int i) return Long.toString(i.value());
        throw new RedisProtocolException("expected a string reply, got an array");
    }

    default long asLong() {
        if (this instanceof Error e) throw new RedisErrorException(e.message());
        if (this instanceof Int i) return i.value();
        String t = asText();
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException ex) {
            throw new RedisProtocolException("expected an integer reply, got '" + t + "'");
        }
    }

    default List<Reply> asList() {
        if (this instanceof Error e) throw new RedisErrorException(e.message());
        if (this instanceof Array a) return a.items() == null ? List.of() : a.items();
        throw new RedisProtocolException("expected an array reply, got " + this);
    }
}
