package dev.ferry.util;

/**
 * The run cannot go on writing: a refused key under --on-error fail, a target lost, a removal Ferry may not
 * make. Thrown by the writer and the pipeline; a source that gets it from its sink stops instead of retrying.
 */
public class WriteFailedException extends RuntimeException {
    public WriteFailedException(String message) {
        super(message);
    }
}
