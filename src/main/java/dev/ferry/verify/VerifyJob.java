package dev.ferry.verify;

import dev.ferry.command.ValueType;
import dev.ferry.pipeline.KeyFilter;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespPipeline;
import dev.ferry.util.UsageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Compares two datasets key by key. A first pass scans every source master (in parallel) and reads each batch of
 * keys on both sides; a second scans every target master for keys the source lacks. Keys found different become
 * candidates, which later rounds read again on both sides after a delay, so writes still in flight settle and
 * only real differences remain.
 */
public final class VerifyJob {
    public record Settings(RedisUri source, RedisUri target, KeyFilter filter, int rounds, long roundDelayMs,
                           long ttlToleranceMs, long sample, int batch, Path report) {
    }

    /**
     * @param differences the differing keys kept in memory (at most {@link #MAX_KEPT})
     * @param notKept     differences past that bound: counted in {@code byKind}, not re-checked, not listed
     */
    public record Result(String source, String target, long sourceKeys, long targetKeys, List<Long> perRound,
                         Map<Difference.Kind, Long> byKind, List<Difference> differences, long notKept, double seconds) {
        public long differenceCount() {
            return differences.size() + notKept;
        }
    }

    /**
     * Batches compared at once per scanned master: round trips to both sides overlap instead of queueing. 5 rather
     * than 3: 1M strings a side, 199k -> 222k keys/s by wall on 2 cores (8 gave 240k, for 1.6x the memory in flight;
     * see ProbeReader.HEAD_WINDOW).
     */
    private static final int WORKERS_PER_MASTER = 5;

    private final Settings settings;
    private final List<Connections> allConnections = java.util.Collections.synchronizedList(new ArrayList<>());
    private ThreadLocal<Connections> sourceConns;
    private ThreadLocal<Connections> targetConns;
    private ExecutorService workers;
    /** Differences held in memory for re-checking; more are only counted. */
    static final int MAX_KEPT = 200_000;
    private final Map<Difference.Kind, AtomicLong> overflow = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong sourceKeys = new AtomicLong();
    /** Keys taken by the scanners of each side, for --sample: counted when scanned, not when compared. */
    private final AtomicLong sourceSampled = new AtomicLong();
    private final AtomicLong targetSampled = new AtomicLong();
    private final AtomicLong targetKeys = new AtomicLong();
    private final AtomicLong candidates = new AtomicLong();
    private volatile int round;

    public VerifyJob(Settings settings) {
        this.settings = settings;
    }

    public long sourceKeysChecked() { return sourceKeys.get(); }
    public long targetKeysChecked() { return targetKeys.get(); }
    public long candidates() { return candidates.get(); }
    public int round() { return round; }

