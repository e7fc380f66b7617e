package dev.ferry.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a checkpoint belongs to, kept beside it on the target ({@link CheckpointKeys#META}): which command copied
 * what into where, through which filters, how many source shards it had, and which target dbs Ferry owns and wrote
 * into. A run continues a checkpoint only with the same identity; the dbs carry ownership across runs (a target db
 * that was empty when the first run started stays Ferry's, though it holds Ferry's keys when a later run starts).
 *
 * @param kind    "replicate", "scan" or "import"
 * @param source  the source as its URI says it, without a password; for an import the file's identity
 * @param target  the target's URI, without a password
 * @param filters the filters and db map ({@code KeyFilter#identity})
 * @param owned   target dbs Ferry may clear (empty at the first run's start, or --target-owned)
 * @param written target dbs Ferry wrote into
 */
public record RunIdentity(String kind, String source, String target, String filters, SortedSet<Integer> owned,
                          SortedSet<Integer> written) {
    /**
     * jackson-core's streaming API, not databind's ObjectMapper: every copy, import and replicate writes its identity
     * at start-up, and an ObjectMapper's set-up (its date formats, then a serializer for the record) was 40 ms of a
     * 0.3 s start. The text is the same object ObjectMapper wrote, so identities left by earlier versions still read.
     */
    private static final JsonFactory JSON = new JsonFactory();

    public RunIdentity {
        owned = new TreeSet<>(owned == null ? List.of() : owned);
        written = new TreeSet<>(written == null ? List.of() : written);
    }

    public String json() {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("kind", kind);
            g.writeStringField("source", source);
            g.writeStringField("target", target);
            g.writeStringField("filters", filters);
            dbs(g, "owned", owned);
            dbs(g, "written", written);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void dbs(JsonGenerator g, String name, SortedSet<Integer> dbs) throws IOException {
        g.writeArrayFieldStart(name);
        for (int db : dbs) g.writeNumber(db);
        g.writeEndArray();
    }

    /** The identity {@link #json} wrote, or null for text it cannot have written. Unknown fields are skipped. */
    public static RunIdentity parse(String json) {
        String kind = null, source = null, target = null, filters = null;
        SortedSet<Integer> owned = null, written = null;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) return null;
                String name = p.getCurrentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "kind" -> kind = text(p, value);
                    case "source" -> source = text(p, value);
                    case "target" -> target = text(p, value);
                    case "filters" -> filters = text(p, value);
                    case "owned" -> owned = dbs(p, value);
                    case "written" -> written = dbs(p, value);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) return null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        return new RunIdentity(kind, source, target, filters, owned, written);
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) return null;
        if (value != JsonToken.VALUE_STRING) throw new IllegalArgumentException("not a string");
        return p.getText();
    }

    private static SortedSet<Integer> dbs(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) return null;
        if (value != JsonToken.START_ARRAY) throw new IllegalArgumentException("not an array");
        SortedSet<Integer> dbs = new TreeSet<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_INT) throw new IllegalArgumentException("not a db number");
            dbs.add(p.getIntValue());
        }
        return dbs;
    }

    /**
     * Why a run of identity {@code now} may not continue this checkpoint, in a few words ("another source: ..."), or
     * null when it may. The source's shards are not part of it: each source checks that its shard's position is one
     * of its own histories (a Redis master refuses a PSYNC of another's replication id), and copies again if not.
     */
    public String mismatch(RunIdentity now) {
        if (!Objects.equals(kind, now.kind)) return "it was left by `ferry " + word(kind) + "`, this is `ferry " + word(now.kind) + "`";
        if (!Objects.equals(source, now.source)) return "it is of source " + source + ", not " + now.source;
        if (!Objects.equals(target, now.target)) return "it was written through target " + target + ", not " + now.target;
        if (!Objects.equals(filters, now.filters)) return "it was copied with filters " + filters + ", not " + now.filters;
        return null;
    }

    private static String word(String kind) {
        return "scan".equals(kind) ? "replicate --scan" : kind;
    }

    public RunIdentity withDbs(SortedSet<Integer> owned, SortedSet<Integer> written) {
        return new RunIdentity(kind, source, target, filters, owned, written);
    }
}
