package dev.ferry.testkit.app;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A thread subscribed to {@code +switch-master} on one Sentinel, as Jedis' MasterListener is: each event for its
 * master name ({@code <name> <old-ip> <old-port> <new-ip> <new-port>}) goes to the listener with the new address.
 * A lost subscription is opened again after a short wait until {@link #stop()}.
 */
final class SwitchMasterSubscriber {
    private static final Duration RESUBSCRIBE_WAIT = Duration.ofMillis(200);

    private final HostPort sentinel;
    private final String masterName;
    private final Consumer<HostPort> listener;
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RespConnection conn;
    private volatile String lastError;

    SwitchMasterSubscriber(HostPort sentinel, String masterName, Consumer<HostPort> listener) {
        this.sentinel = sentinel;
        this.masterName = masterName;
        this.listener = listener;
        this.thread = new Thread(this::run, "switch-master-" + sentinel.port());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** True once the first subscription is confirmed; false after {@code timeout} without one. */
    boolean awaitSubscribed(Duration timeout) throws InterruptedException {
        return subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop() {
        running = false;
        RespConnection c = conn;
        if (c != null) {
            c.close(); // wakes the read, which has no timeout: events may be minutes apart
        }
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String lastError() {
        return lastError;
    }

    HostPort sentinel() {
        return sentinel;
    }

    private void run() {
        while (running) {
            try (RespConnection c = RespConnection.open(sentinel, new ConnectOptions(null, null, false, false, null, 1_000, 0))) {
                conn = c;
                if (!running) {
                    return; // stop() may have run before conn was set
                }
                Reply first = c.call("SUBSCRIBE", "+switch-master");
                if (first.isError()) {
                    throw new IllegalStateException("SUBSCRIBE refused: " + first);
                }
                subscribed.countDown();
                while (running) {
                    Reply m = c.reader().read();
                    onMessage(m);
                }
            } catch (java.io.IOException | RuntimeException e) {
                if (running) {
                    lastError = e.getMessage();
                    SentinelAppClient.pause(RESUBSCRIBE_WAIT);
                }
            } finally {
                conn = null;
            }
        }
    }

    private void onMessage(Reply m) {
        if (!(m instanceof Reply.Array a) || a.items() == null || a.items().size() != 3
                || !"message".equals(a.items().get(0).asText())) {
            return;
        }
        List<String> words = List.of(a.items().get(2).asText().split(" "));
        if (words.size() == 5 && words.get(0).equals(masterName)) {
            listener.accept(new HostPort(words.get(3), Integer.parseInt(words.get(4))));
        }
    }
}
