package dev.ferry.testkit.dragonfly.capture;

import static dev.ferry.testkit.dragonfly.capture.ExpectedDataset.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.Datasets;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.dragonfly.capture.Difference.Kind;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.Entry;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.HashValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.ListValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.SetValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.StreamEntry;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.StreamValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.StringValue;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.ZMember;
import dev.ferry.testkit.dragonfly.capture.ExpectedDataset.ZSetValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ExpectedDataset against a real Redis 7.0 seeded from basic-lz4's expected.json with ordinary commands: the
 * comparison must find nothing but the stream metadata a re-created stream cannot share, and must then
 * report each injected difference as exactly one difference of the right kind.
 */
class ExpectedDatasetIT {
    /** Keys expiring sooner than this are not seeded: they could vanish between seeding and comparing. */
    private static final long SEED_MARGIN_MS = 60_000;

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension().flushBeforeEach();

    private ExpectedDataset expected;
    private long now;

    @BeforeEach
    void load() {
        Captures.require("basic-lz4");
        expected = ExpectedDataset.forScenario("basic-lz4");
        now = System.currentTimeMillis();
    }

    @Test
    void aFaithfulCopyHasNoDifferencesButStreamGroupMeta() {
        try (RespConnection c = Datasets.connect(redis.get())) {
            List<String> skipped = seed(c, expected, now);
            System.out.println("not seeded (" + skipped.size() + "): " + skipped);
            List<Difference> diffs = expected.differences(c, now + 1_000, CompareOptions.redisTarget());
            System.out.println("stream group metadata differences of the seeded copy: " + diffs);
            assertThat(without(diffs, Kind.STREAM_GROUP_META)).isEmpty();
            // A stream re-created by commands gets consumers stamped with the seeding time, and Redis 7.0 has
            // no active-time at all: exactly the consumer timestamps differ, nothing about the group cursor.
            assertThat(diffs).allSatisfy(d -> assertThat(d.detail()).containsAnyOf("seen-time", "active-time"));
            assertThat(diffs).isNotEmpty();
        }
    }

    @Test
    void eachInjectedDifferenceIsReportedOnceWithItsKind() {
        try (RespConnection c = Datasets.connect(redis.get())) {
            seed(c, expected, now);
            long at = now + 1_000;
            Set<Difference> baseline = Set.copyOf(expected.differences(c, at, CompareOptions.redisTarget()));

            c.callOk("SELECT", "0");
            c.callOk("DEL", "k:0001");                                      // MISSING
            c.callOk("SET", "extra:key", "x");                              // EXTRA
            c.callOk("DEL", "h:small");
            c.callOk("SADD", "h:small", "x");                               // TYPE
            c.callOk("SETRANGE", "k:0002", "0", "X");                       // VALUE
            c.callOk("PEXPIREAT", "k:0003", Long.toString(now + 86_400_000L)); // TTL
            JsonNode g1 = ((StreamValue) expected.entry(0, "st:1").value()).xinfoFull().path("groups").get(0);
            c.callOk("XGROUP", "SETID", "st:1", "g1", g1.path("last-delivered-id").asText(), "ENTRIESREAD", "5"); // STREAM_GROUP_META

            List<Difference> now1 = new ArrayList<>(expected.differences(c, at, CompareOptions.redisTarget()));
            now1.removeAll(baseline);
            assertThat(now1).extracting(d -> d.db() + " " + d.key() + " " + d.kind()).containsExactlyInAnyOrder(
                    "0 k:0001 MISSING", "0 extra:key EXTRA", "0 h:small TYPE", "0 k:0002 VALUE", "0 k:0003 TTL",
                    "0 st:1 STREAM_GROUP_META", "0 st:1 STREAM_GROUP_META");
            // moving entries-read moves the lag Redis derives from it: two facts, both group metadata
            assertThat(now1).filteredOn(d -> d.kind() == Kind.STREAM_GROUP_META).extracting(Difference::detail)
                    .containsExactlyInAnyOrder("group g1 entries-read: expected 17, found 5", "group g1 lag: expected 85, found 97");
            assertThat(now1).filteredOn(d -> d.kind() == Kind.VALUE).singleElement()
                    .extracting(Difference::detail).asString().contains("found X0-2"); // k:0002 held "v0-2"
        }
    }

    @Test
    void aKeyPastItsExpiryMustBeAbsent() {
        Entry gone = expected.dbs().get(0).keys().values().stream()
                .filter(e -> e.expireAtMs() != null && e.expiredAt(now) && e.value() instanceof StringValue).findFirst().orElse(null);
        Assumptions.assumeTrue(gone != null, "no basic-lz4 string key has expired yet by this machine's clock (" + now + ")");
        try (RespConnection c = Datasets.connect(redis.get())) {
            seed(c, expected, now);
            Set<Difference> baseline = Set.copyOf(expected.differences(c, now, CompareOptions.redisTarget()));
            c.callOk("SELECT", "0");
            c.call(cmd("SET", gone.key(), ((StringValue) gone.value()).value()));
            List<Difference> diffs = new ArrayList<>(expected.differences(c, now, CompareOptions.redisTarget()));
            diffs.removeAll(baseline);
            assertThat(diffs).singleElement().satisfies(d -> {
                assertThat(d.kind()).isEqualTo(Kind.EXTRA);
                assertThat(d.detail()).contains("expired at " + gone.expireAtMs());
            });
        }
    }

