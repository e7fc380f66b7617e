package dev.ferry.testkit.app;

import dev.ferry.resp.ConnectOptions;
import dev.ferry.resp.RedisUri.HostPort;
import dev.ferry.resp.Reply;
import dev.ferry.resp.RespConnection;
import dev.ferry.testkit.RedisServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks a {@link SentinelAppClient}'s writes against the server that should hold them all (after a cutover, the
 * target): {@code <prefix>:seq} holds every acknowledged write number exactly once, no number twice, only numbers
 * that were sent, in the order they were sent; {@code <prefix>:ctr} equals the list's length (both are written by
 * one transaction). Run it after {@link SentinelAppClient#stop()}, so no write is still in flight.
 */
public final class AppWritesCheck {

    /**
     * What the server holds against what the client recorded. {@code missing}: acknowledged, not on the server
     * (lost); {@code duplicated}: on the server more than once; {@code unattempted}: on the server, never sent;
     * {@code refusedButPresent}: the server said it did not apply the write, yet it is there; {@code outOfOrder}:
     * numbers that come after a higher one in the list. {@code counter} is null when the key does not exist.
     */
    public record Result(String client, String server, List<Long> list, Long counter, List<Long> missing,
                         List<Long> duplicated, List<Long> unattempted, List<Long> refusedButPresent,
                         List<Long> outOfOrder, List<String> notNumbers, String report) {
        public boolean ok() {
            return report.isEmpty();
        }
    }

    private AppWritesCheck() {
    }

    /** The violations of every client, one block per client; empty when all hold. */
    public static String report(RedisServer server, SentinelAppClient... clients) {
        StringBuilder sb = new StringBuilder();
        for (SentinelAppClient c : clients) {
            sb.append(check(server, c).report());
        }
        return sb.toString();
    }

    public static Result check(RedisServer server, SentinelAppClient client) {
        List<String> raw;
        Reply ctr;
        try (RespConnection c = RespConnection.open(new HostPort(server.host(), server.port()),
                new ConnectOptions(null, server.password(), server.isTls(), true, null, 2_000, 10_000))) {
            raw = c.callOk("LRANGE", client.prefix() + ":seq", "0", "-1").asList().stream().map(Reply::asText).toList();
            ctr = c.callOk("GET", client.prefix() + ":ctr");
        }
        return check(server.hostAndPort(), raw, ctr instanceof Reply.Bulk b && b.bytes() == null ? null : ctr.asLong(),
                client);
    }

    /** The check on values already read: {@code raw} the list's elements, {@code counter} the counter or null. */
    static Result check(String server, List<String> raw, Long counter, SentinelAppClient client) {
        return check(server, raw, counter, client.name(), client.prefix(), client.acks(), client.failures(),
                client.attempted());
    }

    /** The check on what a client recorded: numbers 1 to {@code attempted} were sent. */
    static Result check(String server, List<String> raw, Long counter, String clientName, String prefix,
                        List<SentinelAppClient.Ack> acks, List<SentinelAppClient.Failure> failures, long attempted) {

        List<Long> list = new ArrayList<>();
        List<String> notNumbers = new ArrayList<>();
        for (String s : raw) {
            try {
                list.add(Long.parseLong(s));
            } catch (NumberFormatException e) {
                notNumbers.add(s);
            }
        }
        Map<Long, Integer> seen = new HashMap<>();
        List<Long> duplicated = new ArrayList<>();
        List<Long> outOfOrder = new ArrayList<>();
        long highest = Long.MIN_VALUE;
        for (long n : list) {
            if (seen.merge(n, 1, Integer::sum) == 2) {
                duplicated.add(n);
            }
            if (n < highest) {
                outOfOrder.add(n);
            }
            highest = Math.max(highest, n);
        }
        List<Long> unattempted = list.stream().filter(n -> n < 1 || n > attempted).distinct().toList();
        Set<Long> refused = new HashSet<>();
        failures.stream().filter(SentinelAppClient.Failure::refused).forEach(f -> refused.add(f.n()));
        List<Long> refusedButPresent = list.stream().filter(refused::contains).distinct().toList();
        List<SentinelAppClient.Ack> lost = acks.stream().filter(a -> !seen.containsKey(a.n())).toList();
        List<Long> missing = lost.stream().map(SentinelAppClient.Ack::n).toList();

        StringBuilder r = new StringBuilder();
        if (!missing.isEmpty()) {
            // by the server that acknowledged them: where a write went says which step lost it
            Map<HostPort, List<Long>> byAddress = new LinkedHashMap<>();
            lost.forEach(a -> byAddress.computeIfAbsent(a.address(), k -> new ArrayList<>()).add(a.n()));
            r.append("  ").append(missing.size()).append(" acknowledged writes missing: ")
                    .append(byAddress.entrySet().stream().map(e -> ranges(e.getValue()) + " (acknowledged by " + e.getKey() + ")")
                            .collect(Collectors.joining("; "))).append('\n');
        }
        if (!duplicated.isEmpty()) {
            Map<Long, Integer> counts = new TreeMap<>();
            duplicated.forEach(n -> counts.put(n, seen.get(n)));
            r.append("  ").append(duplicated.size()).append(" writes present more than once: ")
                    .append(counts.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", ")))
                    .append('\n');
        }
        if (!unattempted.isEmpty()) {
            r.append("  ").append(unattempted.size()).append(" numbers present that were never sent (sent 1-")
                    .append(attempted).append("): ").append(ranges(unattempted)).append('\n');
        }
        if (!refusedButPresent.isEmpty()) {
            r.append("  ").append(refusedButPresent.size()).append(" writes present that the server refused: ")
                    .append(ranges(refusedButPresent)).append('\n');
        }
        if (!outOfOrder.isEmpty()) {
            r.append("  ").append(outOfOrder.size()).append(" numbers after a higher one (the writes are sequential): ")
                    .append(ranges(outOfOrder)).append('\n');
        }
        if (!notNumbers.isEmpty()) {
            r.append("  ").append(notNumbers.size()).append(" elements that are not write numbers: ")
                    .append(notNumbers.stream().limit(10).toList()).append('\n');
        }
        long counted = counter == null ? 0 : counter;
        if (counted != raw.size()) {
            r.append("  ").append(prefix).append(":ctr is ").append(counter == null ? "absent" : counter)
                    .append(" but ").append(prefix).append(":seq has ").append(raw.size())
                    .append(" elements (one transaction writes both)\n");
        }
        String report = r.length() == 0 ? ""
                : clientName + " on " + server + " (acked " + acks.size() + ", failed " + failures.size()
                + ", sent 1-" + attempted + ", list " + raw.size() + "):\n" + r;
        return new Result(clientName, server, List.copyOf(list), counter, missing, List.copyOf(duplicated), unattempted,
                refusedButPresent, List.copyOf(outOfOrder), List.copyOf(notNumbers), report);
    }

    /** {@code 1-5, 9, 12-13}: ascending runs of consecutive numbers, in the order given. */
    static String ranges(List<Long> ns) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < ns.size()) {
            int j = i;
            while (j + 1 < ns.size() && ns.get(j + 1) == ns.get(j) + 1) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(ns.get(i));
            if (j > i) {
                sb.append('-').append(ns.get(j));
            }
            i = j + 1;
        }
        return sb.toString();
    }
}
