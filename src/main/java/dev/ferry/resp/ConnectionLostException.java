package dev.ferry.resp;

/**
 * A connection that was open broke while a command was on it (reset, closed by the server, killed by a
 * {@code CLIENT KILL}), as opposed to a server that refused or answered with an error. Whether the command took
 * effect is unknown, so only a caller whose command can safely run twice may try again on a new connection.
 */
public class ConnectionLostException extends RedisConnectionException {
    public ConnectionLostException(String message) {
        super(message);
    }
}
