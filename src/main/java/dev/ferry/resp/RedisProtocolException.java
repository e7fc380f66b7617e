package dev.ferry.resp;

/** The bytes on the wire are not valid RESP, or not the reply shape the caller expected. */
public class RedisProtocolException extends RuntimeException {
    /** The bytes that were not RESP where a reply should start (the first one included), or empty. */
    private final byte[] unexpected;

    public RedisProtocolException(String message) {
        this(message, new byte[0]);
    }

    public RedisProtocolException(String message, byte[] unexpected) {
        super(message);
        this.unexpected = unexpected.clone();
    }

    /** The first bytes of what came instead of a RESP reply (a few, as buffered), or empty. */
    public byte[] unexpected() {
        return unexpected.clone();
    }
}
