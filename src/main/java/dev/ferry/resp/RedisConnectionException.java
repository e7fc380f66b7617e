package dev.ferry.resp;

/** Connecting, authenticating or talking to a server failed; the message is one line for the operator. */
public class RedisConnectionException extends RuntimeException {
    public RedisConnectionException(String message) {
        super(message);
    }

    public RedisConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
