package dev.ferry.testkit.dragonfly;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** One replica's session (created by REPLCONF capa dragonfly): its sync id, its flows and its phase. */
final class ReplicationSession {
    enum State { PREPARATION, FULL_SYNC, STABLE, CANCELLED }

    final int id;
    final FlowSession[] flows;
    final List<Socket> sockets = new ArrayList<>();
    State state = State.PREPARATION;
    /** The replica's IP and the port it announced (REPLCONF listening-port), for INFO replication's slaveN lines. */
    String address = "";
    int listeningPort;

    ReplicationSession(int id, int flowCount) {
        this.id = id;
        this.flows = new FlowSession[flowCount];
    }

    String syncId() {
        return "SYNC" + id;
    }

    boolean allRegistered() {
        for (FlowSession f : flows) if (f == null) return false;
        return true;
    }

    /** Caller holds the master lock. Closing every socket is how the real master tears a session down. */
    void cancel(boolean reset) {
        if (state == State.CANCELLED) return;
        state = State.CANCELLED;
        for (FlowSession f : flows) {
            if (f == null) continue;
            if (f.snapshot != null) f.snapshot.cancel();
            f.out.close();
        }
        for (Socket s : sockets) {
            try {
                if (reset) s.setSoLinger(true, 0);
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }
}
