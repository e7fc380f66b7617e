package dev.ferry.writer;

import java.util.List;
import java.util.Map;

/**
 * What the writer is doing now, for the status endpoint: its totals, each target node's connections and the
 * commands sent there and not answered yet, and the target's refusals and lost connections counted by kind
 * (a redirect, a transient refusal that was retried, a key refused for good...).
 */
public record WriterLoad(long keysWritten, long commandsApplied, long bytesSent, long reconnects, List<NodeLoad> nodes,
                         Map<String, Long> errors) {

    /** One target node: its address, how many pipelined connections Ferry keeps to it, and their unanswered commands. */
    public record NodeLoad(String address, int connections, int inFlight) {
    }
}
