package dev.ferry.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    public RunIdentity {
        owned = new TreeSet<>(owned == null ? List.of() : owned);
        written = new TreeSet<>(written == null ? List.of() : written);
    }

    public String json() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The identity {@link #json} wrote, or null for text it cannot have written. */
    public static RunIdentity parse(String json) {
        try {
            return JSON.readValue(json, RunIdentity.class);
        } catch (JsonProcessingException e) {
            return null;
        }
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
