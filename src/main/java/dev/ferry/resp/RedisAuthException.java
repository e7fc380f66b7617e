package dev.ferry.resp;

/**
 * The server refused the credentials (AUTH failed): retrying with the same ones cannot help. The message is the
 * one line for the operator, with the password masked.
 */
public class RedisAuthException extends RedisConnectionException {
    public RedisAuthException(String message) {
        super(message);
    }
}
