package dev.ferry.testkit.dragonfly;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The write side of one flow socket. Producers (snapshot, journal, STARTSTABLE) enqueue under the master
 * lock and never block on the socket, so a replica that reads slowly cannot stall writes on other flows.
 */
final class FlowOutput {
    private static final byte[] CLOSE = new byte[0];
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final OutputStream out;
    private final Thread writer;
    private final Runnable onFailure;
    private volatile long bytesWritten;

    FlowOutput(OutputStream out, String name, Runnable onFailure) {
        this.out = out;
        this.onFailure = onFailure;
        this.writer = new Thread(this::run, name);
        writer.setDaemon(true);
        writer.start();
    }

    void enqueue(byte[] bytes) {
        if (bytes.length > 0) queue.add(bytes);
    }

    void close() {
        queue.add(CLOSE);
    }

    long bytesWritten() {
        return bytesWritten;
    }

    private void run() {
        try {
            while (true) {
                byte[] b = queue.take();
                if (b == CLOSE) return;
                out.write(b);
                bytesWritten += b.length;
                if (queue.isEmpty()) out.flush();
            }
        } catch (IOException e) {
            onFailure.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
