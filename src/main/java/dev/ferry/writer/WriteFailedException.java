package dev.ferry.writer;

/** The writer cannot go on: a refused key under --on-error fail, or a target connection lost. */
public class WriteFailedException extends RuntimeException {
    public WriteFailedException(String message) {
        super(message);
    }
}
