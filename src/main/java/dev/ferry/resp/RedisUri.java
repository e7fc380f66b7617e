package dev.ferry.resp;

import dev.ferry.util.UsageException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a server is and how to talk to it, parsed from the URI forms of DESIGN.md:
 * {@code redis://[user:password@]host:port[/db][?tls=true&insecure=true&cacert=FILE&timeout=MS]},
 * {@code rediss://...}, {@code redis-cluster://h:p[,h:p]}, {@code redis-sentinel://h:p[,h:p]/master[/db]},
 * {@code dragonfly://host:port}. A bare {@code host:port} means {@code redis://host:port}.
 */
public record RedisUri(Kind kind, List<HostPort> hosts, String user, String password, int db, boolean tls,
                       boolean tlsInsecure, String caCertFile, String sentinelMaster, String sentinelPassword,
                       int timeoutMs, String original) {

    public enum Kind { REDIS, CLUSTER, SENTINEL, DRAGONFLY }

    public record HostPort(String host, int port) {
        @Override public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public static RedisUri parse(String text) {
        if (text == null || text.isBlank()) throw bad(text, "empty URI");
        String rest = text.trim();
        String scheme = "redis";
        int sep = rest.indexOf("://");
        if (sep >= 0) {
            scheme = rest.substring(0, sep).toLowerCase(Locale.ROOT);
            rest = rest.substring(sep + 3);
        }
        Kind kind;
        boolean tls = false;
        switch (scheme) {
            case "redis": kind = Kind.REDIS; break;
            case "rediss": kind = Kind.REDIS; tls = true; break;
            case "redis-cluster": kind = Kind.CLUSTER; break;
            case "rediss-cluster": kind = Kind.CLUSTER; tls = true; break;
            case "redis-sentinel": kind = Kind.SENTINEL; break;
            case "rediss-sentinel": kind = Kind.SENTINEL; tls = true; break;
            case "dragonfly": kind = Kind.DRAGONFLY; break;
            case "dragonflys": kind = Kind.DRAGONFLY; tls = true; break;
            default: throw bad(text, "unknown scheme " + quote(text, text.trim().substring(0, sep))
                    + " (use redis, rediss, redis-cluster, redis-sentinel or dragonfly)");
        }
        Map<String, String> params = new LinkedHashMap<>();
        int q = rest.indexOf('?');
        if (q >= 0) {
            for (String kv : rest.substring(q + 1).split("&")) {
                if (kv.isEmpty()) continue;
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                String v = eq < 0 ? "true" : decode(text, kv.substring(eq + 1), "the value of option " + quote(text, k));
                params.put(k.toLowerCase(Locale.ROOT), v);
            }
            rest = rest.substring(0, q);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String cred = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = cred.indexOf(':');
            if (colon < 0) {
                password = decode(text, cred, "the password");
            } else {
                user = decode(text, cred.substring(0, colon), "the user name");
                password = decode(text, cred.substring(colon + 1), "the password");
                if (user.isEmpty()) user = null;
            }
        }
        String path = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            path = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
        }
        List<HostPort> hosts = new ArrayList<>();
        for (String hp : rest.split(",")) {
            if (hp.isBlank()) continue;
            hosts.add(hostPort(text, hp.trim()));
        }
        if (hosts.isEmpty()) throw bad(text, "no host given" + questionMarkHint(text));
        if (kind != Kind.CLUSTER && kind != Kind.SENTINEL && hosts.size() > 1) {
            throw bad(text, "several hosts need redis-cluster:// or redis-sentinel://");
        }
        String master = null;
        int db = 0;
        String[] parts = path.isEmpty() ? new String[0] : path.split("/");
        int p = 0;
        if (kind == Kind.SENTINEL) {
            if (parts.length == 0 || parts[0].isEmpty()) throw bad(text, "a sentinel URI needs the master name: redis-sentinel://h:p/NAME");
            master = decode(text, parts[0], "the master name");
            p = 1;
        }
        if (p < parts.length && !parts[p].isEmpty()) {
            try {
                db = Integer.parseInt(parts[p]);
            } catch (NumberFormatException e) {
                throw bad(text, "database " + quote(text, parts[p]) + " is not a number");
            }
            if (db < 0) throw bad(text, "database must be >= 0");
            p++;
        }
        if (p < parts.length) throw bad(text, "unexpected path " + quote(text, "/" + path));
        if (params.containsKey("db")) db = intParam(text, params, "db", db);
        if (isTrue(params.get("tls")) || isTrue(params.get("ssl"))) tls = true;
        boolean insecure = isTrue(params.get("insecure")) || isTrue(params.get("tls-insecure"));
        String cacert = params.get("cacert");
        if (cacert != null) tls = true;
        int timeout = intParam(text, params, "timeout", 10_000);
        if (params.containsKey("user")) user = params.get("user");
        if (params.containsKey("password")) password = params.get("password");
        String sentinelPassword = params.get("sentinel-password");
        for (String k : params.keySet()) {
            if (!List.of("db", "tls", "ssl", "insecure", "tls-insecure", "cacert", "timeout", "user", "password",
                    "sentinel-password").contains(k)) {
                throw bad(text, "unknown option " + quote(text, k));
            }
        }
        return new RedisUri(kind, List.copyOf(hosts), user, password, db, tls, insecure, cacert, master,
                sentinelPassword, timeout, text);
    }

    public HostPort first() {
        return hosts.get(0);
    }

    /** The URI with the password masked, for logs and messages. */
    public String redacted() {
        return mask(original);
    }

    @Override public String toString() {
        return redacted();
    }

    /** Options to open a plain connection to one node of this URI. */
    public ConnectOptions connectOptions() {
        return new ConnectOptions(user, password, tls, tlsInsecure, caCertFile, timeoutMs, timeoutMs);
    }

    private static HostPort hostPort(String text, String hp) {
        String host;
        String port;
        if (hp.startsWith("[")) {
            int end = hp.indexOf(']');
            if (end < 0) throw bad(text, "unclosed '[' in host");
            host = hp.substring(1, end);
            port = hp.length() > end + 1 && hp.charAt(end + 1) == ':' ? hp.substring(end + 2) : "6379";
        } else {
            int colon = hp.lastIndexOf(':');
            host = colon < 0 ? hp : hp.substring(0, colon);
            port = colon < 0 ? "6379" : hp.substring(colon + 1);
        }
        if (host.isEmpty()) throw bad(text, "empty host" + questionMarkHint(text));
        try {
            int n = Integer.parseInt(port);
            if (n < 1 || n > 65535) throw bad(text, "port " + (shown(text, port) ? n + " " : "") + "out of range");
            return new HostPort(host, n);
        } catch (NumberFormatException e) {
            throw bad(text, "port " + quote(text, port) + " is not a number");
        }
    }

    private static int intParam(String text, Map<String, String> params, String name, int dflt) {
        String v = params.get(name);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw bad(text, "option " + quote(text, name + "=" + v) + " is not a number");
        }
    }

    private static boolean isTrue(String v) {
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes"));
    }

    /**
     * Percent-decoding only: a '+' in a password stays a '+'. {@code what} names the part for an error, which
     * never quotes the part itself (it may be a password).
     */
    private static String decode(String text, String s, String what) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                String why = "bad percent escape in " + what + ": '%' must be followed by two hex digits (write a '%' itself as %25)";
                if (i + 2 >= s.length()) throw bad(text, why);
                try {
                    int b = Integer.parseInt(s.substring(i + 1, i + 3), 16);
                    if (b < 0) throw new NumberFormatException();
                    out.write(b);
                } catch (NumberFormatException e) {
                    throw bad(text, why);
                }
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A '?' before the credentials' '@' starts the query inside a password: say how to write it. */
    private static String questionMarkHint(String text) {
        int q = text.indexOf('?');
        int at = text.lastIndexOf('@');
        return q >= 0 && at > q && text.lastIndexOf('@', q) < 0 ? " (a '?' in a password must be written %3F)" : "";
    }

    /**
     * {@code message} with anything that looks like credentials in a URI masked (user info before an '@', the
     * value of a {@code password=} option): for text that may quote a command line, such as a usage error.
     */
    public static String scrub(String message) {
        if (message == null) return null;
        return message.replaceAll("(?i)([a-z][a-z0-9+.-]*://)[^\\s'\"]*@", "$1***@")
                .replaceAll("(?i)(password=)[^&\\s'\"]*", "$1***")
                .replaceAll("(^|[\\s'\"=])(?![^\\s'\"]*://)[^\\s'\"@=]*:[^\\s'\"]*@", "$1***@");
    }

    private static UsageException bad(String text, String why) {
        return new UsageException("bad URI '" + mask(text) + "': " + why);
    }

    /**
     * The text with the credentials masked: everything between the scheme and the last '@' (with or without a
     * scheme), and the values of {@code password=} and {@code sentinel-password=}.
     */
    private static String mask(String text) {
        if (text == null) return "";
        int start = credentialsStart(text);
        int at = text.lastIndexOf('@');
        String masked = at >= start ? text.substring(0, start) + "***@" + text.substring(at + 1) : text;
        return masked.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static int credentialsStart(String text) {
        int sep = text.indexOf("://");
        return sep >= 0 ? sep + 3 : 0;
    }

    /**
     * {@code 'piece'} for an error message, where {@code piece} is a part of the URI text; or, when that part
     * overlaps what may be a credential (the user info, a password option's value), a phrase that does not
     * show it. A password with an unencoded '?', '/' or ',' can end up in any part of the parse.
     */
    private static String quote(String text, String piece) {
        if (piece == null || piece.isEmpty()) return "''";
        if (shown(text, piece)) return "'" + piece + "'";
        return text.contains(piece)
                ? "(not shown: it overlaps the credentials; percent-encode '@', ':', '/', '?', '%' and ',' in a password)"
                : "(not shown)";
    }

    /** Whether {@code piece} may appear in a message: it shares no character position with a credential. */
    private static boolean shown(String text, String piece) {
        if (text == null || piece == null) return false;
        List<int[]> secret = new ArrayList<>();
        int at = text.lastIndexOf('@');
        int start = credentialsStart(text);
        if (at >= start) secret.add(new int[] {start, at});
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)password=([^&]*)").matcher(text);
        while (m.find()) secret.add(new int[] {m.start(1), m.end(1)});
        for (int i = text.indexOf(piece); i >= 0; i = text.indexOf(piece, i + 1)) {
            for (int[] s : secret) {
                if (i < s[1] && i + piece.length() > s[0]) return false;
            }
        }
        if (text.indexOf(piece) < 0) {
            // not a verbatim part of the text (a decoded value): shown only when there is no credential at all
            for (int[] s : secret) if (s[1] > s[0]) return false;
        }
        return true;
    }
}
