package dev.ferry.cli;

import org.slf4j.LoggerFactory;

/**
 * SIGINT and SIGTERM ask a running job to stop cleanly (apply what it read, print where it got to) rather than
 * kill the JVM; a second signal exits at once.
 */
final class StopSignals {
    private static volatile boolean stopping;

    private StopSignals() {
    }

    @SuppressWarnings("restriction")
    static void onInterrupt(Runnable stop) {
        try {
            for (String name : new String[] {"INT", "TERM"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    if (stopping) Runtime.getRuntime().halt(130);
                    stopping = true;
                    System.err.println();
                    System.err.println("ferry: stopping: applying what was read (interrupt again to quit at once)");
                    stop.run();
                });
            }
        } catch (LinkageError | IllegalArgumentException e) {
            // no signal API here: a JVM shutdown then simply ends the run
            LoggerFactory.getLogger(StopSignals.class).debug("signal handling unavailable: {}", e.toString());
        }
    }
}
