package dev.ferry.cutover;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** What a cutover did and when, printed as it goes and kept for the closing lines. */
final class Timeline {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    record Event(long atMs, String what) {
        String line() {
            return TIME.format(Instant.ofEpochMilli(atMs)) + "  " + what;
        }
    }

    private final List<Event> events = new ArrayList<>();
    private final Consumer<String> out;

    Timeline(Consumer<String> out) {
        this.out = out;
    }

    synchronized long add(String what) {
        Event e = new Event(System.currentTimeMillis(), what);
        events.add(e);
        out.accept(e.line());
        return e.atMs();
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }
}
