package dev.ferry.testkit.dragonfly;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Serves one TCP connection of the emulated master: the control dialogue until DFLY FLOW turns it into a
 * flow connection, after which only fire-and-forget `REPLCONF ACK n` lines are expected and nothing is
 * answered (a reply would corrupt the binary stream the master writes on the same socket).
 */
final class ConnectionHandler implements Runnable {
    private final DragonflyMaster master;
    private final Socket socket;
    private OutputStream out;
    private boolean authenticated;
    private final ClientConnections.Client client;
    private ReplicationSession session;
    private FlowSession flow;
    private int listeningPort;

    ConnectionHandler(DragonflyMaster master, Socket socket, ClientConnections.Client client) {
        this.master = master;
        this.socket = socket;
        this.client = client;
        this.authenticated = !master.authRequired();
    }

    @Override
    public void run() {
        try {
            out = socket.getOutputStream();
            CommandReader reader = new CommandReader(new BufferedInputStream(socket.getInputStream()));
            while (true) {
                List<byte[]> raw = reader.next();
                if (raw == null) break;
                List<String> args = new ArrayList<>(raw.size());
                for (byte[] r : raw) args.add(new String(r, StandardCharsets.UTF_8));
                client.commands++;
                client.lastInteractionMs = System.currentTimeMillis();
                if (flow != null) {
                    onFlowLine(args);
                    continue;
                }
                // an ALL pause holds every command of a normal connection, CLIENT UNPAUSE included (main_service.cc
                // CheckPauseState has no exemption; only the admin port's connections pass, which the emulator has not)
                master.awaitCommandAllowed(false);
                String reply = dispatch(args);
                if (reply != null && flow == null) {
                    out.write(reply.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        } catch (IOException | RuntimeException e) {
            // a reset or a malformed command ends the connection, as on the real server
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ReplicationSession owner = flow != null ? flow.session : session;
            if (owner != null) master.cancel(owner);
            master.forget(socket);
            master.clients.remove(client);
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private void onFlowLine(List<String> args) {
        if (args.size() == 3 && args.get(0).equalsIgnoreCase("REPLCONF") && args.get(1).equalsIgnoreCase("ACK")) {
            try {
                master.ack(flow, Long.parseLong(args.get(2)));
            } catch (NumberFormatException ignored) {
                // the real master ignores what it cannot parse here, and never answers
            }
        }
    }

    private String dispatch(List<String> a) throws InterruptedException {
        String cmd = a.get(0).toUpperCase(Locale.ROOT);
        if (cmd.equals("AUTH")) return auth(a);
        if (!authenticated) return "-NOAUTH Authentication required.\r\n";
        switch (cmd) {
            case "PING":
                return a.size() == 1 ? "+PONG\r\n" : a.size() == 2 ? bulk(a.get(1)) : wrongArgs("ping");
            case "REPLCONF":
                return replconf(a);
            case "DFLY":
                return dfly(a);
            case "ROLE":
                return master.roleReply();
            case "CLIENT":
                return client(a);
            case "REPLICAOF":
            case "SLAVEOF":
                return replicaOf(a);
            case "INFO":
                if (a.size() == 2 && a.get(1).equalsIgnoreCase("replication")) return bulk(master.infoReplication());
                // what engine detection reads: a real v1.40 master reports both versions. (A real default INFO also
                // holds # Replication and more; left out so ferry's NodeIdentity sees what it saw before.)
                return bulk("# Server\r\nredis_version:7.4.0\r\ndragonfly_version:df-v1.40.0\r\nredis_mode:standalone\r\n"
                        + "# Cluster\r\ncluster_enabled:0\r\n");
            case "SYNC":
            case "PSYNC":
                // Dragonfly masters do not serve Redis-style replicas
                return "-ERR unknown command '" + a.get(0) + "'\r\n";
            default:
                return "-ERR unknown command '" + a.get(0) + "'\r\n";
        }
    }

    private String auth(List<String> a) {
        if (a.size() < 2 || a.size() > 3) return wrongArgs("auth");
        if (!master.authRequired()) {
            return "-ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?\r\n";
        }
        String user = a.size() == 3 ? a.get(1) : null;
        if (!master.passwordMatches(user, a.get(a.size() - 1))) {
            return "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
        }
        authenticated = true;
        return "+OK\r\n";
    }

    private String replconf(List<String> a) {
        if (a.size() < 3 || a.size() % 2 == 0) return "-ERR syntax error\r\n";
        if (a.size() == 3 && a.get(1).equalsIgnoreCase("capa") && a.get(2).equalsIgnoreCase("dragonfly")) {
            session = master.newSession(socket, listeningPort);
            client.name = "repl_ctrl_" + session.id; // as the real master names the control connection
            String id = master.replid();
            return "*5\r\n+" + id + "\r\n+" + session.syncId() + "\r\n:" + master.flows() + "\r\n:"
                    + DragonflyMaster.DFLY_VERSION + "\r\n+" + id + "\r\n";
        }
        for (int i = 1; i + 1 < a.size(); i += 2) {
            String opt = a.get(i).toUpperCase(Locale.ROOT);
            switch (opt) {
                case "ACK":
                    return null; // an ACK is never answered, not even on the control connection
                case "LISTENING-PORT":
                    try {
                        listeningPort = Integer.parseInt(a.get(i + 1));
                    } catch (NumberFormatException e) {
                        return "-ERR value is not an integer or out of range\r\n";
                    }
                    break;
                case "CLIENT-ID":
                case "CLIENT-VERSION":
                    // the real master dereferences the connection's session here; without one there is nothing to update
                    if (session == null) return "-ERR no replication session on this connection\r\n";
                    break;
                case "IP-ADDRESS":
                case "CAPA":
                    break;
                default:
                    return "-ERR Unrecognized REPLCONF option: " + a.get(i) + "\r\n";
            }
        }
        return "+OK\r\n";
    }

    private String dfly(List<String> a) throws InterruptedException {
        if (a.size() < 2) return wrongArgs("dfly");
        String sub = a.get(1).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "FLOW": {
                FlowSession[] holder = new FlowSession[1];
                String err = master.registerFlow(a, socket, holder);
                if (err != null) return err + "\r\n";
                flow = holder[0];
                client.name = "repl_flow_" + flow.session.id; // the real master's name; it also moves the flow to shard thread i
                client.tid = flow.flowId;
                return null; // the FLOW reply goes through the flow's ordered output, ahead of any stream bytes
            }
            case "SYNC":
                return a.size() == 3 ? master.dflySync(a.get(2)) + "\r\n" : wrongArgs("dfly");
            case "STARTSTABLE":
                return a.size() == 3 ? master.dflyStartStable(a.get(2)) + "\r\n" : wrongArgs("dfly");
            case "REPLICAOFFSET":
                return master.replicaOffsetReply();
            default:
                return "-ERR Unknown subcommand or wrong number of arguments for '" + a.get(1) + "'. Try DFLY HELP.\r\n";
        }
    }

    /** CLIENT subcommands the cutover uses, answered like v1.40.1's server_family.cc (ServerFamily::Client). */
    private String client(List<String> a) {
        if (a.size() < 2) return wrongArgs("client");
        String sub = a.get(1).toUpperCase(Locale.ROOT);
        List<String> args = a.subList(2, a.size());
        switch (sub) {
            case "PAUSE": {
                if (args.isEmpty() || args.size() > 2) return "-ERR syntax error\r\n";
                long ms;
                try {
                    ms = Long.parseLong(args.get(0));
                    if (ms < 0) throw new NumberFormatException();
                } catch (NumberFormatException e) {
                    return "-ERR value is not an integer or out of range\r\n";
                }
                boolean writeOnly = false;
                if (args.size() == 2) {
                    String mode = args.get(1).toUpperCase(Locale.ROOT);
                    if (!mode.equals("WRITE") && !mode.equals("ALL")) return "-ERR syntax error\r\n";
                    writeOnly = mode.equals("WRITE");
                }
                master.pauseClients(ms, writeOnly);
                return "+OK\r\n";
            }
            case "UNPAUSE":
                if (!args.isEmpty()) return "-ERR syntax error\r\n";
                master.unpauseClients();
                return "+OK\r\n";
            case "LIST":
                // the TYPE / ID filters are not emulated
                if (!args.isEmpty()) return "-ERR syntax error\r\n";
                return bulk(master.clients.list(client));
            case "ID":
                return args.isEmpty() ? ":" + client.id + "\r\n" : "-ERR syntax error\r\n";
            case "SETNAME":
                if (args.size() != 1) return "-ERR syntax error\r\n";
                client.name = args.get(0);
                return "+OK\r\n";
            case "GETNAME":
                if (!args.isEmpty()) return "-ERR syntax error\r\n";
                return client.name.isEmpty() ? "$-1\r\n" : bulk(client.name);
            case "KILL":
                return clientKill(args);
            default:
                return "-ERR Unknown subcommand or wrong number of arguments for '" + sub + "'. Try CLIENT HELP.\r\n";
        }
    }

    /**
     * CLIENT KILL as v1.40.1 has it: {@code <ip:port>}, {@code ADDR a}, {@code LADDR a}, {@code ID n}; anything else,
     * TYPE normal included, is "-ERR syntax error" (measured on v1.40.1 for TYPE normal). Answers how many it closed.
     */
    private String clientKill(List<String> args) {
        java.util.function.Predicate<ClientConnections.Client> which = null;
        if (args.size() == 1 && args.get(0).contains(":")) {
            String addr = args.get(0);
            which = c -> addr.equals(ClientConnections.endpoint((java.net.InetSocketAddress) c.socket.getRemoteSocketAddress()));
        } else if (args.size() == 2) {
            String type = args.get(0).toUpperCase(Locale.ROOT);
            String value = args.get(1);
            switch (type) {
                case "ADDR" -> which = c -> value.equals(ClientConnections.endpoint((java.net.InetSocketAddress) c.socket.getRemoteSocketAddress()));
                case "LADDR" -> which = c -> value.equals(ClientConnections.endpoint((java.net.InetSocketAddress) c.socket.getLocalSocketAddress()));
                case "ID" -> {
                    try {
                        long id = Long.parseLong(value);
                        if (id >= 0 && id <= 0xFFFFFFFFL) which = c -> c.id == id;
                    } catch (NumberFormatException ignored) {
                        // not an id: a syntax error below, as on the real server
                    }
                }
                default -> {
                }
            }
        }
        if (which == null) return "-ERR syntax error\r\n";
        return ":" + master.clients.kill(which) + "\r\n";
    }

    /** REPLICAOF / SLAVEOF host port, or NO ONE (argument errors as v1.40.1's ReplicaOfArgs::FromCmdArgs). */
    private String replicaOf(List<String> a) {
        String name = a.get(0).toLowerCase(Locale.ROOT);
        if (a.size() < 3) return wrongArgs(name);
        if (a.get(1).equalsIgnoreCase("NO")) {
            if (a.size() != 3 || !a.get(2).equalsIgnoreCase("ONE")) return "-ERR syntax error\r\n";
            return master.replicaOfNoOne() + "\r\n";
        }
        int port;
        try {
            port = Integer.parseInt(a.get(2));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) return "-ERR port is out of range\r\n";
        // a slot range (cluster consolidation) is not emulated
        if (a.size() != 3) return "-ERR Invalid slot range\r\n";
        return master.replicaOf(a.get(1), port) + "\r\n";
    }

    private static String wrongArgs(String cmd) {
        return "-ERR wrong number of arguments for '" + cmd + "' command\r\n";
    }

    private static String bulk(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return "$" + b.length + "\r\n" + s + "\r\n";
    }
}
