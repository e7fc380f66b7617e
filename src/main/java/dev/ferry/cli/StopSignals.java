package dev.ferry.cli;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * SIGINT and SIGTERM ask a running job to stop cleanly (apply what it read, print where it got to) rather than
 * kill the JVM; a second signal exits at once (130), after one line saying what the target has confirmed so far.
 * The lines go through the progress display when there is one, so a redraw never covers them.
 */
final class StopSignals {
    static final int QUIT_AT_ONCE = 130;

    private static final AtomicInteger signals = new AtomicInteger();
    private static volatile Runnable stop = () -> { };
    private static volatile Supplier<String> confirmed = () -> "nothing confirmed yet";
    private static volatile Consumer<String> printer = StopSignals::printErr;
    private static boolean installed;
    /** How the second signal leaves; tests replace it. */
    static volatile IntConsumer quit = code -> Runtime.getRuntime().halt(code);

    private StopSignals() {
    }

    /**
     * Routes SIGINT/SIGTERM to {@code stop}; {@code confirmedSoFar} says, in a few words, what the target has
     * confirmed, for the line printed before a second signal quits at once.
     */
    @SuppressWarnings("restriction")
    static synchronized void onInterrupt(Runnable stop, Supplier<String> confirmedSoFar) {
        StopSignals.stop = stop;
        StopSignals.confirmed = confirmedSoFar;
        StopSignals.printer = StopSignals::printErr;
        signals.set(0);
        if (installed) return;
        try {
            for (String name : new String[] {"INT", "TERM"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> interrupt());
            }
            installed = true;
        } catch (LinkageError | IllegalArgumentException e) {
            // no signal API here: a JVM shutdown then simply ends the run
            LoggerFactory.getLogger(StopSignals.class).debug("signal handling unavailable: {}", e.toString());
        }
    }

    /** Where the stop lines go while a progress display is drawn (it prints them above itself); null: stderr. */
    static void printVia(Consumer<String> lines) {
        printer = lines == null ? StopSignals::printErr : lines;
    }

    /** What a SIGINT/SIGTERM does: the first asks the job to stop, the second quits at once. */
    static void interrupt() {
        if (signals.incrementAndGet() == 1) {
            printer.accept("ferry: stopping: applying what was read (interrupt again to quit at once)");
            stop.run();
        } else {
            String what;
            try {
                what = confirmed.get();
            } catch (RuntimeException e) {
                what = "unknown (" + e.getMessage() + ")";
            }
            printer.accept("ferry: quit at once; confirmed by the target so far: " + what);
            quit.accept(QUIT_AT_ONCE);
        }
    }

    private static void printErr(String line) {
        if (dev.ferry.log.LogFormat.current() == dev.ferry.log.LogFormat.JSON) {
            // stderr holds only JSON objects then: the line is a log event like any other
            org.slf4j.LoggerFactory.getLogger("dev.ferry.cli").warn(line);
            return;
        }
        System.err.println();
        System.err.println(line);
        System.err.flush();
    }
}
