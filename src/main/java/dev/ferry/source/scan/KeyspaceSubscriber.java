package dev.ferry.source.scan;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisConnectionException;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.resp.RespOutput;
import dev.ferry.source.SourceOutage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens to {@code __keyspace@*__:*} on its own connection to one source master and hands every changed
 * key to {@link Listener}. Notifications are fire-and-forget: while the connection is down they are lost,
 * so after a reconnect the listener is told to re-scan. A private channel carries a marker that proves
 * every event published before it has arrived ({@link #barrier}).
 */
final class KeyspaceSubscriber implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyspaceSubscriber.class);
    private static final byte[] PREFIX = "__keyspace@".getBytes(StandardCharsets.US_ASCII);
    private static final String PATTERN = "__keyspace@*__:*";

    interface Listener {
        void changed(int db, byte[] key);

        /** Events were lost (the subscription broke and is back): everything must be read again. */
        void eventsLost(String why);

        /** The subscription could not be made again within the bound: the source is gone, the run must stop. */
        void unreachable(String why);
    }

    private final HostPort address;
    private final ConnectOptions options;
    private final Listener listener;
    private final long outageLimitMillis;
    private final String markerChannel = "ferry:scan:marker:" + UUID.randomUUID();
    private final Thread thread;
    private volatile RespConnection conn;
    private volatile boolean closing;
    private volatile CountDownLatch marker;
    private volatile boolean listening;

    /** Subscribes before returning, so every change after this call is seen. */
    KeyspaceSubscriber(HostPort address, ConnectOptions options, Listener listener, long outageLimitMillis) {
        this.address = address;
        this.outageLimitMillis = outageLimitMillis;
        // an idle source sends nothing for hours: no read timeout; close() wakes the reader
        this.options = new ConnectOptions(options.user(), options.password(), options.tls(), options.tlsInsecure(),
                options.caCertFile(), options.connectTimeoutMs(), 0);
        this.listener = listener;
        this.conn = subscribe();
        this.listening = true;
        this.thread = new Thread(this::run, "ferry-scan-events-" + address);
        thread.setDaemon(true);
        thread.start();
    }

    private RespConnection subscribe() {
        RespConnection c = RespConnection.open(address, options);
        try {
            RespOutput out = new RespOutput(128);
            out.command(2).arg("PSUBSCRIBE").arg(PATTERN);
            out.command(2).arg("SUBSCRIBE").arg(markerChannel);
            out.writeTo(c.output());
            c.output().flush();
            for (int i = 0; i < 2; i++) {
                Reply r = c.reader().read();
                if (r.isError()) throw new RedisConnectionException("cannot subscribe to keyspace events on " + address + ": " + r);
            }
            return c;
        } catch (IOException e) {
            c.close();
            throw new RedisConnectionException("cannot subscribe to keyspace events on " + address + ": " + e.getMessage());
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void run() {
        while (!closing) {
            try {
                readEvents(conn);
            } catch (IOException | RuntimeException e) {
                if (closing) return;
                listening = false;
                String why = "keyspace subscription to " + address + " lost (" + e.getMessage() + ")";
                log.warn("{}: changes made until it is back are lost; re-subscribing, then re-scanning this master", why);
                conn.close();
                if (!resubscribe()) return;
                listener.eventsLost(why);
            }
        }
    }

    /** Subscribes again, for up to --source-reconnect-timeout; false when closing or given up (the listener is told). */
    private boolean resubscribe() {
        long delay = 100;
        SourceOutage outage = new SourceOutage("source " + address + " (keyspace subscription)", outageLimitMillis);
        while (!closing) {
            try {
                conn = subscribe();
                listening = true;
                log.info("keyspace subscription to {} is back", address);
                return true;
            } catch (RedisConnectionException e) {
                String giveUp = outage.failed(e.getMessage());
                if (giveUp != null) {
                    log.error("{}", giveUp);
                    listener.unreachable(giveUp);
                    return false;
                }
                log.warn("re-subscribing to {}: {}; retrying {}", address, e.getMessage(), outage.remaining());
                sleep(delay);
                delay = Math.min(delay * 2, 5_000);
            }
        }
        return false;
    }

    private void readEvents(RespConnection c) throws IOException {
        while (!closing) {
            Reply r = c.reader().read();
            if (!(r instanceof Reply.Array a) || a.items() == null || a.items().isEmpty()) continue;
            List<Reply> f = a.items();
            String kind = f.get(0).asText();
            if (kind.equals("pmessage") && f.size() == 4) {
                event(((Reply.Bulk) f.get(2)).bytes());
            } else if (kind.equals("message") && f.size() == 3) {
                CountDownLatch m = marker;
                if (m != null) m.countDown();
            }
        }
    }

    /** {@code __keyspace@<db>__:<key>}, the key binary-safe (it may hold ':' or anything else). */
    private void event(byte[] channel) {
        int db = 0;
        int i = PREFIX.length;
        if (channel.length < i + 4) return;
        while (i < channel.length && channel[i] >= '0' && channel[i] <= '9') db = db * 10 + (channel[i++] - '0');
        if (i + 3 > channel.length || channel[i] != '_' || channel[i + 1] != '_' || channel[i + 2] != ':') return;
        listener.changed(db, java.util.Arrays.copyOfRange(channel, i + 3, channel.length));
    }

    /** False while the subscription is broken and events are being lost. */
    boolean listening() {
        return listening;
    }

    /**
     * Waits until every event the source published before this call has been handed to the listener:
     * publishes a marker on the private channel (from {@code control}) and waits for it to come back.
     */
    boolean barrier(RespConnection control, long timeoutMs) throws InterruptedException {
        CountDownLatch m = new CountDownLatch(1);
        marker = m;
        Reply r = control.call("PUBLISH", markerChannel, "barrier");
        if (r.isError()) return false;
        return m.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing = true;
        RespConnection c = conn;
        if (c != null) c.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
