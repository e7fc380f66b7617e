package dev.ferry.writer;

import dev.ferry.util.WriteFailedException;

/**
 * The target node Ferry wrote to is gone in a way no reconnection repairs: it restarted as a master on its own,
 * so what it had confirmed may be lost. The run must stop and say so; retrying would hide the loss.
 */
public final class TargetLostException extends WriteFailedException {
    public TargetLostException(String message) {
        super(message);
    }
}
