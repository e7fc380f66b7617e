package dev.ferry.source.redis;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for {@code +switch-master} on every Sentinel and moves the link to the new master at once, instead
 * of waiting until the old one drops it: writes the old master still accepts after the switch are lost anyway.
 */
final class SentinelWatcher {
    private static final Logger log = LoggerFactory.getLogger(SentinelWatcher.class);

    private final RedisUri uri;
    private final Supplier<ReplicaLink> link;
    private final List<Thread> threads = new ArrayList<>();
    private final List<RespConnection> conns = new ArrayList<>();
    private volatile boolean stopped;

    private final java.util.function.BooleanSupplier cutoverUnderWay;

    /** {@code cutoverUnderWay}: a ferry cutover is re-pointing Sentinel to the target: that switch is not followed. */
    SentinelWatcher(RedisUri uri, Supplier<ReplicaLink> link, java.util.function.BooleanSupplier cutoverUnderWay) {
        this.uri = uri;
        this.link = link;
        this.cutoverUnderWay = cutoverUnderWay;
    }

    void start() {
        for (HostPort s : uri.hosts()) {
            Thread t = new Thread(() -> watch(s), "sentinel-" + s);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void watch(HostPort sentinel) {
        ConnectOptions co = new ConnectOptions(null, uri.sentinelPassword(), uri.tls(), uri.tlsInsecure(), uri.caCertFile(),
                uri.timeoutMs(), 0);
        // not bounded, unlike the replication link: one Sentinel of several may stay down while the others report the
        // switches; a lost one is said once, with what it means, and once again when it is back
        String lost = null;
        while (!stopped) {
            try (RespConnection c = RespConnection.open(sentinel, co)) {
                synchronized (conns) {
                    conns.add(c);
                }
                Reply first = c.call("SUBSCRIBE", "+switch-master");
                if (first.isError()) {
                    log.warn("Sentinel {} refused SUBSCRIBE: {}", sentinel, first);
                    return;
                }
                if (lost != null) log.info("Sentinel {} is back: its master switches are followed again", sentinel);
                lost = null;
                while (!stopped) {
                    List<Reply> msg = c.reader().read().asList();
                    if (msg.size() == 3 && "message".equals(msg.get(0).asText())) {
                        String[] f = msg.get(2).asText().split(" ");
                        if (f.length == 5 && f[0].equals(uri.sentinelMaster()) && cutoverUnderWay.getAsBoolean()) {
                            log.info("Sentinel {}: master {} switched from {}:{} to {}:{} during a ferry cutover: not "
                                    + "followed (the cutover moves the applications to the target; this run stops)",
                                    sentinel, f[0], f[1], f[2], f[3], f[4]);
                        } else if (f.length == 5 && f[0].equals(uri.sentinelMaster())) {
                            log.info("Sentinel {}: master {} switched from {}:{} to {}:{}; following it", sentinel, f[0],
                                    f[1], f[2], f[3], f[4]);
                            link.get().reconnect();
                        }
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                if (stopped) return;
                if (lost == null) {
                    lost = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    log.warn("Sentinel {}: {}; its master switches are not seen until it is back (retrying every second;"
                            + " the replication link itself gives up after --source-reconnect-timeout)", sentinel, lost);
                }
                sleep(1000);
            }
        }
    }

    void stop() {
        stopped = true;
        synchronized (conns) {
            for (RespConnection c : conns) c.close();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