    @Test
    void theBinaryKeyRoundTripsAndExcludedTypesAreIgnored() {
        try (RespConnection c = Datasets.connect(redis.get())) {
            seed(c, expected, now);
            c.callOk("SELECT", "1");
            c.call(cmd("DEL", Bytes.fromKeyName("base64:a2V5/wBiaW4=")));
            List<Difference> diffs = without(expected.differences(c, now + 1_000, CompareOptions.redisTarget()), Kind.STREAM_GROUP_META);
            assertThat(diffs).extracting(Difference::toString).containsExactly("db1 'base64:a2V5/wBiaW4=' MISSING: expected a string");
            // excluding strings drops the complaint along with every string key
            assertThat(without(expected.differences(c, now + 1_000, CompareOptions.redisTarget().excludingTypes("string")),
                    Kind.STREAM_GROUP_META)).isEmpty();
        }
    }

    private static List<Difference> without(List<Difference> diffs, Kind kind) {
        return diffs.stream().filter(d -> d.kind() != kind).collect(Collectors.toList());
    }

    /**
     * Writes the expected dataset with ordinary commands. Returns what it could not seed, and why: keys past
     * (or too near) their expiry, Dragonfly-only types, hash field / set member TTLs (Redis 7.0 has none), PELs
     * longer than the 10 entries XINFO STREAM FULL lists.
     */
    static List<String> seed(RespConnection c, ExpectedDataset ds, long nowMs) {
        List<String> skipped = new ArrayList<>();
        for (ExpectedDataset.Db db : ds.dbs().values()) {
            c.callOk("SELECT", Integer.toString(db.index()));
            for (Entry e : db.keys().values()) {
                String name = "db" + db.index() + " " + e.key();
                if (e.expireAtMs() != null && e.expireAtMs() <= nowMs + SEED_MARGIN_MS) {
                    skipped.add(name + " (expires at " + e.expireAtMs() + ")");
                    continue;
                }
                List<byte[][]> cmds = new ArrayList<>();
                if (e.value() instanceof StringValue s) {
                    cmds.add(cmd("SET", e.key(), s.value()));
                } else if (e.value() instanceof HashValue h && h.fieldTtlS().isEmpty()) {
                    h.fields().forEach((f, v) -> cmds.add(cmd("HSET", e.key(), f, v)));
                } else if (e.value() instanceof ListValue l) {
                    for (Bytes item : l.items()) cmds.add(cmd("RPUSH", e.key(), item));
                } else if (e.value() instanceof SetValue s && s.memberTtlS().isEmpty()) {
                    for (Bytes m : s.members()) cmds.add(cmd("SADD", e.key(), m));
                } else if (e.value() instanceof ZSetValue z) {
                    for (ZMember m : z.members()) cmds.add(cmd("ZADD", e.key(), m.score(), m.member()));
                } else if (e.value() instanceof StreamValue st) {
                    if (!seedStream(e, st, cmds)) skipped.add(name + " (PEL longer than XINFO's 10 entries: consumers left out)");
                } else {
                    skipped.add(name + " (" + e.type() + (e.value() instanceof HashValue || e.value() instanceof SetValue
                            ? " with per-element TTLs)" : ", not a Redis core type)"));
                    continue;
                }
                if (e.expireAtMs() != null) cmds.add(cmd("PEXPIREAT", e.key(), Long.toString(e.expireAtMs())));
                for (Reply r : ExpectedDataset.pipeline(c, cmds)) {
                    if (r.isError()) throw new AssertionError("seeding " + name + " failed: " + r);
                }
            }
        }
        c.callOk("SELECT", "0");
        return skipped;
    }

    /** XADD with the original ids, XSETID for the counters, groups at their cursors, PELs via XCLAIM ... FORCE. */
    private static boolean seedStream(Entry e, StreamValue st, List<byte[][]> cmds) {
        for (StreamEntry en : st.entries()) {
            List<Object> args = new ArrayList<>(List.of("XADD", e.key(), en.id()));
            args.addAll(en.fieldsAndValues());
            cmds.add(cmd(args.toArray()));
        }
        JsonNode info = st.xinfoFull();
        cmds.add(cmd("XSETID", e.key(), info.path("last-generated-id").asText(), "ENTRIESADDED", info.path("entries-added").asText(),
                "MAXDELETEDID", info.path("max-deleted-entry-id").asText()));
        boolean complete = true;
        for (JsonNode g : info.path("groups")) {
            String group = g.path("name").asText();
            List<Object> create = new ArrayList<>(List.of("XGROUP", "CREATE", e.key(), group, g.path("last-delivered-id").asText()));
            if (!g.path("entries-read").isNull()) create.addAll(List.of("ENTRIESREAD", g.path("entries-read").asText()));
            cmds.add(cmd(create.toArray()));
            for (JsonNode consumer : g.path("consumers")) {
                String name = consumer.path("name").asText();
                cmds.add(cmd("XGROUP", "CREATECONSUMER", e.key(), group, name));
                if (consumer.path("pel-count").asLong() > consumer.path("pending").size()) complete = false;
                for (JsonNode p : consumer.path("pending")) {
                    cmds.add(cmd("XCLAIM", e.key(), group, name, "0", p.get(0).asText(), "TIME", p.get(1).asText(),
                            "RETRYCOUNT", p.get(2).asText(), "FORCE", "JUSTID"));
                }
            }
        }
        return complete;
    }
}
