package dev.ferry.resp;

/**
 * The server answered NOPERM while Ferry set up or probed a connection: the user lacks a command (an ACL rule);
 * retrying cannot help. The message is the one line for the operator.
 */
public class RedisPermissionException extends RedisConnectionException {
    public RedisPermissionException(String message) {
        super(message);
    }
}
