package dev.ferry.writer;

import dev.ferry.util.WriteFailedException;

/** A short pause between attempts of a loop that is bounded in time by its caller. */
final class Pause {
    private Pause() {
    }

    /** Sleeps {@code ms}; an interrupt ends the run ({@link WriteFailedException}), keeping the interrupt flag. */
    static void quietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted");
        }
    }
}
