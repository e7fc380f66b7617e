package dev.ferry.writer;

import dev.ferry.resp.RedisConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-sends commands the target refused for a reason that may pass ({@link RetryPolicy}). A reply thread only
 * hands the command over; the pause and the re-send happen on a scheduler thread of their own, so replies keep
 * being read meanwhile. Commands refused during one pause are re-sent together when it ends, in the order they
 * were refused, after one cluster map refresh if any of them met CLUSTERDOWN.
 */
final class Retries implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TargetWriter.class);

    /** What re-sending needs from the rest of the writer. */
    interface Target {
        boolean isCluster();

        /** Reads the cluster's slot map again; throws {@link RedisConnectionException} when no node answers. */
        void refreshClusterMap();

        /** Sends {@code p} along its ticket's route, waiting out route repairs; throws when it cannot. */
        void resend(Pending p);

        /** {@code p} could not be sent again: its ticket gets {@code why} as its answer. */
        void failed(Pending p, String why);

        /** Whether the run must stop: then nothing refused is sent again. */
        boolean stopped();

        void flush();
    }

    private final RetryPolicy policy;
    private final Target target;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferry-target-retries");
        t.setDaemon(true);
        return t;
    });
    /** Refused commands not re-sent yet: a drain waits for them as for commands in flight. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final Object lock = new Object();
    /** A refused command, the error it was refused with, and what frees its place in its connection's window. */
    private record Refused(Pending pending, String error, Runnable release) {
    }

    private List<Refused> due = new ArrayList<>();
    private boolean scheduled;
    private boolean refreshMap;

    Retries(RetryPolicy policy, Target target) {
        this.policy = policy;
        this.target = target;
    }

    RetryPolicy policy() {
        return policy;
    }

    /**
     * Sends {@code p} again after the current burst's pause; {@code code} and {@code error} are what the target
     * refused it with, its answer if the run stops before the pause ends. {@code release} runs once it is sent
     * again or answered (its connection keeps its place in the window until then).
     */
    void later(Pending p, String code, String error, Runnable release) {
        long delay;
        synchronized (lock) {
            waiting.incrementAndGet();
            due.add(new Refused(p, error, release));
            if (code.equals("CLUSTERDOWN") && target.isCluster()) refreshMap = true;
            if (scheduled) return; // joins the pause already under way
            scheduled = true;
            delay = policy.pauseBefore(System.nanoTime());
        }
        try {
            scheduler.schedule(this::resendDue, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // the writer is closing: nothing is sent any more
        }
    }

    /**
     * Sends each of {@code members} again at once, one by one (an MSET of them was refused; see
     * {@link PipelinedConnection.ReplyHandler#onGroupRefused}); {@code release} runs once per member sent or failed.
     */
    void alone(Pending[] members, String error, Runnable release) {
        waiting.addAndGet(members.length);
        try {
            scheduler.execute(() -> {
                for (Pending p : members) resendOne(p, error, release);
                target.flush();
            });
        } catch (RejectedExecutionException closed) {
            waiting.addAndGet(-members.length); // the writer is closing: nothing is sent any more
        }
    }

    /** Refused commands waiting for their pause to end. */
    int waiting() {
        return waiting.get();
    }

    private void resendDue() {
        List<Refused> batch;
        boolean refresh;
        synchronized (lock) {
            batch = due;
            due = new ArrayList<>();
            refresh = refreshMap;
            refreshMap = false;
            scheduled = false;
        }
        if (refresh) {
            try {
                target.refreshClusterMap();
            } catch (RedisConnectionException e) {
                log.warn("cluster topology refresh failed: {}", e.getMessage());
            }
        }
        for (Refused r : batch) resendOne(r.pending(), r.error(), r.release());
        target.flush();
    }

    /** Sends {@code p} again, or gives it {@code error} as its answer once the run has stopped; frees its place. */
    private void resendOne(Pending p, String error, Runnable release) {
        try {
            // a refusal after the run failed is its answer, as it would have been had it come then
            if (p.ticket == null) return; // housekeeping is re-sent with the command it served
            if (target.stopped()) target.failed(p, error);
            else target.resend(p);
        } catch (RuntimeException e) {
            // the route stayed broken past --reconnect-timeout, or the run is stopping
            target.failed(p, e.getMessage());
        } finally {
            release.run();
            waiting.decrementAndGet();
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
