package dev.ferry.resp;

/**
 * How to open one connection: credentials (password alone, or ACL user + password), TLS and its trust,
 * and timeouts. A read timeout of 0 means none (replication streams can be idle for long).
 */
public record ConnectOptions(String user, String password, boolean tls, boolean tlsInsecure, String caCertFile,
                             int connectTimeoutMs, int readTimeoutMs) {

    /** Never shows the password (a record's own toString would). */
    @Override public String toString() {
        return "ConnectOptions[user=" + user + ", password=" + (password == null ? "none" : "***") + ", tls=" + tls
                + ", tlsInsecure=" + tlsInsecure + ", caCertFile=" + caCertFile + ", connectTimeoutMs=" + connectTimeoutMs
                + ", readTimeoutMs=" + readTimeoutMs + "]";
    }

    public static ConnectOptions plain() {
        return new ConnectOptions(null, null, false, false, null, 10_000, 10_000);
    }
}