    public Result run() throws Exception {
        long t0 = System.nanoTime();
        Side source = Side.open("source", settings.source());
        Side target = Side.open("target", settings.target());
        Map<Integer, Integer> dbPairs = dbPairs(source, target);
        ConcurrentLinkedQueue<Difference> found = new ConcurrentLinkedQueue<>();
        sourceConns = ThreadLocal.withInitial(() -> track(new Connections(source.options)));
        targetConns = ThreadLocal.withInitial(() -> track(new Connections(target.options)));
        int scanners = source.masters().size() + target.masters().size();
        workers = Executors.newFixedThreadPool(scanners * WORKERS_PER_MASTER, r -> {
            Thread t = new Thread(r, "verify-worker");
            t.setDaemon(true);
            return t;
        });
        round = 1;
        ExecutorService pool = Executors.newFixedThreadPool(source.masters().size() + target.masters().size(),
                r -> {
                    Thread t = new Thread(r, "verify");
                    t.setDaemon(true);
                    return t;
                });
        try {
            // both directions at once: they read different things (values vs existence) and neither waits for the other
            List<Future<?>> work = new ArrayList<>();
            for (HostPort m : source.masters()) work.add(pool.submit(() -> {
                scanSource(source, target, m, dbPairs, found);
                return null;
            }));
            for (HostPort m : target.masters()) work.add(pool.submit(() -> {
                scanTarget(source, target, m, dbPairs, found);
                return null;
            }));
            for (Future<?> f : work) get(f);
        } finally {
            pool.shutdownNow();
            workers.shutdownNow();
            synchronized (allConnections) {
                for (Connections c : allConnections) c.close();
                allConnections.clear();
            }
        }
        List<Difference> current = new ArrayList<>(found);
        List<Long> perRound = new ArrayList<>();
        long notKept = overflow.values().stream().mapToLong(AtomicLong::get).sum();
        perRound.add(current.size() + notKept);
        for (int r = 2; r <= settings.rounds() && !current.isEmpty(); r++) {
            round = r;
            Thread.sleep(settings.roundDelayMs());
            current = recheck(source, target, current);
            perRound.add(current.size() + notKept);
            candidates.set(current.size() + notKept);
        }
        Map<Difference.Kind, Long> byKind = new EnumMap<>(Difference.Kind.class);
        for (Difference.Kind k : Difference.Kind.values()) byKind.put(k, 0L);
        for (Difference d : current) byKind.merge(d.kind(), 1L, Long::sum);
        overflow.forEach((k, n) -> byKind.merge(k, n.get(), Long::sum));
        if (settings.report() != null) DifferenceReport.write(settings.report(), current);
        return new Result(source.describe(), target.describe(), sourceKeys.get(), targetKeys.get(), perRound, byKind,
                Collections.unmodifiableList(current), notKept, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Candidates are kept (for re-checking and the report) up to a bound, so memory stays bounded even when the
     * target is empty; past it they are only counted by kind, and said to be counted without a re-check.
     */
    private void keep(ConcurrentLinkedQueue<Difference> found, Difference d) {
        if (candidates.incrementAndGet() <= MAX_KEPT) {
            found.add(d);
        } else {
            overflow.computeIfAbsent(d.kind(), k -> new AtomicLong()).incrementAndGet();
        }
    }

    private Connections track(Connections c) {
        allConnections.add(c);
        return c;
    }

    private static void get(Future<?> f) throws Exception {
        try {
            f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) throw ex;
            throw new IllegalStateException(c);
        }
    }

    /** Source db to target db, for every source db the filters accept and either side uses. */
    private Map<Integer, Integer> dbPairs(Side source, Side target) {
        Map<Integer, Integer> pairs = new LinkedHashMap<>();
        TreeSet<Integer> dbs = new TreeSet<>(source.cluster() ? List.of(0) : source.dbsWithKeys());
        if (!target.cluster()) {
            // a target db no source db maps into: its keys are all missing on the source
            for (int t : target.dbsWithKeys()) {
                boolean mapped = false;
                for (int s : dbs) if (settings.filter().mapDb(s) == t) mapped = true;
                if (!mapped) dbs.add(t);
            }
        } else if (dbs.isEmpty()) {
            dbs.add(0);
        }
        for (int s : dbs) {
            if (!settings.filter().acceptsDb(s)) continue;
            int t = settings.filter().mapDb(s);
            if (source.cluster() && s != 0) continue;
            if (target.cluster() && t != 0) {
                throw new UsageException("source db " + s + " maps to target db " + t + ", but a cluster has db 0 only");
            }
            pairs.put(s, t);
        }
        return pairs;
    }

    private boolean sampleFull(AtomicLong counter) {
        return settings.sample() > 0 && counter.get() >= settings.sample();
    }

    private void scanSource(Side source, Side target, HostPort master, Map<Integer, Integer> dbPairs,
                            ConcurrentLinkedQueue<Difference> found) throws Exception {
        try (Connections scanner = new Connections(source.options); BatchRunner runner = new BatchRunner()) {
            for (Map.Entry<Integer, Integer> pair : dbPairs.entrySet()) {
                int sdb = pair.getKey();
                int tdb = pair.getValue();
                scan(scanner.to(master, sdb, source.cluster()), keys -> runner.submit(() -> {
                    if (keys.isEmpty()) return;
                    sourceKeys.addAndGet(keys.size());
                    List<Probe> s = ProbeReader.read(sourceConns.get().to(master, sdb, source.cluster()), keys);
                    List<Probe> t = probe(target, targetConns.get(), tdb, keys);
                    for (int i = 0; i < keys.size(); i++) {
                        if (!typeWanted(s.get(i))) continue;
                        Difference.Kind k = Difference.compare(s.get(i), t.get(i), settings.ttlToleranceMs());
                        if (k != null && k != Difference.Kind.MISSING_ON_SOURCE) {
                            keep(found, new Difference(sdb, keys.get(i), k, s.get(i), t.get(i)));
                        }
                    }
                }), sourceSampled);
            }
        }
    }

    private void scanTarget(Side source, Side target, HostPort master, Map<Integer, Integer> dbPairs,
                            ConcurrentLinkedQueue<Difference> found) throws Exception {
        try (Connections scanner = new Connections(target.options); BatchRunner runner = new BatchRunner()) {
            for (Map.Entry<Integer, Integer> pair : dbPairs.entrySet()) {
                int sdb = pair.getKey();
                int tdb = pair.getValue();
                scan(scanner.to(master, tdb, target.cluster()), keys -> runner.submit(() -> {
                    if (keys.isEmpty()) return;
                    targetKeys.addAndGet(keys.size());
                    boolean[] onSource = exists(source, sourceConns.get(), sdb, keys);
                    List<byte[]> missing = new ArrayList<>();
                    for (int i = 0; i < keys.size(); i++) if (!onSource[i]) missing.add(keys.get(i));
                    if (missing.isEmpty()) return;
                    List<Probe> t = ProbeReader.read(targetConns.get().to(master, tdb, target.cluster()), missing);
                    for (int i = 0; i < missing.size(); i++) {
                        if (!t.get(i).exists() || !typeWanted(t.get(i))) continue;
                        keep(found, new Difference(sdb, missing.get(i), Difference.Kind.MISSING_ON_SOURCE, Probe.ABSENT, t.get(i)));
                    }
                }), targetSampled);
            }
        }
    }

    private boolean typeWanted(Probe p) {
        ValueType vt = switch (p.type()) {
            case "string" -> ValueType.STRING;
            case "list" -> ValueType.LIST;
            case "set" -> ValueType.SET;
            case "zset" -> ValueType.ZSET;
            case "hash" -> ValueType.HASH;
            case "stream" -> ValueType.STREAM;
            default -> ValueType.MODULE;
        };
        return settings.filter().acceptsType(vt);
    }

    private interface Batch {
        void accept(List<byte[]> keys) throws Exception;
    }

    /**
     * Runs one scanner's batches on the shared workers, at most {@link #WORKERS_PER_MASTER} at a time, so the
     * keys waiting in memory stay bounded; close waits for all and rethrows the first failure.
     */
    private final class BatchRunner implements AutoCloseable {
        private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(WORKERS_PER_MASTER);
        private final List<Future<?>> running = new ArrayList<>();

        void submit(Runnable work) throws Exception {
            slots.acquire();
            running.removeIf(f -> {
                if (!f.isDone()) return false;
                try {
                    get(f);
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
                return true;
            });
            running.add(workers.submit(() -> {
                try {
                    work.run();
                } finally {
                    slots.release();
                }
            }));
        }

        @Override
        public void close() throws Exception {
            for (Future<?> f : running) get(f);
        }
    }

    /** SCAN one node's db in batches (MATCH when one glob is all the filter asks), up to --sample keys in all. */
    private void scan(RespConnection c, Batch batch, AtomicLong counted) throws Exception {
        String match = settings.filter().singleMatch();
        byte[] cursor = "0".getBytes(StandardCharsets.US_ASCII);
        do {
            if (sampleFull(counted)) return;
            List<Reply> r = match == null
                    ? c.call("SCAN".getBytes(), cursor, "COUNT".getBytes(), Integer.toString(settings.batch()).getBytes()).asList()
                    : c.call("SCAN".getBytes(), cursor, "MATCH".getBytes(), match.getBytes(StandardCharsets.UTF_8),
                    "COUNT".getBytes(), Integer.toString(settings.batch()).getBytes()).asList();
            cursor = ((Reply.Bulk) r.get(0)).bytes();
            List<byte[]> keys = new ArrayList<>();
            for (Reply k : r.get(1).asList()) {
                byte[] key = ((Reply.Bulk) k).bytes();
                if (!settings.filter().acceptsName(key)) continue;
                // several masters' scanners share the count: each key reserves its place in the sample
                if (settings.sample() > 0 && counted.incrementAndGet() > settings.sample()) break;
                keys.add(key);
            }
            batch.accept(keys);
        } while (!(cursor.length == 1 && cursor[0] == '0'));
    }

    /** Probes of {@code keys} on a side, each read from the master that owns it. */
    private static List<Probe> probe(Side side, Connections conns, int db, List<byte[]> keys) {
        Map<HostPort, List<Integer>> byNode = byNode(side, keys);
        Probe[] out = new Probe[keys.size()];
        for (Map.Entry<HostPort, List<Integer>> e : byNode.entrySet()) {
            List<byte[]> part = new ArrayList<>(e.getValue().size());
            for (int i : e.getValue()) part.add(keys.get(i));
            List<Probe> probes = ProbeReader.read(conns.to(e.getKey(), db, side.cluster()), part);
            for (int j = 0; j < part.size(); j++) out[e.getValue().get(j)] = probes.get(j);
        }
        return List.of(out);
    }

    private static boolean[] exists(Side side, Connections conns, int db, List<byte[]> keys) {
        boolean[] out = new boolean[keys.size()];
        for (Map.Entry<HostPort, List<Integer>> e : byNode(side, keys).entrySet()) {
            RespConnection c = conns.to(e.getKey(), db, side.cluster());
            List<Integer> at = e.getValue();
            if (!side.cluster() && at.size() > 1) {
                // one EXISTS for the whole batch counts the keys there (a key named twice counts twice): when all are,
                // that is the answer, one command instead of one a key on the side verify waits on most
                byte[][] args = new byte[at.size() + 1][];
                args[0] = EXISTS;
                for (int j = 0; j < at.size(); j++) args[j + 1] = keys.get(at.get(j));
                Reply all = c.call(args);
                if (!all.isError() && all.asLong() == at.size()) {
                    for (int i : at) out[i] = true;
                    continue;
                }
            }
            RespPipeline p = new RespPipeline(c);
            for (int i : at) p.add(EXISTS, keys.get(i));
            List<Reply> r = p.sync();
            for (int j = 0; j < r.size(); j++) out[at.get(j)] = r.get(j).asLong() > 0;
        }
        return out;
    }

    private static final byte[] EXISTS = "EXISTS".getBytes(StandardCharsets.US_ASCII);

    private static Map<HostPort, List<Integer>> byNode(Side side, List<byte[]> keys) {
        if (!side.cluster()) { // one node holds them all
            List<Integer> all = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) all.add(i);
            return keys.isEmpty() ? Map.of() : Map.of(side.ownerOf(keys.get(0)), all);
        }
        Map<HostPort, List<Integer>> byNode = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) byNode.computeIfAbsent(side.ownerOf(keys.get(i)), k -> new ArrayList<>()).add(i);
        return byNode;
    }

