package dev.ferry.writer;

/**
 * How the writer writes.
 *
 * @param connections   pipelined connections per target node
 * @param pipeline      unanswered commands allowed per connection
 * @param batch         elements per command when a collection is written with type commands
 * @param replace       overwrite keys that exist on the target (else skip and count them)
 * @param failOnError   stop at the first key the target refuses (else report it and go on)
 * @param failOnUnsupported stop at the first value the target cannot hold (else report and skip it)
 * @param mode          RESTORE where the target loads the payload's encoding (AUTO), or type commands always
 * @param reconnectTimeoutMs how long a lost connection may take to come back (same node, new Sentinel master,
 *                      or a cluster's new slot owner) before the run stops
 */
public record WriterOptions(int connections, int pipeline, int batch, boolean replace, boolean failOnError,
                            boolean failOnUnsupported, Mode mode, long reconnectTimeoutMs) {

    public enum Mode { AUTO, COMMANDS }

    public static WriterOptions defaults() {
        return new WriterOptions(4, 1000, 500, true, false, false, Mode.AUTO, 30_000);
    }
}
