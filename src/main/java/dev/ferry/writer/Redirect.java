package dev.ferry.writer;

import dev.ferry.resp.RedisUri.HostPort;

/**
 * A cluster's MOVED or ASK answer: the slot and the node that serves it now. MOVED means the slot has a new
 * owner (remember it); ASK means this one command goes there, after ASKING.
 *
 * @param ask  ASK rather than MOVED
 */
record Redirect(boolean ask, int slot, HostPort to) {

    /**
     * Parses the message of a MOVED or ASK error, e.g. {@code "MOVED 3999 127.0.0.1:6381"} (the address may be
     * an IPv6 one, whose port follows its last colon).
     */
    static Redirect parse(String message) {
        String[] parts = message.split(" ");
        boolean ask = parts[0].equals("ASK");
        int slot = Integer.parseInt(parts[1]);
        String hp = parts[2];
        int colon = hp.lastIndexOf(':');
        HostPort to = new HostPort(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)));
        return new Redirect(ask, slot, to);
    }
}
