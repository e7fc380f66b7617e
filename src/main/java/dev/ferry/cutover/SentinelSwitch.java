package dev.ferry.cutover;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-points every Sentinel of one master name at a server that is not a replica of the current master (the
 * cutover target), so that clients following {@code +switch-master} (Jedis's JedisSentinelPool, Lettuce) move by
 * themselves.
 *
 * <p>{@code SENTINEL REMOVE} + {@code MONITOR} would re-point a Sentinel silently. What makes a Sentinel announce
 * {@code +switch-master} outside a failover is a hello message from a Sentinel it already knows (same address and
 * run id in its table for that master) carrying a higher master config epoch than its own: it then emits
 * {@code +config-update-from} and {@code +switch-master} and moves to the announced address (sentinel.c,
 * sentinelProcessHelloMessage). A Sentinel takes such a hello from {@code PUBLISH __sentinel__:hello} sent to
 * itself. So each Sentinel X gets a hello in the name of another Sentinel Y that X knows, with Y's address and
 * run id exactly as X lists them; never in X's own name, which X would add to its table as a new Sentinel.
 * A lone Sentinel knows no other, so it is re-pointed with REMOVE + MONITOR + SET instead, which emits no
 * {@code +switch-master} (its clients must be told some other way).
 *
 * <p>What Sentinel does afterwards by itself (measured with Redis 7.0.15): some 8-10 s after the switch every
 * Sentinel finds the old master, now in its replica list, still reporting {@code role:master} and sends it
 * {@code MULTI; SLAVEOF <new master>; CONFIG REWRITE; CLIENT KILL TYPE normal; CLIENT KILL TYPE pubsub; EXEC}
 * (under CLIENT PAUSE WRITE the EXEC waits for the pause to end); the old master then full-syncs from the new one,
 * replacing its data. The old master's replica is told SLAVEOF only after failover-timeout (default 180 s).
 */
public final class SentinelSwitch {
    private static final String HELLO_CHANNEL = "__sentinel__:hello";
    /** Settings that SENTINEL MASTER shows and SENTINEL SET can set back. */
    private static final List<String> SETTINGS = List.of("quorum", "down-after-milliseconds", "failover-timeout",
            "parallel-syncs", "notification-script", "client-reconfig-script");
    private static final long POLL_MS = 50;
    /** down-after-milliseconds during a switch at least (see guardDownAfter). */
    private static final long GUARD_DOWN_AFTER_MS = 5_000;
    /** Time beyond the caller's timeout for Sentinel to reconnect after the switch (a ping period, 1 s, and a tick). */
    private static final long LINK_GRACE_MS = 1_500;

    /** One Sentinel: where we reach it, its id (SENTINEL MYID, or the address where that is unknown). */
    private record Sentinel(HostPort address, String id) {
        @Override public String toString() {
            return address.toString();
        }
    }

    private final RedisUri uri;
    private final String name;
    private final ConnectOptions sentinelOptions;
    private final List<Sentinel> sentinels;
    /** Each Sentinel's settings as first read, to check and re-apply after every switch. */
    private final Map<Sentinel, Map<String, String>> settings;
    private final HostPort originalMaster;
    private HostPort currentMaster;
    /** Whether auth-pass/auth-user were changed, so undo() must give them back the source URI's credentials. */
    private boolean authChanged;
    /** Whether auth-user was set, so undo() must set or clear it. */
    private boolean userChanged;
    /** Whether the lone-Sentinel fallback was used (REMOVE + MONITOR: auth-pass is lost and must be set again). */
    private boolean recreated;
    /** Whether the switch under way has changed anything yet (a refusal before that has nothing to undo). */
    private boolean touched;
    /** The Sentinels whose down-after-milliseconds the switch under way raised (see guardDownAfter). */
    private final java.util.Set<Sentinel> guarded = new java.util.HashSet<>();

    private SentinelSwitch(RedisUri uri, ConnectOptions sentinelOptions, List<Sentinel> sentinels,
                           Map<Sentinel, Map<String, String>> settings, HostPort master) {
        this.uri = uri;
        this.name = uri.sentinelMaster();
        this.sentinelOptions = sentinelOptions;
        this.sentinels = List.copyOf(sentinels);
        this.settings = settings;
        this.originalMaster = master;
        this.currentMaster = master;
    }

    /**
     * Reads every Sentinel of {@code sentinelUri}'s master name: those the URI names and those each of them lists
     * in {@code SENTINEL SENTINELS}. Refuses (a one-line {@link RedisConnectionException}) when one cannot be
     * reached or does not monitor the name, or when they disagree on the current master.
     */
    public static SentinelSwitch of(RedisUri sentinelUri) {
        if (sentinelUri.kind() != RedisUri.Kind.SENTINEL) {
            throw new IllegalArgumentException("not a redis-sentinel:// URI: " + sentinelUri.redacted());
        }
        // the same options Topology.resolveSentinelMaster connects to Sentinels with
        ConnectOptions options = new ConnectOptions(null, sentinelUri.sentinelPassword(), sentinelUri.tls(),
                sentinelUri.tlsInsecure(), sentinelUri.caCertFile(), sentinelUri.timeoutMs(), sentinelUri.timeoutMs());
        String name = sentinelUri.sentinelMaster();
        List<HostPort> toVisit = new ArrayList<>(sentinelUri.hosts());
        List<HostPort> visited = new ArrayList<>();
        Map<String, Sentinel> byId = new LinkedHashMap<>();
        Map<Sentinel, Map<String, String>> settings = new LinkedHashMap<>();
        Map<Sentinel, HostPort> masters = new LinkedHashMap<>();
        while (!toVisit.isEmpty()) {
            HostPort address = toVisit.remove(0);
            if (visited.contains(address)) continue;
            visited.add(address);
            try (RespConnection c = RespConnection.open(address, options)) {
                Reply myid = c.call("SENTINEL", "MYID");
                if (myid instanceof Reply.Error e && e.refusesAccess()) {
                    throw new RedisConnectionException("SENTINEL MYID refused: " + e.message()
                            + (e.code().equals("NOAUTH") ? " (give the Sentinels' password as ?sentinel-password=...)" : ""));
                }
                // before Redis 6.2 there is no MYID: the address is the identity then
                String id = myid.isError() ? address.toString() : myid.asText();
                if (byId.containsKey(id)) continue; // the same Sentinel under another address
                Sentinel s = new Sentinel(address, id);
                byId.put(id, s);
                masters.put(s, masterAddress(c, name));
                settings.put(s, readSettings(c, name));
                for (Map<String, String> other : entries(c.call("SENTINEL", "SENTINELS", name), address, "SENTINEL SENTINELS")) {
                    toVisit.add(new HostPort(other.get("ip"), Integer.parseInt(other.get("port"))));
                }
            } catch (RedisConnectionException e) {
                throw new RedisConnectionException("cannot re-point the Sentinels of '" + name + "': Sentinel " + address
                        + " is not usable: " + e.getMessage());
            }
        }
        HostPort master = null;
        for (Map.Entry<Sentinel, HostPort> e : masters.entrySet()) {
            if (master == null) {
                master = e.getValue();
            } else if (!master.equals(e.getValue())) {
                throw new RedisConnectionException("the Sentinels of '" + name + "' disagree on the master: " + masters
                        + " (a failover under way?)");
            }
        }
        return new SentinelSwitch(sentinelUri, options, new ArrayList<>(byId.values()), settings, master);
    }

    /** The master every Sentinel names now (after {@link #switchTo} the new one, after {@link #undo} the old). */
    public synchronized HostPort currentMaster() {
        return currentMaster;
    }

    /** The master the Sentinels named when this was made. */
    public HostPort originalMaster() {
        return originalMaster;
    }

    /** Every Sentinel of the master name, at the address Ferry reaches it on. */
    public List<HostPort> sentinels() {
        return sentinels.stream().map(Sentinel::address).toList();
    }

    /**
     * Points every Sentinel at {@code newMaster}, each emitting {@code +switch-master}, and waits up to
     * {@code timeoutMs} until every one names it. {@code newMasterAuth} is how the new master is reached (its user
     * and password, TLS): it is checked first with a PING, then its password (if any) becomes each Sentinel's
     * {@code auth-pass} (and its user {@code auth-user}) before the switch, so Sentinel can talk to the new master
     * at once. Returns a one-line description; on failure undoes what it changed and throws with the reason
     * (never the password).
     */
    public synchronized String switchTo(HostPort newMaster, ConnectOptions newMasterAuth, long timeoutMs) {
        if (newMaster.equals(currentMaster)) {
            throw new RedisConnectionException("the Sentinels of '" + name + "' already name " + newMaster);
        }
        checkReachable(newMaster, newMasterAuth);
        checkAddressAccepted(newMaster);
        HostPort from = currentMaster;
        touched = false;
        try {
            String how = point(List.of(from), newMaster, newMasterAuth, timeoutMs, newMasterAuth.password() != null);
            currentMaster = newMaster;
            return how;
        } catch (RuntimeException e) {
            String reason = scrub(e.getMessage(), newMasterAuth.password());
            if (!touched) {
                throw new RedisConnectionException("cannot re-point the Sentinels of '" + name + "' from " + from
                        + " to " + newMaster + " (nothing changed): " + reason);
            }
            try {
                restore(from, newMaster, timeoutMs);
            } catch (RuntimeException undo) {
                throw new RedisConnectionException("re-pointing the Sentinels of '" + name + "' from " + from + " to "
                        + newMaster + " failed: " + reason + "; putting them back failed too: "
                        + scrub(undo.getMessage(), newMasterAuth.password()));
            }
            throw new RedisConnectionException("re-pointing the Sentinels of '" + name + "' from " + from + " to "
                    + newMaster + " failed (undone, they name " + from + " again): " + reason);
        }
    }

    /** Points every Sentinel back at the original master the same way (a higher config epoch again). */
    public synchronized void undo(long timeoutMs) {
        if (currentMaster.equals(originalMaster)) return;
        restore(originalMaster, currentMaster, timeoutMs);
        currentMaster = originalMaster;
    }

    /**
     * Back to {@code master}, which the source URI's credentials reach, from {@code from} (or from a half-done
     * switch: a Sentinel that still names {@code master} just takes the higher epoch).
     */
    private void restore(HostPort master, HostPort from, long timeoutMs) {
        // auth-pass/auth-user go back to what the source URI says (cleared where it says nothing) if they were
        // changed, or lost to a lone Sentinel's REMOVE
        boolean restoreAuth = authChanged || recreated;
        ConnectOptions auth = restoreAuth ? uri.connectOptions() : ConnectOptions.plain();
        point(List.of(from, master), master, auth, timeoutMs, restoreAuth);
        authChanged = false;
        userChanged = false;
    }

    /**
     * The switch itself: checks every Sentinel names one of {@code from} and is not failing over, sets the auth
     * settings when {@code setAuth}, sends each Sentinel a hello naming {@code to} with a config epoch above
     * every Sentinel's, waits until all name {@code to}, and puts back any setting that changed.
     */
    private String point(List<HostPort> from, HostPort to, ConnectOptions auth, long timeoutMs, boolean setAuth) {
        long maxEpoch = 0;
        Map<Sentinel, List<Map<String, String>>> peers = new LinkedHashMap<>();
        for (Sentinel s : sentinels) {
            try (RespConnection c = open(s)) {
                HostPort named = masterAddress(c, name);
                if (!from.contains(named)) {
                    throw new RedisConnectionException("Sentinel " + s + " names " + named + ", not " + from.get(0));
                }
                Map<String, String> m = fields(c.call("SENTINEL", "MASTER", name), s.address(), "SENTINEL MASTER");
                if (m.getOrDefault("flags", "").contains("failover_in_progress")) {
                    throw new RedisConnectionException("Sentinel " + s + " is failing '" + name + "' over");
                }
                maxEpoch = Math.max(maxEpoch, Long.parseLong(m.getOrDefault("config-epoch", "0")));
                List<Map<String, String>> known = new ArrayList<>();
                for (Map<String, String> p : entries(c.call("SENTINEL", "SENTINELS", name), s.address(), "SENTINEL SENTINELS")) {
                    if (p.get("runid") != null && !p.get("runid").isEmpty()) known.add(p);
                }
                peers.put(s, known);
            }
        }
        touched = true;
        guardDownAfter();
        if (setAuth) {
            for (Sentinel s : sentinels) {
                try (RespConnection c = open(s)) {
                    // an empty value clears the setting (sentinel.c: SENTINEL SET auth-pass "")
                    set(c, s, "auth-pass", auth.password() == null ? "" : auth.password(), auth.password());
                    // auth-user is left alone unless a user is given or was given before (Sentinels before 6.2
                    // do not know the setting)
                    if (auth.user() != null || userChanged) {
                        set(c, s, "auth-user", auth.user() == null ? "" : auth.user(), auth.password());
                    }
                }
            }
            authChanged = true;
            userChanged = auth.user() != null;
        }
        // One epoch above every Sentinel's config epoch for this master, used as both the hello's current epoch and
        // its master config epoch. The config epoch must be strictly higher for the hello to be taken. The current
        // epoch must be at least the config epoch: a Sentinel raises its own to it, so that a later real failover
        // (which takes current epoch + 1) produces a config the others accept; a Sentinel whose current epoch is
        // already higher (epochs spent on other master names or on failed elections) keeps its own, which is fine.
        long epoch = maxEpoch + 1;
        List<String> fallback = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (Sentinel s : sentinels) {
            List<Map<String, String>> known = peers.get(s);
            try (RespConnection c = open(s)) {
                if (known.isEmpty()) {
                    recreate(c, s, to, auth);
                    fallback.add(s.toString());
                    continue;
                }
                Map<String, String> y = known.get(0);
                String hello = String.join(",", y.get("ip"), y.get("port"), y.get("runid"), Long.toString(epoch), name,
                        to.host(), Integer.toString(to.port()), Long.toString(epoch));
                Reply r = c.call("PUBLISH", HELLO_CHANNEL, hello);
                // not fatal by itself: the Sentinels that took it pass the new config on in their own hellos (every
                // 2 s), so the wait below decides
                if (r.isError()) refused.add(s + " refused the hello (" + r + ")");
            } catch (RedisConnectionException e) {
                refused.add(e.getMessage());
            }
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        try {
            awaitAllName(to, timeoutMs);
        } catch (RedisConnectionException e) {
            throw refused.isEmpty() ? e : new RedisConnectionException(e.getMessage() + "; " + String.join("; ", refused));
        }
        awaitLinked(to, Math.max(0, (deadline - System.nanoTime()) / 1_000_000) + LINK_GRACE_MS);
        List<String> reapplied = reapplySettings(auth.password());
        return sentinels.size() + " Sentinel(s) of '" + name + "' switched from " + from.get(0) + " to " + to
                + (fallback.size() < sentinels.size() ? " (config epoch " + epoch + ", +switch-master on each)" : "")
                + (fallback.isEmpty() ? "" : "; re-created by SENTINEL REMOVE + MONITOR, without +switch-master, on "
                + fallback + " (a lone Sentinel knows no other to take a hello from)")
                + (refused.isEmpty() ? "" : "; " + String.join("; ", refused) + ", but took the config from the others")
                + (reapplied.isEmpty() ? "" : "; settings set back: " + reapplied);
    }

    /** The lone-Sentinel way: REMOVE + MONITOR + SET of every setting read, and the auth settings. */
    private void recreate(RespConnection c, Sentinel s, HostPort to, ConnectOptions auth) {
        Map<String, String> want = settings.get(s);
        c.callOk("SENTINEL", "REMOVE", name);
        recreated = true;
        c.callOk("SENTINEL", "MONITOR", name, to.host(), Integer.toString(to.port()), want.get("quorum"));
        // the auth settings first; down-after-milliseconds stays at MONITOR's default (30 s) until the Sentinel has a
        // PONG from the new master (its first PING went unauthenticated), reapplySettings sets it then
        if (auth.password() != null) set(c, s, "auth-pass", auth.password(), auth.password());
        if (auth.user() != null) set(c, s, "auth-user", auth.user(), auth.password());
        for (Map.Entry<String, String> e : want.entrySet()) {
            if (!e.getKey().equals("quorum") && !e.getKey().equals("down-after-milliseconds")) {
                set(c, s, e.getKey(), e.getValue(), auth.password());
            }
        }
    }

    /** Waits until every Sentinel's GET-MASTER-ADDR-BY-NAME names {@code to}; names the ones that do not. */
    private void awaitAllName(HostPort to, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            Map<Sentinel, HostPort> other = new LinkedHashMap<>();
            for (Sentinel s : sentinels) {
                try (RespConnection c = open(s)) {
                    HostPort named = masterAddress(c, name);
                    if (!named.equals(to)) other.put(s, named);
                }
            }
            if (other.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                throw new RedisConnectionException("after " + timeoutMs + " ms not every Sentinel names " + to
                        + ": " + other);
            }
            sleep();
        }
    }

    /**
     * Raises down-after-milliseconds to {@link #GUARD_DOWN_AFTER_MS} where it is lower, for the switch only
     * (reapplySettings sets it back). Two windows would otherwise let a short down-after mark a master down and
     * start a real failover (to the old replica): SENTINEL SET auth-pass drops Sentinel's links, and the reconnect
     * it causes holds off the next one for a ping period (1 s, sentinel.c sentinelReconnectInstance), while the
     * switch resets the master's link and counts the wait for a PONG from then on; and between auth-pass and the
     * switch the old master may refuse the new password.
     */
    private void guardDownAfter() {
        guarded.clear();
        for (Sentinel s : sentinels) {
            try (RespConnection c = open(s)) {
                String downAfter = readSettings(c, name).get("down-after-milliseconds");
                if (downAfter != null && Long.parseLong(downAfter) < GUARD_DOWN_AFTER_MS) {
                    set(c, s, "down-after-milliseconds", Long.toString(GUARD_DOWN_AFTER_MS), null);
                    guarded.add(s);
                }
            }
        }
    }

    /**
     * Waits until every Sentinel has its link to {@code to} up and no PING to it unanswered: a PING answered NOAUTH
     * stays unanswered, so this proves Sentinel can talk to the new master with the auth settings it was given.
     */
    private void awaitLinked(HostPort to, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            Map<Sentinel, String> notYet = new LinkedHashMap<>();
            for (Sentinel s : sentinels) {
                try (RespConnection c = open(s)) {
                    Map<String, String> m = fields(c.call("SENTINEL", "MASTER", name), s.address(), "SENTINEL MASTER");
                    String flags = m.getOrDefault("flags", "");
                    String pending = m.getOrDefault("last-ping-sent", "0");
                    if (flags.contains("disconnected") || flags.contains("s_down") || !pending.equals("0")) {
                        notYet.put(s, "flags " + flags + ", PING unanswered for " + pending + " ms");
                    }
                }
            }
            if (notYet.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                throw new RedisConnectionException("the Sentinels name " + to + " but do not get PONG from it (wrong "
                        + "credentials or TLS for it?): " + notYet);
            }
            sleep();
        }
    }

    /** Checks every Sentinel's settings against those first read and sets back what differs. */
    private List<String> reapplySettings(String password) {
        List<String> reapplied = new ArrayList<>();
        for (Sentinel s : sentinels) {
            try (RespConnection c = open(s)) {
                Map<String, String> now = readSettings(c, name);
                for (Map.Entry<String, String> e : settings.get(s).entrySet()) {
                    if (!e.getValue().equals(now.get(e.getKey()))) {
                        set(c, s, e.getKey(), e.getValue(), password);
                        // the guard's own change (and a lone Sentinel's re-creation) is no news to report
                        boolean ours = e.getKey().equals("down-after-milliseconds") && (guarded.contains(s) || recreated);
                        if (!ours) reapplied.add(s + " " + e.getKey() + " " + e.getValue());
                    }
                }
            }
        }
        return reapplied;
    }

    /**
     * A Sentinel takes a host name only with {@code resolve-hostnames yes}; otherwise it would announce
     * {@code +switch-master} with the name and then fail to move to it (sentinel.c resolves with ANET_IP_ONLY).
     */
    private void checkAddressAccepted(HostPort newMaster) {
        if (isIpLiteral(newMaster.host())) return;
        for (Sentinel s : sentinels) {
            try (RespConnection c = open(s)) {
                Reply r = c.call("SENTINEL", "CONFIG", "GET", "resolve-hostnames");
                List<Reply> kv = r.isError() ? List.of() : r.asList();
                if (kv.size() < 2 || !"yes".equalsIgnoreCase(kv.get(1).asText())) {
                    throw new RedisConnectionException("cannot switch the Sentinels to " + newMaster + ": Sentinel " + s
                            + " takes a host name only with 'sentinel resolve-hostnames yes'; give the new master's IP address");
                }
            }
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.indexOf(':') >= 0;
    }

    /** The new master must answer with the credentials Sentinel will be given: a wrong password is caught here. */
    private static void checkReachable(HostPort newMaster, ConnectOptions auth) {
        try (RespConnection c = RespConnection.open(newMaster, auth)) {
            Reply r = c.call("PING");
            if (r.isError()) {
                throw new RedisConnectionException("the new master " + newMaster + " does not answer PING: "
                        + scrub(r.toString(), auth.password()));
            }
        } catch (RedisConnectionException e) {
            throw new RedisConnectionException("cannot switch the Sentinels to " + newMaster + ": "
                    + scrub(e.getMessage(), auth.password()));
        }
    }

    private void set(RespConnection c, Sentinel s, String option, String value, String password) {
        Reply r = c.call("SENTINEL", "SET", name, option, value);
        if (r.isError()) {
            boolean secret = option.equals("auth-pass");
            throw new RedisConnectionException("SENTINEL SET " + name + " " + option + (secret ? "" : " " + value)
                    + " on " + s + " failed: " + scrub(scrub(r.toString(), password), secret ? value : null));
        }
    }

    /**
     * After a switch whose old master is to stay a master ({@code ferry cutover --reverse}): every Sentinel forgets
     * the replicas it lists for the name ({@code SENTINEL RESET}), the old master among them, so none turns it into a
     * replica of the new master; it then finds the new master's own replicas again from its INFO.
     */
    public synchronized void forgetOldServers(long timeoutMs) {
        long until = System.currentTimeMillis() + timeoutMs;
        for (Sentinel s : sentinels) {
            try (RespConnection c = open(s)) {
                Reply r = c.call("SENTINEL", "RESET", name);
                if (r.isError()) throw new RedisConnectionException("SENTINEL RESET " + name + " on " + s + " failed: " + r);
            }
            if (System.currentTimeMillis() > until) {
                throw new RedisConnectionException("SENTINEL RESET took longer than " + timeoutMs + " ms");
            }
        }
    }

    private RespConnection open(Sentinel s) {
        return RespConnection.open(s.address(), sentinelOptions);
    }

    private static HostPort masterAddress(RespConnection c, String name) {
        Reply r = c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name);
        if (r instanceof Reply.Array a && a.items() != null && a.items().size() == 2) {
            return new HostPort(a.items().get(0).asText(), (int) a.items().get(1).asLong());
        }
        throw new RedisConnectionException("Sentinel " + c.address() + " knows no master named '" + name + "'"
                + (r.isError() ? " (" + r + ")" : ""));
    }

    private static Map<String, String> readSettings(RespConnection c, String name) {
        Map<String, String> m = fields(c.call("SENTINEL", "MASTER", name), c.address(), "SENTINEL MASTER");
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : SETTINGS) {
            if (m.containsKey(k)) out.put(k, m.get(k));
        }
        return out;
    }

    /** A flat key/value array reply (SENTINEL MASTER) as a map. */
    private static Map<String, String> fields(Reply r, HostPort from, String what) {
        if (r.isError()) throw new RedisConnectionException(what + " on " + from + " failed: " + r);
        List<Reply> kv = r.asList();
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.size(); i += 2) m.put(kv.get(i).asText(), kv.get(i + 1).asText());
        return m;
    }

    /** An array of flat key/value arrays (SENTINEL SENTINELS) as maps. */
    private static List<Map<String, String>> entries(Reply r, HostPort from, String what) {
        if (r.isError()) throw new RedisConnectionException(what + " on " + from + " failed: " + r);
        List<Map<String, String>> out = new ArrayList<>();
        for (Reply e : r.asList()) out.add(fields(e, from, what));
        return out;
    }

    private static String scrub(String text, String secret) {
        if (text == null || secret == null || secret.isEmpty()) return text;
        return text.replace(secret, "***");
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisConnectionException("interrupted while waiting for the Sentinels");
        }
    }
}
