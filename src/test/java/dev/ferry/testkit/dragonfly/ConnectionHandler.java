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
    private ReplicationSession session;
    private FlowSession flow;

    ConnectionHandler(DragonflyMaster master, Socket socket) {
        this.master = master;
        this.socket = socket;
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
                if (flow != null) {
                    onFlowLine(args);
                    continue;
                }
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
                return "*2\r\n$6\r\nmaster\r\n*0\r\n";
            case "INFO":
                // what engine detection reads: a real v1.40 master reports both versions
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
            session = master.newSession(socket);
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
                        Integer.parseInt(a.get(i + 1));
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

    private static String wrongArgs(String cmd) {
        return "-ERR wrong number of arguments for '" + cmd + "' command\r\n";
    }

    private static String bulk(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return "$" + b.length + "\r\n" + s + "\r\n";
    }
}
