package dev.ferry.testkit.dragonfly;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The emulator's client connections as CLIENT LIST and CLIENT KILL see them. Ids count from 1 like Dragonfly's
 * {@code Connection::NextClientId}. The emulator has no master link of its own (it never replicates after
 * REPLICAOF), so no "master" entry is ever listed.
 */
final class ClientConnections {
    /** One connection; fields written by its own handler thread, read by whoever lists. */
    static final class Client {
        final int id;
        final Socket socket;
        final long createdMs = System.currentTimeMillis();
        volatile long lastInteractionMs = createdMs;
        volatile long commands;
        volatile String name = "";
        volatile int tid;

        Client(int id, Socket socket) {
            this.id = id;
            this.socket = socket;
        }

        /**
         * One CLIENT LIST line in the field order of Dragonfly v1.40's {@code FormatClientInfo} (dragonfly_connection.cc)
         * for a plain TCP connection with no pipeline queued and no flags. Not measured on a real server; fields the
         * emulator does not track are stand-ins: {@code fd} (no descriptor in Java: 100 + id), {@code tot-net-in},
         * {@code tot-read-calls} and {@code tot-dispatches} (0), {@code irqmatch} (0), {@code db} (0: the
         * emulator's connections have no SELECT).
         */
        String line(boolean running) {
            long now = System.currentTimeMillis();
            return "id=" + id + " addr=" + endpoint((InetSocketAddress) socket.getRemoteSocketAddress())
                    + " laddr=" + endpoint((InetSocketAddress) socket.getLocalSocketAddress()) + " fd=" + (100 + id)
                    + " name=" + name + " tid=" + tid + " irqmatch=0 age=" + (now - createdMs) / 1000
                    + " idle=" + (now - lastInteractionMs) / 1000 + " tot-cmds=" + commands
                    + " tot-net-in=0 tot-read-calls=0 tot-dispatches=0 db=0 phase=" + (running ? "process" : "readsock")
                    + " lib-name= lib-ver=";
        }
    }

    private final Map<Integer, Client> clients = new LinkedHashMap<>();
    private int nextId = 1;

    synchronized Client add(Socket s) {
        Client c = new Client(nextId++, s);
        clients.put(c.id, c);
        return c;
    }

    synchronized void remove(Client c) {
        clients.remove(c.id);
    }

    /** CLIENT LIST's text: one line per connection, each ended by "\n" (the real reply ends with one too). */
    synchronized String list(Client caller) {
        StringBuilder sb = new StringBuilder();
        for (Client c : clients.values()) sb.append(c.line(c == caller)).append('\n');
        return sb.toString();
    }

    /** Closes the connections that match; returns how many (CLIENT KILL's integer reply). */
    int kill(java.util.function.Predicate<Client> which) {
        List<Client> victims = new ArrayList<>();
        synchronized (this) {
            for (Client c : clients.values()) if (which.test(c)) victims.add(c);
        }
        for (Client c : victims) {
            try {
                c.socket.close(); // its handler sees the end of stream and cleans up (a replication session is cancelled)
            } catch (IOException ignored) {
                // already closed
            }
        }
        return victims.size();
    }

    static String endpoint(InetSocketAddress a) {
        return a == null ? "" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
