package dev.ferry.resp;

/** The server answered a synchronous call with an error reply. */
public class RedisErrorException extends RuntimeException {
    public RedisErrorException(String message) {
        super(message);
    }
}