    /**
     * Compares just {@code keys} (by source db), value by value, on both sides: what a cutover verifies as the
     * recent writes. Keys the filter leaves out are not compared. Returns the keys that differ.
     */
    public List<Difference> checkKeys(Map<Integer, List<byte[]>> keys) {
        Side source = Side.open("source", settings.source());
        Side target = Side.open("target", settings.target());
        List<Difference> candidates = new ArrayList<>();
        for (Map.Entry<Integer, List<byte[]>> e : keys.entrySet()) {
            if (!settings.filter().acceptsDb(e.getKey())) continue;
            for (byte[] k : e.getValue()) {
                if (settings.filter().acceptsName(k)) candidates.add(new Difference(e.getKey(), k, Difference.Kind.VALUE, null, null));
            }
        }
        return recheck(source, target, candidates);
    }

    /** Reads every candidate again on both sides; keeps those still different, with what they hold now. */
    private List<Difference> recheck(Side source, Side target, List<Difference> previous) {
        List<Difference> still = new ArrayList<>();
        Map<Integer, List<Difference>> byDb = new LinkedHashMap<>();
        for (Difference d : previous) byDb.computeIfAbsent(d.db(), k -> new ArrayList<>()).add(d);
        try (Connections src = new Connections(source.options); Connections tgt = new Connections(target.options)) {
            for (Map.Entry<Integer, List<Difference>> e : byDb.entrySet()) {
                int sdb = e.getKey();
                int tdb = settings.filter().mapDb(sdb);
                List<Difference> ds = e.getValue();
                for (int from = 0; from < ds.size(); from += settings.batch()) {
                    List<byte[]> keys = new ArrayList<>();
                    for (Difference d : ds.subList(from, Math.min(ds.size(), from + settings.batch()))) keys.add(d.key());
                    List<Probe> s = probe(source, src, sdb, keys);
                    List<Probe> t = probe(target, tgt, tdb, keys);
                    for (int i = 0; i < keys.size(); i++) {
                        Difference.Kind k = Difference.compare(s.get(i), t.get(i), settings.ttlToleranceMs());
                        if (k != null) still.add(new Difference(sdb, keys.get(i), k, s.get(i), t.get(i)));
                    }
                }
            }
        }
        return still;
    }

    /** A key as text: printable ASCII as is, every other byte (and the backslash) as {@code \xNN}. */
    public static String printable(byte[] key) {
        StringBuilder b = new StringBuilder();
        for (byte x : key) {
            int v = x & 0xff;
            if (v >= 0x20 && v < 0x7f && v != '\\') b.append((char) v);
            else b.append(String.format(Locale.ROOT, "\\x%02x", v));
        }
        return b.toString();
    }
}
