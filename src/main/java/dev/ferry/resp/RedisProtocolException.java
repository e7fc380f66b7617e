package dev.ferry.resp;

/** The bytes on the wire are not valid RESP, or not the reply shape the caller expected. */
public class RedisProtocolException extends RuntimeException {
    public RedisProtocolException(String message) {
        super(message);
    }
}
