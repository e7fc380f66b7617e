package dev.ferry.checkpoint;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What {@code ferry cutover} and the {@code ferry replicate} it serves say to each other, in two fields of the
 * checkpoint hashes on the target: the cutover learns the replicate's progress from the positions there already, so
 * the target is also where it asks (no private channel, nothing to configure, and it works wherever both can reach
 * the target).
 *
 * <ul>
 *   <li>{@code cutover} (written by the cutover): {@code prepare <id> <until-ms>} — write positions every 50 ms
 *       until then, and list the keys written; {@code done <id> <at-ms> <target>} — the applications were moved at
 *       {@code at}: stop. Removed when a cutover gives up.</li>
 *   <li>{@code cutover-seen} (written by the replicate): {@code <id> live} once it saw the request, and
 *       {@code <id> stopped} once it stopped reading the source after {@code done}.</li>
 *   <li>{@code recent} (written by the replicate while prepared): the keys its live writes touched since, as
 *       {@code db:base64} words (source dbs), so the cutover can verify them.</li>
 * </ul>
 */
public final class CutoverSignal {
    public static final byte[] FIELD = bytes("cutover");
    public static final byte[] SEEN = bytes("cutover-seen");
    public static final byte[] RECENT = bytes("recent");

    public enum Kind { PREPARE, DONE }

    /** One value of the {@code cutover} field. */
    public record Request(Kind kind, String id, long atMs, String target) {
        public String text() {
            return kind == Kind.PREPARE ? "prepare " + id + " " + atMs : "done " + id + " " + atMs + " " + target;
        }

        /** When the applications were moved, for the replicate's last line. */
        public String when() {
            return Instant.ofEpochMilli(atMs).toString();
        }
    }

    private CutoverSignal() {
    }

    public static Request prepare(String id, long untilMs) {
        return new Request(Kind.PREPARE, id, untilMs, null);
    }

    public static Request done(String id, long atMs, String target) {
        return new Request(Kind.DONE, id, atMs, target);
    }

    /** The request a field holds, or null (absent, or not one this version understands). */
    public static Request parse(String text) {
        if (text == null) return null;
        String[] w = text.split(" ", 4);
        try {
            if (w.length == 3 && w[0].equals("prepare")) return prepare(w[1], Long.parseLong(w[2]));
            if (w.length == 4 && w[0].equals("done")) return done(w[1], Long.parseLong(w[2]), w[3]);
        } catch (NumberFormatException e) {
            return null;
        }
        return null;
    }

    public static String seen(String id, boolean stopped) {
        return id + (stopped ? " stopped" : " live");
    }

    /** Whether a {@code cutover-seen} value says the replicate answered request {@code id} ({@code stopped}: stopped). */
    public static boolean answered(String seen, String id, boolean stopped) {
        return seen != null && seen.equals(seen(id, stopped));
    }

    /** One key a live write touched, in its source db (the one verify reads it from). */
    public record Touched(int db, byte[] key) {
    }

    public static String recent(List<Touched> keys) {
        StringBuilder sb = new StringBuilder();
        Base64.Encoder b64 = Base64.getEncoder();
        for (Touched t : keys) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(t.db()).append(':').append(b64.encodeToString(t.key()));
        }
        return sb.toString();
    }

    public static List<Touched> parseRecent(String text) {
        List<Touched> out = new ArrayList<>();
        if (text == null || text.isEmpty()) return out;
        Base64.Decoder b64 = Base64.getDecoder();
        for (String word : text.split(" ")) {
            int colon = word.indexOf(':');
            if (colon <= 0) continue;
            try {
                out.add(new Touched(Integer.parseInt(word.substring(0, colon)), b64.decode(word.substring(colon + 1))));
            } catch (IllegalArgumentException e) {
                // a word this version cannot read: that key is not verified as recent (the sample still may)
            }
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
